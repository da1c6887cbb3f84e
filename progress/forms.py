import datetime
from decimal import Decimal

from django import forms

from progress.models import (
    EVIDENCE_PER_ITEM,
    MAX_GOAL_YEARS,
    MAX_HOURS_PER_WEEK,
    MAX_PAUSE_DAYS,
    NOTE_MAX_LENGTH,
    REPORT_MESSAGE_MAX_LENGTH,
    RETENTION_MAX,
    RETENTION_MIN,
    Evidence,
    ItemReport,
    Level,
    ReviewSettings,
    validate_target_date,
)
from progress.plan import format_hours
from progress.reviews import RATINGS


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
    # What a learner is told when `ItemProgress.objects.add_evidence` finds the
    # item full.
    FULL = f"An item holds at most {EVIDENCE_PER_ITEM} evidence links."

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


class ReportForm(forms.Form):
    """A learner's report of a problem with an item."""

    kind = forms.ChoiceField(
        label="What is the problem?",
        choices=ItemReport.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what kind of problem it is.",
            "invalid_choice": "Choose one of the kinds of problem listed.",
        },
    )
    message = forms.CharField(
        label="Tell the curators more (optional)",
        required=False,
        max_length=REPORT_MESSAGE_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"Plain text, up to {REPORT_MESSAGE_MAX_LENGTH} characters. Only "
        "you and the curators see it.",
    )


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


class HoursField(forms.DecimalField):
    """Hours with a decimal place, shown without trailing zeros (7, 2.5)."""

    def prepare_value(self, value):
        if isinstance(value, (int, float, Decimal)):
            return format_hours(value)
        return value


class GoalForm(forms.Form):
    """A learner's goal for a followed role: a target date, hours a week, or
    both; both empty clears it. The date is checked against the learner's own
    today (their time zone)."""

    target_date = forms.DateField(
        label="Finish by",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=f"Optional. A day from today on, within {MAX_GOAL_YEARS} years.",
        validators=[validate_target_date],
    )
    hours_per_week = HoursField(
        label="Hours a week",
        required=False,
        min_value=1,
        max_value=MAX_HOURS_PER_WEEK,
        max_digits=3,
        decimal_places=1,
        help_text=f"Optional. From 1 to {MAX_HOURS_PER_WEEK}, halves or tenths "
        "too (2.5).",
        error_messages={
            "invalid": "Enter a number of hours, such as 3 or 2.5.",
            "min_value": "Give at least 1 hour a week, or leave it empty.",
            "max_value": f"At most {MAX_HOURS_PER_WEEK} hours a week.",
            "max_decimal_places": "Give the hours to one decimal place at most.",
            "max_digits": f"At most {MAX_HOURS_PER_WEEK} hours a week.",
        },
    )

    reviews = forms.BooleanField(
        label="Bring this role's done items back for review",
        required=False,
        help_text="Spaced review: each done item comes back on days that fit how "
        "well you recall it.",
    )

    def __init__(self, *args, today, **kwargs) -> None:
        kwargs.setdefault("auto_id", "goal_%s")
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["target_date"].widget.attrs["min"] = today.isoformat()

    def clean_target_date(self):
        target = self.cleaned_data["target_date"]
        if target is not None and target < self.today:
            raise forms.ValidationError(
                f"That day has passed: choose {self.today:%-d %B %Y} or later.",
                code="past",
            )
        return target


class ReviewPacingForm(forms.ModelForm):
    """The learner's daily limit and target retention (`ReviewSettings`)."""

    class Meta:
        model = ReviewSettings
        fields = ["daily_limit", "retention"]
        labels = {
            "daily_limit": "Reviews a day, at most",
            "retention": "Target retention",
        }
        help_texts = {
            "retention": f"From {RETENTION_MIN:.2f} to {RETENTION_MAX:.2f}: how "
            "likely you aim to recall an item when it comes back. 0.90 is the "
            "usual choice; higher means more reviews.",
        }
        widgets = {
            "retention": forms.NumberInput(
                attrs={"step": "0.01", "min": RETENTION_MIN, "max": RETENTION_MAX}
            ),
        }


class PauseForm(forms.Form):
    """Pause reviews until a day (holidays)."""

    MAX_DAYS = MAX_PAUSE_DAYS

    until = forms.DateField(
        label="No reviews until",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=f"Up to {MAX_DAYS} days ahead. Every review moves on by the "
        "pause's length, so nothing piles up when you are back.",
    )

    def __init__(
        self,
        *args,
        today: datetime.date,
        paused_until: datetime.date | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.today = today
        # A pause under way: a new day lengthens it (end it to shorten it).
        under_way = paused_until is not None and paused_until > today
        self.paused_until = paused_until if under_way else None

    def clean_until(self) -> datetime.date:
        until = self.cleaned_data["until"]
        if until <= self.today:
            raise forms.ValidationError("Choose a day after today.")
        if self.paused_until and until <= self.paused_until:
            raise forms.ValidationError(
                f"Your reviews are already paused until "
                f"{self.paused_until:%-d %B %Y}: choose a later day, or end the "
                "pause to come back sooner."
            )
        if until > self.today + datetime.timedelta(days=self.MAX_DAYS):
            raise forms.ValidationError(f"A pause lasts at most {self.MAX_DAYS} days.")
        return until


class ReviewForm(forms.Form):
    """A rating from the reviews page: how well the item was recalled, and
    when the page showed its buttons. The item comes back on the day its
    button said, however long the learner took to press it (past midnight
    too), as `reviews.intervals` computed the days from that moment."""

    # A page shown longer ago than this is rated from now.
    SHOWN_FOR = datetime.timedelta(hours=12)

    rating = forms.ChoiceField(
        choices=[(name, name) for name in RATINGS],
        error_messages={
            "required": "Rate it again, hard, good or easy.",
            "invalid_choice": "Rate it again, hard, good or easy.",
        },
    )
    shown_at = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, now: datetime.datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now

    def clean_shown_at(self) -> datetime.datetime:
        """The moment the buttons were shown, when it is a real one of the
        last `SHOWN_FOR`; else now (an old page, or a value made up)."""
        try:
            shown = datetime.datetime.fromisoformat(self.cleaned_data["shown_at"])
        except ValueError:
            return self.now
        if shown.tzinfo is None or not (self.now - self.SHOWN_FOR <= shown <= self.now):
            return self.now
        return shown.astimezone(datetime.UTC)
