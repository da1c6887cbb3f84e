from allauth.account.forms import ReauthenticateForm
from django import forms

from accounts.models import User, timezone_names
from config import caching


class ProfileForm(forms.ModelForm):
    """What a person may change about themselves on the settings page."""

    timezone = forms.ChoiceField(
        label="Time zone",
        help_text="Days, streaks and the activity calendar follow this time zone.",
        # The page's script offers the browser's zone while this one is chosen.
        widget=forms.Select(
            attrs={"data-default-zone": User._meta.get_field("timezone").default}
        ),
    )

    class Meta:
        model = User
        fields = ["display_name", "timezone", "public_profile", "weekly_email"]
        labels = {
            "display_name": "Display name",
            "public_profile": "Public profile",
            "weekly_email": "Weekly plan email",
        }
        help_texts = {
            "public_profile": "Show your followed roles, progress figures and "
            "activity on your public profile page. Notes and evidence are never "
            "shown.",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Choices are read per form, not at import, so a tzdata update needs no
        # code change.
        self.fields["timezone"].choices = [(name, name) for name in timezone_names()]

    def save(self, commit: bool = True) -> User:
        user = super().save(commit)
        if commit:
            # A new time zone moves the person's days: their cached figures go.
            caching.bump("learner", user.pk)
        return user


class DeleteAccountForm(ReauthenticateForm):
    """The current password, re-entered to confirm deleting the account.

    allauth checks it, counting wrong guesses against the failed-login rate limit,
    so this form cannot be used to guess a password faster than the login page.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["password"]
        field.label = "Your current password"
        field.help_text = ""
        field.widget.attrs.pop("placeholder", None)
