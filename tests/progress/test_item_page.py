"""The item page: a private note, evidence links and the item's history."""

import pytest
from django.urls import reverse

from progress.models import NOTE_MAX_LENGTH, Evidence, ItemProgress

HTMX = {"HX-Request": "true"}


def url(name: str, *args) -> str:
    return reverse(name, args=args)


@pytest.mark.django_db
class TestNotes:
    def test_anonymous_visitors_are_sent_to_sign_in(self, client, steps):
        for response in [
            client.get(url("progress_item", "step", "s1")),
            client.post(url("progress_note", "step", "s1"), {"note": "x"}),
        ]:
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))

    def test_a_learner_saves_a_note_without_htmx(self, client, learner, steps):
        client.force_login(learner)
        response = client.post(
            url("progress_note", "step", "s1"), {"note": "Read ch. 3"}
        )
        assert response.status_code == 302
        assert ItemProgress.objects.get(learner=learner).note == "Read ch. 3"
        page = client.get(url("progress_item", "step", "s1")).content.decode()
        assert "Read ch. 3" in page

    def test_a_learner_saves_a_note_with_htmx(self, client, learner, steps):
        client.force_login(learner)
        response = client.post(
            url("progress_note", "step", "s1"), {"note": "Fragment note"}, headers=HTMX
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in body
        assert 'id="note"' in body
        assert "Fragment note" in body
        assert "Saved." in body

    @pytest.mark.parametrize("headers", [{}, HTMX])
    def test_an_oversize_note_is_refused_and_changes_nothing(
        self, client, learner, steps, headers
    ):
        client.force_login(learner)
        client.post(url("progress_note", "step", "s1"), {"note": "keep me"})
        response = client.post(
            url("progress_note", "step", "s1"),
            {"note": "x" * (NOTE_MAX_LENGTH + 1)},
            headers=headers,
        )
        body = response.content.decode()
        assert f"at most {NOTE_MAX_LENGTH} characters" in body
        assert 'aria-invalid="true"' in body
        assert ItemProgress.objects.get(learner=learner).note == "keep me"

    def test_notes_are_private(self, client, learner, other_learner, steps):
        client.force_login(learner)
        client.post(url("progress_note", "step", "s1"), {"note": "my secret plan"})
        client.force_login(other_learner)
        page = client.get(url("progress_item", "step", "s1")).content.decode()
        assert "my secret plan" not in page
        client.post(url("progress_note", "step", "s1"), {"note": "theirs"})
        assert ItemProgress.objects.get(learner=learner).note == "my secret plan"

    def test_markup_in_a_note_is_escaped(self, client, learner, steps):
        client.force_login(learner)
        client.post(
            url("progress_note", "step", "s1"), {"note": "<script>x()</script>"}
        )
        page = client.get(url("progress_item", "step", "s1")).content.decode()
        assert "<script>x()</script>" not in page
        assert "&lt;script&gt;x()&lt;/script&gt;" in page

    def test_a_concept_has_a_note_too(self, client, learner, small_role):
        client.force_login(learner)
        client.post(url("progress_note", "concept", "c1"), {"note": "on a concept"})
        assert ItemProgress.objects.get(concept__slug="c1").note == "on a concept"


@pytest.mark.django_db
class TestEvidence:
    def test_a_learner_adds_and_removes_evidence(self, client, learner, steps):
        client.force_login(learner)
        response = client.post(
            url("progress_add_evidence", "step", "s1"),
            {"url": "https://github.com/me/project", "title": "My API"},
            headers=HTMX,
        )
        assert "My API" in response.content.decode()
        evidence = Evidence.objects.get()
        client.post(
            url("progress_delete_evidence", "step", "s1", evidence.pk), headers=HTMX
        )
        assert not Evidence.objects.exists()

    @pytest.mark.parametrize(
        "bad",
        [
            "javascript:alert(1)",
            "data:text/html,<b>x</b>",
            "ftp://example.com/x",
            "not a url",
        ],
    )
    def test_only_http_and_https_links_are_accepted(self, client, learner, steps, bad):
        client.force_login(learner)
        response = client.post(
            url("progress_add_evidence", "step", "s1"), {"url": bad}, headers=HTMX
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert 'aria-invalid="true"' in body
        assert "Enter a valid URL" in body or "Only http and https" in body
        assert not Evidence.objects.exists()

    def test_without_htmx_a_bad_link_is_a_400_page_with_the_error(
        self, client, learner, steps
    ):
        client.force_login(learner)
        response = client.post(
            url("progress_add_evidence", "step", "s1"), {"url": "javascript:alert(1)"}
        )
        assert response.status_code == 400
        assert "<html" in response.content.decode()
        assert not Evidence.objects.exists()

    def test_another_learners_evidence_cannot_be_removed(
        self, client, learner, other_learner, steps
    ):
        client.force_login(learner)
        client.post(
            url("progress_add_evidence", "step", "s1"), {"url": "https://a.example/"}
        )
        evidence = Evidence.objects.get()
        client.force_login(other_learner)
        response = client.post(
            url("progress_delete_evidence", "step", "s1", evidence.pk)
        )
        assert response.status_code == 404
        assert Evidence.objects.exists()
        page = client.get(url("progress_item", "step", "s1")).content.decode()
        assert "a.example" not in page

    def test_an_item_holds_a_limited_number_of_links(self, client, learner, steps):
        client.force_login(learner)
        for index in range(20):
            client.post(
                url("progress_add_evidence", "step", "s1"),
                {"url": f"https://e.example/{index}"},
            )
        response = client.post(
            url("progress_add_evidence", "step", "s1"), {"url": "https://e.example/x"}
        )
        assert response.status_code == 400
        assert "at most 20 evidence links" in response.content.decode()
        assert Evidence.objects.count() == 20


@pytest.mark.django_db
class TestHistory:
    def test_the_item_page_lists_the_items_status_changes(self, client, learner, steps):
        client.force_login(learner)
        for status in ["learning", "done"]:
            client.post(url("progress_set_status", "step", "s1"), {"status": status})
        page = client.get(url("progress_item", "step", "s1")).content.decode()
        assert "Not started → <strong>Learning</strong>" in page
        assert "Learning → <strong>Done</strong>" in page
        assert page.count("<time") == 2

    def test_a_retired_item_stays_visible_to_a_learner_with_history(
        self, client, learner, other_learner, steps
    ):
        client.force_login(learner)
        client.post(url("progress_set_status", "step", "s4"), {"status": "done"})
        steps[3].is_published = False
        steps[3].save()
        page = client.get(url("progress_item", "step", "s4"))
        assert page.status_code == 200
        assert "Retired" in page.content.decode()
        client.force_login(other_learner)
        assert client.get(url("progress_item", "step", "s4")).status_code == 404
