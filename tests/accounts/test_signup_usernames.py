"""Sign-up and usernames: a taken username is refused (usernames are unique and
public by design), in plain words that say nothing about who holds it."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory
from tests.queue import delivered

User = get_user_model()
TAKEN = (
    "That username is taken: choose another. Usernames are public on Waymark; "
    "your email address never is."
)


@pytest.fixture(autouse=True)
def _empty_cache(empty_cache):
    pass


def sign_up(client, username: str, email: str = "newcomer@example.com"):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "username": username,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def without_tokens(page: str) -> str:
    page = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1CSRF", page)
    return re.sub(r'nonce="[^"]+"', 'nonce="NONCE"', page)


@pytest.mark.django_db
def test_a_taken_username_is_refused_in_plain_words(client):
    UserFactory(
        username="lena", email="lena.private@example.com", display_name="Lena Hidden"
    )

    response = sign_up(client, "LENA")

    assert response.status_code == 200
    body = response.content.decode()
    assert TAKEN in body
    assert "A user with that username already exists" not in body
    assert "lena.private@example.com" not in body
    assert "Lena Hidden" not in body
    assert User.objects.count() == 1
    assert delivered() == []


@pytest.mark.django_db
def test_the_refusal_is_the_same_whoever_holds_the_username(client):
    UserFactory(username="first", email="a@example.com", display_name="Ann")
    UserFactory(username="second", email="b@example.com", display_name="Bo")

    pages = [
        without_tokens(sign_up(client, name).content.decode()).replace(name, "NAME")
        for name in ("first", "second")
    ]

    assert pages[0] == pages[1]
    assert TAKEN in pages[0]
