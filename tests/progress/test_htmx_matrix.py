"""Every progress view answers sensibly with and without the HX-Request header."""

import pytest
from django.urls import reverse

from progress.models import Evidence, ItemProgress

HEADERS = [{}, {"HX-Request": "true"}]


@pytest.fixture
def evidence(learner, steps):
    row = ItemProgress.objects.create(learner=learner, step=steps[0])
    return Evidence.objects.create(progress=row, url="https://e.example/")


GETS = [
    ("dashboard", [], 200),
    ("progress_item", ["step", "s1"], 200),
    ("progress_item", ["concept", "c1"], 200),
    ("progress_item", ["step", "missing"], 404),
    ("progress_reset", ["small"], 200),
    ("progress_reset", ["missing"], 404),
    ("progress_export_json", [], 200),
    ("progress_export_csv", [], 200),
    ("role_detail", ["small"], 200),
    ("skill_detail", ["shared-skill"], 200),
    ("progress_known_stage", ["small", "basics"], 200),
    ("progress_known_skill", ["small", "shared-skill"], 200),
    ("progress_known_stage", ["small", "missing"], 404),
]


@pytest.mark.django_db
@pytest.mark.parametrize("headers", HEADERS)
@pytest.mark.parametrize(("name", "args", "expected"), GETS)
def test_pages(client, learner, small_role, headers, name, args, expected):
    client.force_login(learner)
    response = client.get(reverse(name, args=args), headers=headers)
    assert response.status_code == expected


POSTS = [
    (
        "progress_set_status",
        ["step", "s1"],
        {"status": "done"},
        (200, 302),
    ),
    ("progress_set_status", ["concept", "c1"], {"status": "learning"}, (200, 302)),
    ("progress_set_status", ["step", "s1"], {"status": "bogus"}, (400,)),
    ("progress_set_status", ["step", "missing"], {"status": "done"}, (404,)),
    ("progress_note", ["step", "s1"], {"note": "n"}, (200, 302)),
    ("progress_note", ["step", "s1"], {"note": "n" * 6000}, (200, 400)),
    (
        "progress_add_evidence",
        ["step", "s1"],
        {"url": "https://ok.example/"},
        (200, 302),
    ),
    ("progress_add_evidence", ["step", "s1"], {"url": "javascript:x"}, (200, 400)),
    ("progress_report", ["step", "s1"], {"kind": "wrong"}, (200, 302)),
    ("progress_report", ["concept", "c1"], {"kind": "missing"}, (200, 302)),
    ("progress_report", ["step", "s1"], {"kind": "bogus"}, (400,)),
    ("progress_report", ["step", "missing"], {"kind": "wrong"}, (404,)),
    ("progress_follow", ["small"], {}, (302,)),
    ("progress_follow", ["missing"], {}, (404,)),
    ("progress_leave", ["small"], {}, (302,)),
    ("progress_reset", ["small"], {}, (302,)),
    ("progress_assess", ["shared-skill"], {"level": "2"}, (302,)),
    ("progress_assess", ["shared-skill"], {"level": "9"}, (400,)),
    ("progress_undo", [], {}, (302,)),
    # htmx is sent to the role page (HX-Redirect, 200), a browser redirected
    ("progress_known_stage", ["small", "basics"], {}, (200, 302)),
    ("progress_known_skill", ["small", "missing"], {}, (404,)),
    ("progress_undo_known", [999], {}, (404,)),
]


@pytest.mark.django_db
@pytest.mark.parametrize("headers", HEADERS)
@pytest.mark.parametrize(("name", "args", "data", "expected"), POSTS)
def test_actions(client, learner, small_role, headers, name, args, data, expected):
    client.force_login(learner)
    response = client.post(reverse(name, args=args), data, headers=headers)
    assert response.status_code in expected
    if headers and response.status_code == 200:
        assert "<html" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("headers", HEADERS)
def test_deleting_evidence(client, learner, evidence, headers):
    client.force_login(learner)
    url = reverse("progress_delete_evidence", args=["step", "s1", evidence.pk])
    response = client.post(url, headers=headers)
    assert response.status_code == (200 if headers else 302)
    assert not Evidence.objects.exists()
    assert client.post(url, headers=headers).status_code == 404
