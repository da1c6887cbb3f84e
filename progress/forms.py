from django import forms

from progress.models import (
    EVIDENCE_PER_ITEM,
    NOTE_MAX_LENGTH,
    Evidence,
    Level,
)


class NoteForm(forms.Form):
    note = forms.CharField(
        label="Private note",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"Plain text, up to {NOTE_MAX_LENGTH} characters. Only you see "
        "it, unless you share it with your mentors.",
    )
    shared = forms.BooleanField(label="Share this note with my mentors", required=False)


class EvidenceForm(forms.ModelForm):
    MAX_PER_ITEM = EVIDENCE_PER_ITEM

    class Meta:
        model = Evidence
        fields = ["url", "title"]
        labels = {"url": "Link (http or https)", "title": "What it shows (optional)"}
        widgets = {"url": forms.URLInput(attrs={"placeholder": "https://"})}

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError("Only http and https links are accepted.")
        return url


CHOOSE_A_LEVEL = (
    "Choose a level: " + ", ".join(label for _, label in Level.choices) + "."
)


class SelfAssessmentForm(forms.Form):
    level = forms.TypedChoiceField(
        label="Your level",
        choices=Level.choices,
        coerce=int,
        error_messages={"required": CHOOSE_A_LEVEL, "invalid_choice": CHOOSE_A_LEVEL},
        help_text="Aware, beginner, competent, proficient or expert. Each rating "
        "is kept in your history.",
    )
