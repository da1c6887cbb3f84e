"""The map draws a stage's choice group as one choice: its member steps framed
together, labelled "Pick N of M: <title>", each member still a link with the
learner's status."""

import os
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse

from roadmap import path_map
from tests.clicks import click
from tests.roadmap.test_loader import load, seed_data, write

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        path_map.dot_binary() is None and not os.environ.get("CI"),
        reason="needs Graphviz's dot",
    ),
]

SVG = "{http://www.w3.org/2000/svg}"
ROLE = "backend-engineer"
MEMBERS = ["decide-on-education", "earn-a-cloud-certification"]


def the_map(html: str) -> ET.Element:
    start = html.index("<svg")
    end = html.index("</svg>", start) + len("</svg>")
    return ET.fromstring(html[start:end])  # noqa: S314 - our own page


@pytest.fixture
def stage_with_a_choice(tmp_path):
    data = seed_data()
    stage = data["roles"][0]["stages"][-1]
    stage["choices"] = [
        {
            "slug": "degree-or-certification",
            "title": "Degree or certification",
            "pick": 1,
            "members": MEMBERS,
            "editorial": "Either shows employers what you learned.",
        }
    ]
    load(write(tmp_path, data))


def choice_frames(svg: ET.Element) -> list[str]:
    return [
        text.text
        for text in svg.iter(f"{SVG}text")
        if text.get("class") == "map__choice-title"
    ]


def box(element: ET.Element) -> tuple[int, int, int, int]:
    return tuple(int(element.get(name)) for name in ("x", "y", "width", "height"))


def test_the_signed_in_map_frames_a_stages_choice_with_its_members_as_links(
    stage_with_a_choice, learner
):
    client = Client()
    client.force_login(learner)
    page = reverse("role_detail", args=[ROLE])
    answer = click(client, "step", MEMBERS[0], "done", page=page)
    for html in (client.get(page).content.decode(), answer):
        svg = the_map(html)
        assert choice_frames(svg) == ["Pick 1 of 2: Degree or certification"]
        (frame,) = [
            rect
            for rect in svg.iter(f"{SVG}rect")
            if rect.get("class") == "map__choice"
        ]
        x, y, width, height = box(frame)
        members = {
            a.get("href"): a
            for a in svg.iter(f"{SVG}a")
            if a.get("href") in {f"#step-{slug}" for slug in MEMBERS}
        }
        assert len(members) == 2
        assert "map-node--done" in members[f"#step-{MEMBERS[0]}"].get("class")
        assert "map-node--not_started" in members[f"#step-{MEMBERS[1]}"].get("class")
        for link in members.values():
            left, top = map(
                int, link.get("transform").removeprefix("translate(")[:-1].split()
            )
            assert x <= left < x + width and y <= top < y + height


def test_the_public_map_frames_the_choice_too(stage_with_a_choice, client):
    svg = the_map(client.get(reverse("role_detail", args=[ROLE])).content.decode())
    assert choice_frames(svg) == ["Pick 1 of 2: Degree or certification"]
