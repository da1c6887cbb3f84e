"""Only a verified address gets the weekly email (and any other email about an
account but the account emails themselves): a learner restored from their data
file, whose address is not verified yet, gets nothing from the weekly job until
they verify it, then gets the week's email at the next run."""

import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from outbox.models import Message
from progress import reminders
from tests.accounts.helpers import is_signed_in, link_in_last_email, sign_in
from tests.progress.test_weekly_email import MONDAY_EIGHT_PARIS, subscriber  # noqa: F401
from tests.queue import delivered

NEW_PASSWORD = "a long new passphrase 42"


def weekly_to(address):
    return [m for m in delivered() if m.to == [address] and "plan" in m.subject]


def run_the_schedule(clock, when):
    clock.current = when
    call_command("run_schedule", stdout=io.StringIO())


@pytest.mark.django_db
def test_an_unverified_address_gets_no_weekly_email_until_it_is_verified(
    subscriber,  # noqa: F811
    clock,
    tmp_path,
    empty_cache,
):
    client = Client()
    client.force_login(subscriber)
    path = tmp_path / "export.json"
    path.write_bytes(client.get(reverse("progress_export_json")).content)
    subscriber.delete()
    call_command("import_learner", str(path), stdout=io.StringIO())
    learner = User.objects.get(username="weekly")
    assert learner.weekly_email
    assert not EmailAddress.objects.get(user=learner).verified

    run_the_schedule(clock, MONDAY_EIGHT_PARIS)
    assert weekly_to("weekly@example.com") == []
    assert not Message.objects.filter(kind=reminders.KIND).exists()

    # They choose a password (reset emails go to unverified addresses: that is
    # how a restored learner gets in), sign in, and confirm the address.
    browser = Client()
    browser.post(reverse("account_reset_password"), {"email": "weekly@example.com"})
    reset = link_in_last_email("/accounts/password/reset/key/", to="weekly@example.com")
    form = browser.get(reset, follow=True)
    browser.post(
        form.redirect_chain[-1][0] if form.redirect_chain else reset,
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    sign_in(browser, "weekly", NEW_PASSWORD)
    confirm = link_in_last_email("/accounts/confirm-email/", to="weekly@example.com")
    browser.post(confirm)
    assert EmailAddress.objects.get(user=learner).verified
    assert is_signed_in(browser)

    run_the_schedule(clock, MONDAY_EIGHT_PARIS.replace(hour=8))
    (email,) = weekly_to("weekly@example.com")
    assert email.subject == "[Waymark] Your plan for the week of 7 December"
