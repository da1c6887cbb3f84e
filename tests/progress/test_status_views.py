"""Setting a status over HTTP, with and without htmx."""

import json
import re

import pytest
from django.urls import reverse

from progress.models import ItemProgress, ProgressEvent
from tests.factories import StepFactory

HTMX = {"HX-Request": "true"}
PRESSED_DONE = re.compile(r'value="done"[^>]*aria-pressed="true"')


def listener(html: str, element_id: str) -> str:
    """Where the element `element_id` asks for its part after a change."""
    tag = re.search(rf'<[^>]*id="{element_id}"[^>]*>', html).group(0)
    assert 'hx-trigger="waymark:status-changed from:body"' in tag
    return re.search(r'hx-get="([^"]+)"', tag).group(1)


def on_page(path: str) -> dict:
    """What htmx sends with a click on the page at `path`."""
    return {**HTMX, "HX-Current-URL": f"http://testserver{path}"}


def status_url(kind: str, slug: str) -> str:
    return reverse("progress_set_status", args=[kind, slug])


@pytest.mark.django_db
class TestSetStatusOverHttp:
    def test_anonymous_visitors_are_sent_to_sign_in(self, client, steps):
        response = client.post(status_url("step", "s1"), {"status": "done"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert not ItemProgress.objects.exists()

    def test_without_htmx_it_redirects_back(self, client, learner, steps):
        """Back to the page the form was on (the browser's Referer), at the
        item's control, whatever anchor the address had."""
        client.force_login(learner)
        response = client.post(
            status_url("step", "s1"),
            {"status": "done"},
            headers={"Referer": "http://testserver/roles/small/?view=left#path"},
        )
        assert response.status_code == 302
        assert response["Location"] == (
            f"http://testserver/roles/small/?view=left#status-step-{steps[0].pk}"
        )
        assert ItemProgress.objects.get(learner=learner).status == "done"

    @pytest.mark.parametrize(
        "referer", ["https://evil.example/roles/small/", "//evil.example/", ""]
    )
    def test_an_outside_page_is_not_returned_to(self, client, learner, steps, referer):
        client.force_login(learner)
        response = client.post(
            status_url("step", "s1"), {"status": "done"}, headers={"Referer": referer}
        )
        assert response["Location"] == reverse("progress_item", args=["step", "s1"])

    def test_with_htmx_it_returns_the_control_and_announces_the_change(
        self, client, learner, steps
    ):
        """The answer is the control alone, whatever page it came from; the
        change is announced for the page's figures to hear."""
        client.force_login(learner)
        response = client.post(
            status_url("step", "s1"),
            {"status": "done"},
            headers=on_page(reverse("role_detail", args=["small"])),
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert "<html" not in body
        assert body.count("<form") == 1
        assert f'id="status-step-{steps[0].pk}"' in body
        assert PRESSED_DONE.search(body)
        assert "hx-swap-oob" not in body
        events = json.loads(response.headers["HX-Trigger"])
        assert events["waymark:status-changed"] == {"kind": "step", "id": steps[0].pk}
        assert "waymark:announce" in events

    def test_the_role_page_asks_for_its_figures_when_it_hears_of_a_change(
        self, client, learner, steps
    ):
        client.force_login(learner)
        page = client.get(reverse("role_detail", args=["small"])).content.decode()
        url = listener(page, "role-figures-updates")
        client.post(status_url("step", "s1"), {"status": "done"}, headers=HTMX)
        body = client.get(url, headers=HTMX).content.decode()
        assert 'id="role-progress"' in body
        assert "22%" in body  # a 4 h step done of 18 h (4 steps, 2 concepts)
        stage = steps[0].stage_id
        assert f'id="stage-progress-{stage}" hx-swap-oob="true">1 of 2 done<' in body
        assert 'id="map-picture" hx-swap-oob="true"' in body
        # The listener stays on the page: what replaces the parts is not it.
        assert "role-figures-updates" not in body

    def test_the_skill_page_asks_for_its_figures(self, client, learner, small_role):
        client.force_login(learner)
        page = client.get(reverse("skill_detail", args=["shared-skill"])).content
        url = listener(page.decode(), "skill-figures-updates")
        client.post(status_url("concept", "c1"), {"status": "done"}, headers=HTMX)
        body = client.get(url, headers=HTMX).content.decode()
        assert 'id="skill-figures"' in body
        assert "50%" in body

    def test_the_dashboard_asks_for_its_roles_and_activity(
        self, client, learner, steps
    ):
        client.force_login(learner)
        client.post(reverse("progress_follow", args=["small"]))
        page = client.get(reverse("dashboard")).content.decode()
        url = listener(page, "dashboard-figures-updates")
        client.post(status_url("step", "s1"), {"status": "learning"}, headers=HTMX)
        body = client.get(url, headers=HTMX).content.decode()
        assert 'id="dashboard-roles"' in body
        assert 'id="dashboard-activity"' in body
        assert "1 learning" in body

    @pytest.mark.parametrize(
        "url",
        [
            reverse("progress_role_figures", args=["nope"]),
            reverse("progress_skill_figures", args=["nope"]),
        ],
    )
    def test_figures_of_no_such_page_are_404(self, client, learner, steps, url):
        client.force_login(learner)
        assert client.get(url, headers=HTMX).status_code == 404

    def test_setting_the_same_status_again_is_harmless(self, client, learner, steps):
        client.force_login(learner)
        for _ in range(3):
            client.post(status_url("step", "s1"), {"status": "done"}, headers=HTMX)
        assert ItemProgress.objects.count() == 1
        assert ProgressEvent.objects.count() == 1

    @pytest.mark.parametrize("headers", [{}, HTMX])
    def test_an_unknown_status_is_a_400_with_a_reason(
        self, client, learner, steps, headers
    ):
        client.force_login(learner)
        response = client.post(
            status_url("step", "s1"), {"status": "finished"}, headers=headers
        )
        assert response.status_code == 400
        assert "Unknown status 'finished'" in response.content.decode()
        assert not ItemProgress.objects.exists()

    @pytest.mark.parametrize("headers", [{}, HTMX])
    def test_an_unknown_item_is_a_404(self, client, learner, steps, headers):
        client.force_login(learner)
        for kind, slug in [("step", "nope"), ("concept", "nope"), ("skill", "s1")]:
            response = client.post(
                status_url(kind, slug), {"status": "done"}, headers=headers
            )
            assert response.status_code == 404
        assert not ItemProgress.objects.exists()

    def test_a_draft_item_is_a_404(self, client, learner, db):
        StepFactory(slug="hidden", is_published=False)
        client.force_login(learner)
        response = client.post(status_url("step", "hidden"), {"status": "done"})
        assert response.status_code == 404

    def test_get_is_refused(self, client, learner, steps):
        client.force_login(learner)
        assert client.get(status_url("step", "s1")).status_code == 405

    def test_a_request_without_a_csrf_token_is_refused(self, learner, steps):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(learner)
        response = client.post(status_url("step", "s1"), {"status": "done"})
        assert response.status_code == 403
        assert not ItemProgress.objects.exists()


@pytest.mark.django_db
class TestRolePageWithProgress:
    def test_it_shows_each_items_status_and_the_figures(
        self, client, learner, steps, small_role
    ):
        from progress.models import ItemProgress as P

        P.objects.set_status(learner, steps[0], "done")
        client.force_login(learner)
        url = reverse("role_detail", args=["small"])
        overview = client.get(url).content.decode()
        assert overview.count('<form class="status-control') == 4  # the steps
        # Its skill's line in place of the concepts, counted as its page counts.
        assert '<p class="skill-progress meta">0% done: 0 of 2 concepts done</p>' in (
            overview
        )
        body = client.get(url + "?view=all").content.decode()
        assert 'id="role-progress"' in body
        assert body.count('<form class="status-control') == 4 + 2
        control = body[body.index(f'id="status-step-{steps[0].pk}"') :]
        assert PRESSED_DONE.search(control[: control.index("</form>")])
        assert "Follow this roadmap" in body

    def test_visitors_see_an_invitation_to_sign_in_and_no_controls(
        self, client, small_role
    ):
        body = client.get(reverse("role_detail", args=["small"])).content.decode()
        assert "to follow this roadmap" in body
        assert "status-control" not in body

    def test_follow_and_leave(self, client, learner, small_role):
        client.force_login(learner)
        client.post(reverse("progress_follow", args=["small"]))
        assert learner.follows.filter(role=small_role).exists()
        body = client.get(reverse("dashboard")).content.decode()
        assert "Small role" in body
        client.post(reverse("progress_leave", args=["small"]))
        assert not learner.follows.exists()

    def test_following_a_draft_role_is_a_404(self, client, learner, db):
        from tests.factories import RoleFactory

        RoleFactory(slug="draft", is_published=False)
        client.force_login(learner)
        assert (
            client.post(reverse("progress_follow", args=["draft"])).status_code == 404
        )


@pytest.mark.django_db
class TestALightControl:
    def test_the_control_names_no_page_and_stays_small(self, client, learner, steps):
        """The same control on every page: its form's fields are the CSRF token
        and the status buttons, nothing naming the page it sits on."""
        import re

        client.force_login(learner)
        page = client.get(reverse("role_detail", args=["small"]) + "?view=all")
        page = page.content.decode()
        controls = re.findall(r'<form class="status-control.*?</form>', page, re.S)
        assert len(controls) == 6  # 4 steps, 2 concepts
        for control in controls:
            names = set(re.findall(r'name="([^"]+)"', control))
            assert names == {"csrfmiddlewaretoken", "status"}
            assert len(control.encode()) < 1000
