"""A new curator's first sign-in, in Chromium: from the admin's address through
the login form to setting up two-factor, without being asked for the password a
second time, then on to the admin."""

import re

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from tests.accounts.helpers import code_to_type
from tests.browser.conftest import watched_context
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_new_curator_signs_in_once_and_sets_up_two_factor(browser, live_server):
    curator = UserFactory(username="newcura", is_staff=True)
    # The group comes from a migration; a transactional test run before this one
    # empties the tables, so it is made again when missing (its rights do not
    # matter here: the sign-in and the two-factor set-up are the point).
    curator.groups.add(Group.objects.get_or_create(name="Curators")[0])

    context = watched_context(browser)
    page = context.new_page()
    page.goto(live_server.url + "/admin/")
    page.fill("#id_login", "newcura")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    # Straight to the set-up: no second password page in between.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Activate an authenticator app"
    )
    assert "/reauthenticate/" not in page.url
    secret = page.locator("#authenticator_secret").input_value()
    page.fill("#id_code", code_to_type(secret))
    page.get_by_role("button", name="Activate").click()

    page.get_by_role("link", name="Continue to the admin").click()
    page.wait_for_url(re.compile(r".*/admin/$"))
    expect(page.locator("#site-name")).to_be_visible()
    assert Authenticator.objects.filter(user=curator).exists()
    assert page.evaluate("window.__cspViolations") == []
    context.close()
