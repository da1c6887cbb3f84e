"""The learner's learning record store settings (`progress.lrs_views`)."""

from django import forms

from progress.models.lrs import (
    ENDPOINT_MAX_LENGTH,
    SECRET_MAX_LENGTH,
    USERNAME_MAX_LENGTH,
    validate_endpoint,
)


class StoreForm(forms.Form):
    """Where to send, as whom, and whether to. The secret is never shown: left
    empty, the saved one is kept; it is required only when none is saved."""

    endpoint = forms.URLField(
        label="Store address (xAPI endpoint)",
        max_length=ENDPOINT_MAX_LENGTH,
        assume_scheme="https",
        validators=[validate_endpoint],
        help_text="The address your store gives for xAPI, such as "
        "https://lrs.example.com/xAPI. Waymark sends to its /statements.",
    )
    username = forms.CharField(
        label="Username (key)",
        max_length=USERNAME_MAX_LENGTH,
        help_text="The name of the account, or the key, your store gave you.",
    )
    secret = forms.CharField(
        label="Password (secret)",
        max_length=SECRET_MAX_LENGTH,
        required=False,
        strip=False,
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "new-password"}
        ),
    )
    enabled = forms.BooleanField(
        label="Send my history to this store", required=False, initial=True
    )

    def __init__(self, *args, secret_saved: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.secret_saved = secret_saved
        self.fields["secret"].help_text = (
            "Saved. Leave it empty to keep it, or enter a new one."
            if secret_saved
            else "The account's password, or the key's secret. Kept encrypted "
            "and never shown again."
        )

    def clean_endpoint(self) -> str:
        return self.cleaned_data["endpoint"].rstrip("/")

    def clean_secret(self) -> str:
        secret = self.cleaned_data["secret"]
        if not secret and not self.secret_saved:
            raise forms.ValidationError("Enter the password or secret.")
        return secret
