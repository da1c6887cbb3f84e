"""The settings page's form for making a personal access token."""

import datetime

from django import forms
from django.utils import timezone

from api import tokens
from api.models import AccessToken

# How long a new token lasts, in days; "never" keeps it until it is revoked.
LIFETIMES = {"30": 30, "90": 90, "365": 365, "never": None}


class NewTokenForm(forms.Form):
    """A token's name, scope and lifetime, as the person chooses them."""

    name = forms.CharField(
        label="Name",
        max_length=AccessToken._meta.get_field("name").max_length,
        help_text="What the token is for, such as the tool that will use it.",
    )
    scope = forms.ChoiceField(
        label="What it may do",
        choices=AccessToken.Scope.choices,
        initial=AccessToken.Scope.READ,
        widget=forms.RadioSelect,
    )
    expiry = forms.ChoiceField(
        label="Expires",
        choices=[
            ("30", "In 30 days"),
            ("90", "In 90 days"),
            ("365", "In 1 year"),
            ("never", "Never"),
        ],
        initial="90",
    )

    def expires_at(self) -> datetime.datetime | None:
        """When the token stops working, counted from now; None for never."""
        days = LIFETIMES[self.cleaned_data["expiry"]]
        if days is None:
            return None
        return timezone.now() + datetime.timedelta(days=days)

    def make(self, user) -> tuple[AccessToken, str] | None:
        """Make the token (`tokens.create`): the row and the token itself;
        None, with the form's error, when the person has the most they may."""
        try:
            return tokens.create(
                user,
                name=self.cleaned_data["name"],
                scope=self.cleaned_data["scope"],
                expires_at=self.expires_at(),
            )
        except tokens.TooManyTokens:
            self.add_error(
                None,
                f"You have {tokens.MAX_TOKENS} tokens that still work, the most "
                "you may have: revoke one you no longer use, then make this one.",
            )
            return None
