"""The account settings page for personal access tokens: a person makes a token
through the form, sees it once, lists their tokens and revokes them; nobody
else reaches them."""

import datetime
import logging
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from api import tokens
from api.models import AccessToken
from api.token_views import SHOW_ONCE_SESSION_KEY
from tests.factories import UserFactory

PAGE = reverse("api_tokens")


def revoke_url(token: AccessToken) -> str:
    return reverse("api_token_revoke", args=[token.pk])


class FormFields(HTMLParser):
    """The fields of the page's form that posts to `action`, with the values a
    person who changes nothing would send (checked radio, selected option)."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.select: str | None = None
        self.names: set[str] = set()
        self.values: dict[str, str] = {}
        self.options: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == self.action
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            self.names.add(name)
            if attrs.get("type") == "radio":
                self.options.setdefault(name, []).append(attrs["value"])
                if "checked" in attrs:
                    self.values[name] = attrs["value"]
            else:
                self.values[name] = attrs.get("value", "")
        elif tag == "select":
            self.names.add(name)
            self.select = name
        elif tag == "option" and self.select:
            self.options.setdefault(self.select, []).append(attrs["value"])
            if "selected" in attrs:
                self.values[self.select] = attrs["value"]

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


def form_fields(client) -> FormFields:
    parser = FormFields(PAGE)
    parser.feed(client.get(PAGE).content.decode())
    return parser


def new_token(page: str) -> str:
    """The token the page shows once, read from its read-only field."""
    start = page.index('id="new-token" type="text" value="') + len(
        'id="new-token" type="text" value="'
    )
    return page[start : page.index('"', start)]


def make(client, **data) -> tuple[AccessToken, str]:
    """Make a token through the page's form, as a person would, changing only
    `data`; the new row and the token the page then shows."""
    fields = form_fields(client)
    assert set(data) <= fields.names
    response = client.post(PAGE, {**fields.values, **data})
    assert response.status_code == 302 and response["Location"] == PAGE
    plain = new_token(client.get(PAGE).content.decode())
    return AccessToken.objects.latest("created_at", "id"), plain


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner)
    return client


@pytest.mark.django_db
class TestTheForm:
    def test_the_form_offers_name_scope_and_expiry_with_their_defaults(self, signed_in):
        fields = form_fields(signed_in)
        assert fields.names == {"name", "scope", "expiry"}
        assert fields.options["scope"] == ["read", "write"]
        assert fields.options["expiry"] == ["30", "90", "365", "never"]
        assert fields.values == {"name": "", "scope": "read", "expiry": "90"}

    def test_a_made_token_is_shown_once_then_never_again(self, signed_in, learner):
        token, plain = make(signed_in, name="My script")
        assert plain.startswith(f"wm_{token.prefix}_")
        assert token.user == learner and token.name == "My script"
        assert token.scope == "read"
        again = signed_in.get(PAGE).content.decode()
        assert plain not in again and "Copy it now" not in again
        assert SHOW_ONCE_SESSION_KEY not in signed_in.session

    def test_the_page_tells_the_person_to_copy_it_now(self, signed_in):
        fields = form_fields(signed_in)
        signed_in.post(PAGE, {**fields.values, "name": "Backup"})
        page = signed_in.get(PAGE).content.decode()
        assert "Copy it now" in page and "only this once" in page

    def test_the_stored_digest_is_not_the_token(self, signed_in):
        token, plain = make(signed_in, name="Digest")
        secret = plain.split("_", 2)[2]
        assert token.digest not in (plain, secret)
        assert plain not in token.digest and secret not in token.digest
        assert len(token.digest) == 64

    def test_the_made_token_opens_the_api_until_it_is_revoked(self, signed_in, learner):
        token, plain = make(signed_in, name="CLI", scope="write")
        found = tokens.authenticate(plain)
        assert found == token and found.user == learner and found.writes
        assert signed_in.post(revoke_url(token)).status_code == 302
        assert tokens.authenticate(plain) is None

    def test_the_token_is_never_logged(self, signed_in, caplog):
        with caplog.at_level(logging.DEBUG):
            token, plain = make(signed_in, name="Quiet")
            signed_in.post(revoke_url(token))
        secret = plain.split("_", 2)[2]
        assert secret not in caplog.text

    @pytest.mark.parametrize(
        ("expiry", "days"), [("30", 30), ("90", 90), ("365", 365), ("never", None)]
    )
    def test_the_expiry_choice_sets_when_it_stops_working(
        self, signed_in, clock, expiry, days
    ):
        token, _ = make(signed_in, name="Timed", expiry=expiry)
        if days is None:
            assert token.expires_at is None
        else:
            assert token.expires_at == clock.now() + datetime.timedelta(days=days)

    def test_an_expired_token_is_listed_as_expired_and_cannot_be_revoked_there(
        self, signed_in, learner, clock
    ):
        _, plain = make(signed_in, name="Short", expiry="30")
        clock.advance(days=31)
        signed_in.force_login(learner)  # a month on, the session has ended
        page = signed_in.get(PAGE).content.decode()
        assert "<td>expired</td>" in page and "Revoke Short" not in page
        assert tokens.authenticate(plain) is None


@pytest.mark.django_db
class TestRefusals:
    @pytest.mark.parametrize(
        ("data", "field", "error"),
        [
            ({"name": ""}, "name", "This field is required."),
            ({"name": "   "}, "name", "This field is required."),
            ({"name": "x" * 81}, "name", "at most 80 characters"),
            ({"name": "Ok", "scope": "admin"}, "scope", "Select a valid choice."),
            ({"name": "Ok", "scope": ""}, "scope", "This field is required."),
            ({"name": "Ok", "expiry": "7"}, "expiry", "Select a valid choice."),
            ({"name": "Ok", "expiry": ""}, "expiry", "This field is required."),
        ],
    )
    def test_bad_input_shows_the_field_error_and_makes_nothing(
        self, signed_in, data, field, error
    ):
        fields = form_fields(signed_in)
        response = signed_in.post(PAGE, {**fields.values, **data})
        assert response.status_code == 200
        page = response.content.decode()
        errors = page[page.index(f'<ul class="errorlist" id="id_{field}_error">') :]
        assert error in errors[: errors.index("</ul>")]
        assert "<form" in page and 'name="name"' in page  # the form again
        assert not AccessToken.objects.exists()
        assert SHOW_ONCE_SESSION_KEY not in signed_in.session

    def test_a_name_of_80_characters_is_taken(self, signed_in):
        token, _ = make(signed_in, name="x" * 80)
        assert token.name == "x" * 80

    def test_one_token_past_the_limit_is_refused_with_a_form_error(
        self, signed_in, learner
    ):
        for number in range(tokens.MAX_TOKENS):
            tokens.create(learner, f"Token {number}", "read")
        fields = form_fields(signed_in)
        response = signed_in.post(PAGE, {**fields.values, "name": "One more"})
        assert response.status_code == 200
        page = response.content.decode()
        assert '<ul class="errorlist nonfield">' in page
        assert f"You have {tokens.MAX_TOKENS} tokens that still work" in page
        assert AccessToken.objects.filter(user=learner).count() == tokens.MAX_TOKENS
        assert not AccessToken.objects.filter(name="One more").exists()

    def test_a_revoked_token_frees_its_place(self, signed_in, learner):
        made = [tokens.create(learner, f"T{n}", "read")[0] for n in range(20)]
        signed_in.post(revoke_url(made[0]))
        token, _ = make(signed_in, name="In its place")
        assert token.name == "In its place"


@pytest.mark.django_db
class TestTheList:
    def test_it_lists_each_token_with_its_fields_newest_first(
        self, signed_in, learner, clock
    ):
        old, _ = tokens.create(learner, "Old laptop", "read")
        clock.advance(hours=1)
        new, new_plain = tokens.create(
            learner, "Phone", "write", clock.now() + datetime.timedelta(days=30)
        )
        clock.advance(minutes=5)
        tokens.authenticate(new_plain)  # notes its last use
        page = signed_in.get(PAGE).content.decode()
        rows = page[page.index("<tbody>") : page.index("</tbody>")].split("<tr>")[1:]
        names = [re.search(r'<th scope="row">(.*?)</th>', row)[1] for row in rows]
        assert names == ["Phone", "Old laptop"]
        phone, laptop = rows
        assert f"<code>wm_{new.prefix}_…</code>" in phone
        assert "Read and write" in phone and "<td>active</td>" in phone
        expires = (clock.now() - datetime.timedelta(minutes=5)) + datetime.timedelta(
            days=30
        )
        assert f'datetime="{expires.isoformat(timespec="seconds")}"' in phone
        used = clock.now()
        assert f'datetime="{used.isoformat(timespec="seconds")}"' in phone
        assert phone.count("never") == 0
        assert f"<code>wm_{old.prefix}_…</code>" in laptop
        assert "Read: see your data" in laptop
        assert laptop.count("<td>never</td>") == 2  # expires never, never used
        assert "Revoke Phone" in phone and "Revoke Old laptop" in laptop

    def test_it_shows_only_the_persons_own_tokens(self, signed_in, other_learner):
        tokens.create(other_learner, "Someone else's", "read")
        page = signed_in.get(PAGE).content.decode()
        assert "Someone else" not in page and "You have no tokens yet." in page

    def test_the_list_is_never_the_secret(self, signed_in, learner):
        _, plain = tokens.create(learner, "Quiet", "read")
        page = signed_in.get(PAGE).content.decode()
        assert plain not in page and plain.split("_", 2)[2] not in page

    def test_settings_link_to_the_page(self, signed_in):
        page = signed_in.get(reverse("account_settings")).content.decode()
        assert '<h2 id="api-title">API tokens</h2>' in page
        assert f'href="{PAGE}"' in page

    def test_its_queries_do_not_grow_with_the_tokens(
        self, signed_in, learner, django_assert_page_queries
    ):
        tokens.create(learner, "One", "read")
        with django_assert_page_queries(3) as first:
            signed_in.get(PAGE)
        for number in range(5):
            tokens.create(learner, f"More {number}", "write")
        with django_assert_page_queries(len(first.captured_queries)):
            signed_in.get(PAGE)


@pytest.mark.django_db
class TestRevoking:
    def test_a_person_revokes_their_own_token(self, signed_in, learner):
        token, _ = make(signed_in, name="Old script")
        response = signed_in.post(revoke_url(token))
        assert response.status_code == 302 and response["Location"] == PAGE
        token.refresh_from_db()
        assert token.state() == "revoked" and token.revoked_at is not None
        page = signed_in.get(PAGE).content.decode()
        assert "<td>revoked</td>" in page and "Revoke Old script" not in page

    def test_revoking_twice_changes_nothing(self, signed_in, learner):
        token, _ = tokens.create(learner, "Twice", "read")
        signed_in.post(revoke_url(token))
        first = AccessToken.objects.get(pk=token.pk).revoked_at
        assert signed_in.post(revoke_url(token)).status_code == 302
        assert AccessToken.objects.get(pk=token.pk).revoked_at == first

    def test_another_persons_token_is_404_and_stays_as_it_was(self, signed_in):
        theirs, plain = tokens.create(UserFactory(), "Theirs", "read")
        assert signed_in.post(revoke_url(theirs)).status_code == 404
        theirs.refresh_from_db()
        assert theirs.revoked_at is None and tokens.authenticate(plain) == theirs

    def test_an_unknown_token_is_404(self, signed_in, learner):
        token, _ = tokens.create(learner, "Mine", "read")
        url = reverse("api_token_revoke", args=[token.pk + 1000])
        assert signed_in.post(url).status_code == 404
        token.refresh_from_db()
        assert token.revoked_at is None

    def test_revoke_is_post_only(self, signed_in, learner):
        token, _ = tokens.create(learner, "Mine", "read")
        assert signed_in.get(revoke_url(token)).status_code == 405
        token.refresh_from_db()
        assert token.revoked_at is None


@pytest.mark.django_db
class TestSignInAndCsrf:
    def test_anonymous_people_are_sent_to_sign_in(self, client, learner):
        token, _ = tokens.create(learner, "Mine", "read")
        for response in (
            client.get(PAGE),
            client.post(PAGE, {"name": "x", "scope": "read", "expiry": "90"}),
            client.post(revoke_url(token)),
        ):
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        token.refresh_from_db()
        assert token.revoked_at is None
        assert AccessToken.objects.count() == 1

    def test_posts_without_the_csrf_token_are_refused(self, learner):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(learner)
        token, _ = tokens.create(learner, "Mine", "read")
        data = {"name": "x", "scope": "read", "expiry": "90"}
        assert client.post(PAGE, data).status_code == 403
        assert client.post(revoke_url(token)).status_code == 403
        token.refresh_from_db()
        assert token.revoked_at is None and AccessToken.objects.count() == 1
