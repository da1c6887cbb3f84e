"""Rate-limited requests get a 429 page inside Waymark's layout."""

import pytest
from django.core.cache import cache
from django.urls import reverse


@pytest.mark.django_db
def test_too_many_login_posts_get_the_429_page(client):
    cache.clear()
    try:
        statuses = [
            client.post(
                reverse("account_login"), {"login": f"nobody{i}", "password": "x"}
            ).status_code
            for i in range(31)
        ]
        assert statuses[:30] == [200] * 30
        response = client.post(
            reverse("account_login"), {"login": "z", "password": "x"}
        )
        assert response.status_code == 429
        body = response.content.decode()
        assert "Too many requests" in body
        assert 'id="main-content"' in body
    finally:
        cache.clear()
