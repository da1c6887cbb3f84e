"""Mentoring forms: invitations and requests (consent), comments and endorsements."""

from allauth.account.models import EmailAddress
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q

from accounts.models import User
from mentoring.models import COMMENT_MAX_LENGTH, Mentorship
from progress.models import Level


def message_field(where: str) -> forms.CharField:
    """The optional note sent with an invitation or a request, as long as the
    mentorship row keeps; `where` says who reads it."""
    length = Mentorship._meta.get_field("message").max_length
    return forms.CharField(
        label="A message for them (optional)",
        required=False,
        max_length=length,
        help_text=f"Up to {length} characters. {where}",
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class InviteMentorForm(forms.Form):
    """A learner invites a mentor by email address."""

    email = forms.EmailField(label="Their email address")
    message = message_field("It goes in the email, as plain text.")

    def __init__(self, *args, user, **kwargs) -> None:
        kwargs.setdefault("auto_id", "invite_%s")
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["email"].help_text = (
            "We email them a link to accept or decline. It works for "
            f"{settings.MENTORING_INVITATION_DAYS} days."
        )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        own = {address.lower() for address in own_addresses(self.user)}
        if email in own:
            raise forms.ValidationError(
                "That is your own address: you can't mentor yourself. Enter the "
                "address of the person you would like as a mentor.",
                code="self",
            )
        already = Mentorship.objects.pending().filter(
            learner=self.user, invited_email=email
        )
        if already.exists():
            raise forms.ValidationError(
                "You have already invited this address, and the invitation is "
                "still waiting for an answer.",
                code="duplicate",
            )
        return email

    def mentorship_fields(self) -> dict:
        return {
            "invited_email": self.cleaned_data["email"],
            "message": self.cleaned_data["message"],
        }


class RequestMentoringForm(forms.Form):
    """A mentor asks to mentor a learner, named by username or email address.

    The request is stored as sent, to the address or username typed, and reaches
    whoever holds it when they look; so the mentor never learns whether an
    account holds it, and sees only what they typed.
    """

    learner = forms.CharField(
        label="Their username or email address",
        max_length=254,
        help_text="They will see your request on their mentoring page and can "
        "accept or decline it.",
    )
    message = message_field("They see it with your request.")

    def __init__(self, *args, user, **kwargs) -> None:
        kwargs.setdefault("auto_id", "request_%s")
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_learner(self) -> str:
        """The address or username, in lower case (both match in any case)."""
        value = self.cleaned_data["learner"].strip().lower()
        if "@" in value:
            try:
                validate_email(value)
            except ValidationError:
                raise forms.ValidationError(
                    "Enter a valid email address, or a username.", code="invalid"
                ) from None
        else:
            try:
                User.username_validator(value)
            except ValidationError:
                raise forms.ValidationError(
                    "A username has only letters, digits and the characters "
                    "@ . + - _. Check what you typed, or enter an email address.",
                    code="invalid",
                ) from None
            if len(value) > User._meta.get_field("username").max_length:
                raise forms.ValidationError(
                    "That is longer than any username.", code="invalid"
                )
        if value == self.user.username.lower() or value in {
            address.lower() for address in own_addresses(self.user)
        }:
            raise forms.ValidationError(
                "That is you: you can't mentor yourself.", code="self"
            )
        already = Mentorship.objects.pending().filter(
            Q(invited_email=value) | Q(invited_username=value),
            initiated_by=Mentorship.Initiator.MENTOR,
            mentor=self.user,
        )
        if already.exists():
            raise forms.ValidationError(
                f"You have already sent a request to {value}, and it is still "
                "waiting for an answer.",
                code="duplicate",
            )
        return value

    def mentorship_fields(self) -> dict:
        """The request row's message, and where it was sent."""
        value = self.cleaned_data["learner"]
        where = "invited_email" if "@" in value else "invited_username"
        return {where: value, "message": self.cleaned_data["message"]}


def own_addresses(user) -> list[str]:
    """Every address of `user`, verified or not."""
    addresses = list(
        EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    )
    if user.email:
        addresses.append(user.email)
    return addresses


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=COMMENT_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"Plain text, up to {COMMENT_MAX_LENGTH} characters.",
    )


class EndorsementForm(forms.Form):
    level = forms.TypedChoiceField(
        label="Level you endorse",
        choices=Level.choices,
        coerce=int,
        help_text="Kept apart from the learner's own ratings, with your name and "
        "the date.",
    )

    def __init__(self, *args, skill=None, described_by: str = "", **kwargs) -> None:
        """`skill`: one of a list of forms on a page (a row of the mentee's skills),
        with ids of its own; `described_by`: the id of the text that says once,
        for every row, what the help text says."""
        if skill is not None:
            kwargs.setdefault("auto_id", f"endorse-{skill.slug}-%s")
        super().__init__(*args, **kwargs)
        if described_by:
            self.fields["level"].widget.attrs["aria-describedby"] = described_by
