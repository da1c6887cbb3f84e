"""The map of a role's path: its stages and steps drawn as a diagram with the
prerequisite arrows, laid out by Graphviz's `dot` and drawn as SVG by Waymark's
own code (`render`).

`dot` only places things: each step is a box of a fixed size (its title wrapped
to fit, and a line kept for the learner's status), each stage a cluster, each
prerequisite an edge. Its JSON output gives the positions and the arrows'
curves; `render` draws them with classes the stylesheet colours (light and
dark schemes), with real links in path order and no inline style or script.
The layout is the same for everyone and is cached per content version; a
learner's statuses are filled in when the map is rendered for them. Without
`dot` on the machine there is no map, and the pages show the list alone.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import textwrap
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from config import caching
from roadmap.models import ChoiceGroup

logger = logging.getLogger("waymark.map")

POINTS = 72  # dot measures in inches; the SVG in points (1 pt = 1 px here)
NODE_WIDTH = 160  # a box: 24 characters a line at 12 px
WRAP = 24
LINE = 15  # one line of text
PADDING = 10
MAX_TITLE_LINES = 4
ROW = 4  # a stage's steps without prerequisites among them: at most 4 a row
DOT_TIMEOUT = 20
LAYOUT_VERSION = 4  # in the cache key: raise it when PathMap's shape changes
MARKS = {  # the text mark beside the colour, so colour is never alone
    "done": "✓ Done",
    "learning": "◐ Learning",
    "skipped": "⤼ Skipped",
    "not_started": "○ Not started",
}


@dataclass(frozen=True)
class MapNode:
    pk: int
    slug: str
    title: str
    number: int  # its place in the path, from 1
    lines: tuple[str, ...]
    x: int  # top left, in whole pixels
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class MapStage:
    title: str
    x: int
    y: int
    width: int
    height: int
    label_x: int
    label_y: int


@dataclass(frozen=True)
class PathMap:
    width: int
    height: int
    stages: tuple[MapStage, ...]
    nodes: tuple[MapNode, ...]  # in path order
    edges: tuple[str, ...]  # SVG path data, one per prerequisite
    # A stage's choice groups, each framed round its members ("Pick 1 of 2: ...").
    choices: tuple[MapStage, ...] = ()


def dot_binary() -> str | None:
    return shutil.which("dot")


def role_map(role) -> PathMap | None:
    """The layout of a role's published path, cached per content version. The
    role page passes the role with the stages and steps `Role.objects.for_page`
    prefetches; any role will do (a miss then costs a few more queries)."""
    found = caching.cached(
        # A map appears once Graphviz is installed, not only at the next change.
        f"roadmap:map:{LAYOUT_VERSION}:{role.pk}:{'dot' if dot_binary() else 'none'}",
        lambda: {"map": layout(role)},
        depends_on=[caching.CONTENT],
        timeout=caching.DAY,
        in_process=True,
    )
    return found["map"]


def path_of(role) -> list[tuple[object, list]]:
    """(stage, its published steps) for the role's published stages, in order."""
    return [
        (stage, [step for step in stage.steps.all() if step.is_published])
        for stage in role.stages.all()
        if stage.is_published
    ]


def choices_of(stages) -> dict[int, list[tuple[str, list[int]]]]:
    """Each stage's choice groups among its published steps: (label, member
    ids) by stage index, from the stages' `step_choices()` where the role was
    fetched with them, else in one query."""
    steps = [step for _stage, members in stages for step in members]
    if all(hasattr(step, "choice_group_row") for step in steps):
        found = [
            (index, group, [m.pk for m in members if m.is_published])
            for index, (stage, _steps) in enumerate(stages)
            for group, members in stage.step_choices()
        ]
    else:
        index_of = {stage.pk: index for index, (stage, _s) in enumerate(stages)}
        published = {step.pk for step in steps}
        found = [
            (
                index_of[group.stage_id],
                group,
                [pk for pk in group.member_set() if pk in published],
            )
            for group in ChoiceGroup.objects.filter(
                stage__in=index_of
            ).prefetch_related("steps")
        ]
    choices: dict[int, list[tuple[str, list[int]]]] = {}
    for index, group, members in found:
        if members:
            label = f"Pick {group.pick} of {len(members)}: {group.title}"
            choices.setdefault(index, []).append((label, members))
    return choices


def layout(role) -> PathMap | None:
    stages = [(stage, steps) for stage, steps in path_of(role) if steps]
    if not stages:
        return None
    binary = dot_binary()
    if binary is None:
        logger.warning("no map for %s: Graphviz's dot is not installed", role.slug)
        return None
    choices = choices_of(stages)
    source, lines = graph_source(stages, choices)
    try:
        result = subprocess.run(  # noqa: S603 - the dot binary, input on stdin
            [binary, "-Tjson"],
            input=source.encode(),
            capture_output=True,
            timeout=DOT_TIMEOUT,
            check=True,
        )
        drawn = json.loads(result.stdout)
    except (subprocess.SubprocessError, OSError, ValueError) as error:
        logger.error("no map for %s: dot failed: %s", role.slug, error)
        return None
    return _read(drawn, stages, lines, choices)


def _quoted(text: str) -> str:
    clean = " ".join(text.split())
    return '"' + clean.replace("\\", "\\\\").replace('"', '\\"') + '"'


def title_lines(title: str) -> tuple[str, ...]:
    """The title wrapped to the box, at most MAX_TITLE_LINES lines (the last
    shortened with "…"; the link's accessible name keeps the whole title)."""
    lines = textwrap.wrap(title, WRAP) or [""]
    if len(lines) > MAX_TITLE_LINES:
        rest = " ".join(lines[MAX_TITLE_LINES - 1 :])
        lines = [
            *lines[: MAX_TITLE_LINES - 1],
            textwrap.shorten(rest, WRAP, placeholder="…"),
        ]
    return tuple(lines)


def node_height(lines: tuple[str, ...]) -> float:
    """Room for the title's lines and one for the status."""
    return (len(lines) + 1) * LINE + 2 * PADDING


def graph_source(stages, choices=None) -> tuple[str, dict[int, tuple[str, ...]]]:
    """The DOT text of the path: clusters of fixed-size boxes (a stage's choice
    groups, `choices`, clusters within it), the prerequisites as edges, and
    invisible edges that keep the stages in order and a long stage in rows of
    ROW."""
    choices = choices or {}
    lines: dict[int, tuple[str, ...]] = {}
    stage_of = {
        step.pk: index for index, (_s, steps) in enumerate(stages) for step in steps
    }
    # Stage titles are measured by dot in Helvetica at 15 pt, a little wider
    # than the page's 13 px semibold, so a cluster is never narrower than its title.
    out = [
        "digraph path {",
        'graph [rankdir=TB nodesep=0.2 ranksep=0.4 fontname="Helvetica" '
        "fontsize=15 newrank=true];",
        'node [shape=box fixedsize=true label=""];',
    ]
    has_before, has_after = set(), set()  # within the step's own stage
    edges = []
    for _stage, steps in stages:
        for step in steps:
            for prerequisite in step.prerequisites.all():
                if prerequisite.pk in stage_of:
                    edges.append((prerequisite.pk, step.pk))
                    if stage_of[prerequisite.pk] == stage_of[step.pk]:
                        has_after.add(prerequisite.pk)
                        has_before.add(step.pk)
    for index, (stage, steps) in enumerate(stages):
        out.append(f"subgraph cluster_{index} {{ label={_quoted(stage.title)};")
        for number, (label, members) in enumerate(choices.get(index, ())):
            names = " ".join(f"s{pk};" for pk in members)
            out.append(
                f"subgraph cluster_choice_{index}_{number} "
                f"{{ label={_quoted(label)} fontsize=13; {names} }}"
            )
        for step in steps:
            lines[step.pk] = title_lines(step.title)
            out.append(
                f"s{step.pk} [width={NODE_WIDTH / POINTS:.3f} "
                f"height={node_height(lines[step.pk]) / POINTS:.3f}];"
            )
        for before, after in zip(steps, steps[ROW:], strict=False):
            out.append(f"s{before.pk} -> s{after.pk} [style=invis];")
            has_after.add(before.pk)
            has_before.add(after.pk)
        out.append("}")
    # Each stage below the one before: the last steps of a stage above a point
    # between the two, the first steps of the next below it (the rest follow
    # from those within their stage).
    for index in range(len(stages) - 1):
        out.append(f"gap{index} [shape=point width=0.01 style=invis];")
        for step in stages[index][1]:
            if step.pk not in has_after:
                out.append(f"s{step.pk} -> gap{index} [style=invis];")
        for step in stages[index + 1][1]:
            if step.pk not in has_before:
                out.append(f"gap{index} -> s{step.pk} [style=invis];")
    for prerequisite_pk, step_pk in edges:
        out.append(f"s{prerequisite_pk} -> s{step_pk};")
    out.append("}")
    return "\n".join(out), lines


def _numbers(text: str) -> list[float]:
    return [float(value) for value in text.replace(",", " ").split()]


def _read(drawn: dict, stages, lines, choices=None) -> PathMap:
    _x0, _y0, width, height = _numbers(drawn["bb"])

    def flip(y: float) -> float:
        return height - y

    by_name = {}
    clusters = []
    framed = []
    for item in drawn.get("objects", []):
        if item["name"].startswith("cluster_choice_"):
            index, number = map(int, item["name"].split("_")[2:])
            left, bottom, right, top = _numbers(item["bb"])
            label_x, label_y = _numbers(item.get("lp", f"{left},{top}"))
            framed.append(
                (
                    (index, number),
                    MapStage(
                        (choices or {})[index][number][0],
                        round(left),
                        round(flip(top)),
                        round(right - left),
                        round(top - bottom),
                        round(label_x),
                        round(flip(label_y) + 4),
                    ),
                )
            )
        elif item["name"].startswith("cluster_"):
            left, bottom, right, top = _numbers(item["bb"])
            label_x, label_y = _numbers(item.get("lp", f"{left},{top}"))
            clusters.append(
                (
                    int(item["name"].removeprefix("cluster_")),
                    MapStage(
                        stages[int(item["name"].removeprefix("cluster_"))][0].title,
                        round(left),
                        round(flip(top)),
                        round(right - left),
                        round(top - bottom),
                        round(label_x),
                        round(flip(label_y) + 4),
                    ),
                )
            )
        elif "pos" in item:
            by_name[item["name"]] = item
    nodes = []
    number = 0
    for _stage, steps in stages:
        for step in steps:
            number += 1
            item = by_name[f"s{step.pk}"]
            cx, cy = _numbers(item["pos"])
            w, h = float(item["width"]) * POINTS, float(item["height"]) * POINTS
            nodes.append(
                MapNode(
                    step.pk,
                    step.slug,
                    step.title,
                    number,
                    lines[step.pk],
                    round(cx - w / 2),
                    round(flip(cy) - h / 2),
                    round(w),
                    round(h),
                )
            )
    edges = []
    for edge in drawn.get("edges", []):
        if edge.get("style") == "invis" or "pos" not in edge:
            continue
        edges.append(_edge_path(edge["pos"], flip))
    clusters.sort()
    framed.sort()
    return PathMap(
        round(width),
        round(height),
        tuple(stage for _index, stage in clusters),
        tuple(nodes),
        tuple(edges),
        tuple(choice for _index, choice in framed),
    )


def _edge_path(pos: str, flip) -> str:
    """SVG path data from dot's spline: "e,x,y" (the arrow's tip) and the
    B-spline's points, a start and then three per cubic segment. Whole pixels,
    and after the start each segment relative to where the last one ended."""
    end = None
    points = []
    for part in pos.split():
        if part.startswith("e,"):
            end = _numbers(part[2:])
        elif part.startswith("s,"):
            continue
        else:
            x, y = _numbers(part)
            points.append((round(x), round(flip(y))))
    if not points:
        return ""
    x0, y0 = points[0]
    data = f"M{x0},{y0}"
    for index in range(1, len(points) - 2, 3):
        segment = points[index : index + 3]
        data += "c" + " ".join(f"{x - x0},{y - y0}" for x, y in segment)
        x0, y0 = segment[-1]
    if end is not None:
        data += f"l{round(end[0]) - x0},{round(flip(end[1])) - y0}"
    return data


def render(
    path_map: PathMap | None,
    statuses: dict | None = None,
    next_pk: int | None = None,
    labels: dict | None = None,
    *,
    oob: bool = False,
) -> SafeString:
    """The map as SVG, with each step's status (for a signed-in learner, or a
    mentor looking at a mentee) or without (signed out); "" without a map.

    Stages are framed areas, steps links in path order, prerequisites arrows.
    Each step's status is its colour (a class) and its text mark; the link's
    name says it too. No inline styles. Coordinates are whole pixels and each
    box is drawn in its own coordinates (the link moves it into place), so the
    repeated parts compress. With `oob`, the answer to a status change replaces
    the map on the page. Written here rather than by a template: it is drawn
    again after every status change, and the template engine took 15 ms."""
    if path_map is None:
        return mark_safe("")
    labels = labels or {}
    count = len(path_map.nodes)
    out = [
        '<div class="map__scroll" id="map-picture"',
        ' hx-swap-oob="true">' if oob else ">",
        f'\n<svg class="map__svg" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {path_map.width} {path_map.height}" width="{path_map.width}" '
        f'height="{path_map.height}" role="group" aria-labelledby="map-title">\n'
        '<defs><marker id="map-arrow" class="map__arrowhead" viewBox="0 0 10 10" '
        'refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>\n'
        '<g class="map__stages" aria-hidden="true">',
    ]
    for stage in path_map.stages:
        out.append(
            f'\n<rect class="map__stage" x="{stage.x}" y="{stage.y}" '
            f'width="{stage.width}" height="{stage.height}" rx="10"/>'
            f'<text class="map__stage-title" x="{stage.label_x}" y="{stage.label_y}">'
            f"{escape(stage.title)}</text>"
        )
    for choice in path_map.choices:
        out.append(
            f'\n<rect class="map__choice" x="{choice.x}" y="{choice.y}" '
            f'width="{choice.width}" height="{choice.height}" rx="8"/>'
            f'<text class="map__choice-title" x="{choice.label_x}" '
            f'y="{choice.label_y}">{escape(choice.title)}</text>'
        )
    out.append('\n</g>\n<g class="map__edges" aria-hidden="true">')
    out.extend(f'\n<path d="{edge}"/>' for edge in path_map.edges)
    out.append('\n</g>\n<g class="map__nodes">')
    for node in path_map.nodes:
        status = statuses.get(node.pk, "not_started") if statuses is not None else ""
        is_next = node.pk == next_pk
        classes = "map-node"
        if status:
            classes += f" map-node--{status}"
        if is_next:
            classes += " map-node--next"
        name = node.title
        if labels.get(status):
            name += ", " + ("Next: " if is_next else "") + labels[status]
        center = node.width // 2  # in the box's own coordinates
        lines = "".join(
            f'<tspan x="{center}" y="{PADDING + 12 + LINE * index}">{escape(line)}'
            f"{' ' if index < len(node.lines) - 1 else ''}</tspan>"
            for index, line in enumerate(node.lines)
        )
        out.append(
            f'\n<a class="{classes}" href="#step-{escape(node.slug)}" '
            f'aria-label="{escape(name)}" transform="translate({node.x} {node.y})">'
            f"<title>Step {node.number} of {count}</title>\n"
            f'<rect class="map-node__box" width="{node.width}" height="{node.height}" '
            f'rx="6"/><text class="map-node__title">{lines}</text>'
        )
        mark = MARKS.get(status, "")
        if mark:
            status_y = PADDING + 12 + LINE * len(node.lines)
            out.append(
                f'<text class="map-node__status" x="{center}" y="{status_y}">'
                f"{'▶ Next: ' if is_next else ''}{mark}</text>"
            )
        out.append("</a>")
    out.append("\n</g>\n</svg>\n</div>\n")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
