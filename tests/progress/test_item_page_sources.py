"""A step's own page ("Notes and evidence") shows what the role page shows of it:
its sources, the passages quoted from them and Waymark's note."""

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from roadmap.citations import anchor
from tests.factories import SourceFactory


def cite(step, *sources, quote="Learn one language well before the next."):
    step.sources.set(sources)
    step.quotes = {sources[0].slug: quote}
    step.editorial = "Waymark adds: pick the language your team uses."
    step.save()


@pytest.mark.django_db
def test_a_steps_page_shows_its_sources_quote_and_waymarks_note(client, learner, steps):
    source = SourceFactory(title="A guide to backends")
    cite(steps[0], source)
    client.force_login(learner)

    response = client.get(reverse("progress_item", args=["step", steps[0].slug]))

    body = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "Learn one language well before the next." in body
    passage = anchor("Learn one language well before the next.")
    assert f'href="{source.get_absolute_url()}#{passage}"' in body
    assert f'href="{source.get_absolute_url()}"' in body
    assert "Waymark adds: pick the language your team uses." in body


@pytest.mark.django_db
def test_a_draft_source_stays_off_a_learners_step_page(client, learner, steps):
    published = SourceFactory(title="A guide to backends")
    draft = SourceFactory(title="Unpublished notes", is_published=False)
    cite(steps[0], published, draft)
    client.force_login(learner)

    body = client.get(
        reverse("progress_item", args=["step", steps[0].slug])
    ).content.decode()

    assert "A guide to backends" in body
    assert "Unpublished notes" not in body


def page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(
        [q for q in captured.captured_queries if "waymark_cache" not in q["sql"]]
    )


@pytest.mark.django_db
def test_the_step_pages_queries_do_not_grow_with_its_sources(client, learner, steps):
    url = reverse("progress_item", args=["step", steps[0].slug])
    client.force_login(learner)
    cite(steps[0], SourceFactory())
    client.get(url)
    one_source = page_queries(client, url)
    cite(steps[0], *[SourceFactory() for _ in range(5)])
    assert page_queries(client, url) == one_source
