"""The map of a role's path: valid SVG laid out by Graphviz, one link per step in
path order with its status in the link's name, the same for every learner apart
from their statuses, and new when the content changes."""

import os
import re
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse

from progress.models import ItemProgress, Status
from roadmap import page_cache, path_map
from roadmap.models import LearningStep
from tests.clicks import click, listeners
from tests.factories import StageFactory, StepFactory, UserFactory

pytestmark = [
    pytest.mark.django_db,
    # In CI Graphviz is installed (.ci/run), and a missing one fails these.
    pytest.mark.skipif(
        path_map.dot_binary() is None and not os.environ.get("CI"),
        reason="needs Graphviz's dot",
    ),
]

SVG = "{http://www.w3.org/2000/svg}"
URL = reverse("role_detail", args=["small"])


def the_map(html: str) -> ET.Element:
    start = html.index("<svg")
    end = html.index("</svg>", start) + len("</svg>")
    return ET.fromstring(html[start:end])  # noqa: S314 - our own page


def links(svg: ET.Element) -> list[tuple[str, str, str]]:
    return [
        (a.get("href"), a.get("aria-label"), a.get("class"))
        for a in svg.iter(f"{SVG}a")
    ]


def page(client, url=URL) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_public_map_is_valid_svg_with_a_link_per_step_in_path_order(
    client, small_role, steps
):
    svg = the_map(page(client))
    assert svg.get("viewBox").startswith("0 0 ")
    assert [href for href, _label, _class in links(svg)] == [
        "#step-s1",
        "#step-s2",
        "#step-s3",
        "#step-s4",
    ]
    assert links(svg)[0][1] == "Step one"
    titles = [t.text for t in svg.iter(f"{SVG}title")]
    assert titles == ["Step 1 of 4", "Step 2 of 4", "Step 3 of 4", "Step 4 of 4"]
    # The stages are framed and titled; step 3's two prerequisites are arrows.
    assert len(list(svg.iter(f"{SVG}rect"))) == 2 + 4
    edges = next(g for g in svg.iter(f"{SVG}g") if g.get("class") == "map__edges")
    assert len(list(edges.iter(f"{SVG}path"))) == 2
    for edge in edges.iter(f"{SVG}path"):  # whole pixels, then relative segments
        assert re.fullmatch(
            r"M\d+,\d+(c(-?\d+,-?\d+ ?){3})+(l-?\d+,-?\d+)?", edge.get("d")
        )
    # Each box is drawn in its own coordinates and moved into place, apart from
    # the others, inside the picture.
    width, height = (int(n) for n in svg.get("viewBox").split()[2:])
    boxes = []
    for node in svg.iter(f"{SVG}a"):
        x, y = (
            int(n)
            for n in re.fullmatch(
                r"translate\((\d+) (\d+)\)", node.get("transform")
            ).groups()
        )
        box = node.find(f"{SVG}rect")
        boxes.append((x, y, x + int(box.get("width")), y + int(box.get("height"))))
        assert boxes[-1][2] <= width and boxes[-1][3] <= height
    for index, (left, top, right, bottom) in enumerate(boxes):
        for other in boxes[index + 1 :]:
            assert (
                right <= other[0]
                or other[2] <= left
                or bottom <= other[1]
                or other[3] <= top
            )
    # No inline styles, no scripts (the CSP allows neither).
    body = ET.tostring(svg, encoding="unicode")
    assert "style=" not in body and "<script" not in body


def test_a_learner_sees_their_statuses_by_colour_and_by_text(small_role, steps):
    learner = UserFactory()
    ItemProgress.objects.set_status(learner, steps[0], Status.DONE)
    ItemProgress.objects.set_status(learner, steps[1], Status.LEARNING)
    client = signed_in(learner)
    svg = the_map(page(client))
    found = links(svg)
    assert found[0][1:] == ("Step one, Done", "map-node map-node--done")
    assert found[1][1:] == (
        "Step two, Next: Learning",
        "map-node map-node--learning map-node--next",
    )
    assert found[2][1] == "Step three, Not started"
    marks = [
        t.text.strip()
        for t in svg.iter(f"{SVG}text")
        if t.get("class") == "map-node__status"
    ]
    assert marks[:3] == ["✓ Done", "▶ Next: ◐ Learning", "○ Not started"]


def test_two_learners_get_the_same_map_apart_from_their_statuses(small_role, steps):
    first, second = UserFactory(), UserFactory()
    ItemProgress.objects.set_status(first, steps[0], Status.DONE)
    ItemProgress.objects.set_status(second, steps[3], Status.SKIPPED)

    def shape(user) -> str:
        body = ET.tostring(the_map(page(signed_in(user))), encoding="unicode")
        body = re.sub(r' class="map-node[^"]*"', "", body)
        body = re.sub(r' aria-label="[^"]*"', "", body)
        return re.sub(r"(▶ Next: )?[✓◐⤼○] [A-Za-z ]+<", "<", body)

    assert shape(first) == shape(second)


def test_the_map_changes_with_the_content(client, small_role, steps):
    before = ET.tostring(the_map(page(client)), encoding="unicode")
    StepFactory(stage=steps[3].stage, position=5, slug="s5", title="Step five")
    page_cache.content_changed()  # as the loader and the admin do after a change
    after = the_map(page(client))
    assert ET.tostring(after, encoding="unicode") != before
    assert [href for href, *_ in links(after)][-1] == "#step-s5"
    LearningStep.objects.filter(slug="s2").update(is_published=False)
    page_cache.content_changed()
    hrefs = [href for href, *_ in links(the_map(page(client)))]
    assert "#step-s2" not in hrefs and len(hrefs) == 4


def the_status_form(html: str, step) -> tuple[str, dict]:
    """The action and the fields of a step's status control, as the page has them."""
    form = re.search(rf'<form [^>]*id="status-step-{step.pk}".*?</form>', html, re.S)[0]
    action = re.search(r'action="([^"]+)"', form)[1]
    fields = dict(
        re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    )
    return action, fields


@pytest.mark.parametrize("htmx", [True, False])
def test_a_status_change_updates_the_map_and_the_stage_summary(small_role, steps, htmx):
    learner = UserFactory()
    client = signed_in(learner)
    html = page(client)
    assert '<span class="stage__progress" id="stage-progress-' in html
    action, fields = the_status_form(html, steps[0])
    address = "http://testserver/roles/small/"  # what the browser sends with it
    headers = (
        {"HX-Request": "true", "HX-Current-URL": address}
        if htmx
        else {"Referer": address}
    )
    response = client.post(action, {**fields, "status": "done"}, headers=headers)
    if htmx:
        # The page, hearing of the change, fetches its figures: they replace the
        # first stage's summary and the whole map (step one is done and the
        # next step is now step two).
        assert response.status_code == 200
        body = "".join(
            client.get(url, headers={"HX-Request": "true"}).content.decode()
            for url in listeners(html)
        )
        stage = steps[0].stage_id
        assert (
            f'<span class="stage__progress" id="stage-progress-{stage}" '
            'hx-swap-oob="true">1 of 2 done</span>'
        ) in body
        assert '<div class="map__scroll" id="map-picture" hx-swap-oob="true">' in body
        svg = the_map(body)
    else:
        assert response.status_code == 302
        after = page(client)
        assert f'id="stage-progress-{steps[0].stage_id}">1 of 2 done</span>' in after
        svg = the_map(after)
    labels = [label for _href, label, _class in links(svg)]
    assert labels[:2] == ["Step one, Done", "Step two, Next: Not started"]
    # The page the learner sees next agrees with what htmx swapped in.
    assert ET.tostring(the_map(page(client))) == ET.tostring(svg)


def test_a_concept_change_leaves_the_map_as_it_was(small_role, steps):
    client = signed_in(UserFactory())
    before = the_map(page(client))
    body = click(client, "concept", "c1", "done", page="/roles/small/")
    assert 'id="role-progress"' in body
    assert ET.tostring(the_map(body)) == ET.tostring(before)


def test_a_mentor_sees_the_mentees_statuses_on_the_mentee_role_page(small_role, steps):
    from mentoring.models import Mentorship

    learner, mentor = UserFactory(), UserFactory()
    Mentorship.objects.create(
        learner=learner, mentor=mentor, status="active", initiated_by="learner"
    )
    from progress.models import RoleFollow

    RoleFollow.objects.create(learner=learner, role=small_role)
    ItemProgress.objects.set_status(learner, steps[0], Status.DONE)
    url = reverse("mentee_role", args=[learner.username, "small"])
    found = links(the_map(page(signed_in(mentor), url)))
    assert found[0][1] == "Step one, Done"
    # Another mentor, without consent, gets nothing.
    assert signed_in(UserFactory()).get(url).status_code == 404


def test_without_dot_the_page_shows_the_list_alone(client, small_role, monkeypatch):
    monkeypatch.setattr(path_map, "dot_binary", lambda: None)
    from roadmap import page_cache

    page_cache.content_changed()
    body = page(client)
    assert "<svg" not in body.split('id="path"')[0].split("</header>")[-1]
    assert 'id="map"' not in body and 'id="step-s1"' in body


def test_titles_are_wrapped_and_shortened_but_named_in_full():
    title = (
        "A very long step title that goes on and on about many things at once, "
        "and then about a few more"
    )
    lines = path_map.title_lines(title)
    assert len(lines) == path_map.MAX_TITLE_LINES
    assert all(len(line) <= path_map.WRAP for line in lines)
    assert lines[-1].endswith("…")
    assert path_map.title_lines("Short") == ("Short",)


def test_hostile_titles_are_escaped_in_the_graph_and_the_svg(client, small_role, steps):
    LearningStep.objects.filter(slug="s1").update(title='<script>x</script> "q" \\')
    StageFactory(role=small_role, position=3, slug="odd", title='Stage "quoted" \\ }')
    from roadmap import page_cache

    page_cache.content_changed()
    body = page(client)
    svg = the_map(body)
    assert links(svg)[0][1] == '<script>x</script> "q" \\'
    assert "<script>x" not in body


def test_two_hundred_steps_lay_out(small_role):
    stage = StageFactory(role=small_role, position=2, slug="big")
    previous = None
    for number in range(196):
        step = StepFactory(
            stage=stage,
            position=number,
            slug=f"big-{number}",
            title=f"Big step {number}",
        )
        if previous is not None and number % 3:
            step.prerequisites.add(previous)
        previous = step
    from roadmap.models import Role

    role = Role.objects.for_page(drafts=False).get(slug="small")
    layout = path_map.layout(role)
    assert len(layout.nodes) == 200
    assert [node.number for node in layout.nodes] == list(range(1, 201))
    # Rows of a few boxes, not one line 200 boxes wide.
    assert layout.width < 20 * path_map.NODE_WIDTH


@pytest.mark.parametrize("extra", [0, 150])
def test_the_map_costs_no_query_of_its_own(
    small_role, extra, django_assert_num_queries
):
    stage = small_role.stages.last()
    for number in range(extra):
        StepFactory(stage=stage, position=10 + number, slug=f"more-{number}")
    from roadmap.models import Role

    role = Role.objects.for_page(drafts=False, choices=True).get(slug="small")
    list(role.stages.all())  # the page's prefetches, already done for the page
    with django_assert_num_queries(0):
        layout = path_map.layout(role)
    assert len(layout.nodes) == 4 + extra
