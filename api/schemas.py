"""The API's shapes: what each endpoint returns and accepts, typed, so the
OpenAPI schema (`/api/v1/openapi.json`) is generated from the same code that
validates and writes the answers."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, StringConstraints

Kind = Literal["step", "concept"]
# Text a client sends: anything but NUL, which no text of Waymark holds (and
# PostgreSQL refuses); config/nul_bytes.py refuses it before any endpoint.
Text = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$")]


class Input(Schema):
    """A request's body: only the fields it names (another is a 400, so a
    misspelt field is never silently ignored)."""

    model_config = ConfigDict(extra="forbid")


StatusValue = Literal["not_started", "learning", "done", "skipped"]
Part = Literal["stage", "skill"]  # of a role, marked known at once


class FieldError(Schema):
    field: str = Field(description='Where and which: "query.page", "body.status".')
    message: str


class Problem(Schema):
    """Every refusal (application/problem+json, RFC 9457)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = Field(
        None, description="Only for invalid input: one entry per field."
    )


class Page(Schema):
    count: int = Field(description="How many items there are in all.")
    page: int
    pages: int
    next: str | None = Field(description="The next page's address, if any.")


class Citation(Schema):
    source: str = Field(description="The source's slug (/api/v1/sources/{slug}).")
    title: str
    quotes: list[str] = Field(description="The passages quoted from it, verbatim.")


class ChoiceGroup(Schema):
    slug: str
    title: str
    pick: int = Field(description="How many of its members a learner picks.")
    note: str = Field(description="Waymark's note on the choice.")


class Resource(Schema):
    slug: str
    title: str
    url: str
    kind: str
    is_free: bool


class Cited(Schema):
    note: str = Field(description="Waymark's own note, beside the quotes.")
    citations: list[Citation]


class Step(Cited):
    slug: str
    title: str
    summary: str
    url: str
    planned_hours: float = Field(description="The hours the figures count.")
    effort_hours: int | None = Field(description="The content's estimate, if any.")
    effort_reason: str
    prerequisites: list[str] = Field(description="Slugs of the steps to do first.")
    resources: list[Resource]
    choice_group: ChoiceGroup | None


class Stage(Cited):
    slug: str
    title: str
    summary: str
    steps: list[Step]


class Concept(Cited):
    slug: str
    name: str
    kind: str
    summary: str
    url: str
    planned_hours: float
    choice_group: ChoiceGroup | None


class Skill(Cited):
    slug: str
    name: str
    kind: str
    summary: str
    url: str
    importance: str = Field(description="How much the role needs the skill.")
    concepts: list[Concept]


class RoleSummary(Schema):
    slug: str
    title: str
    tagline: str
    summary: str
    url: str


class RolePage(Page):
    items: list[RoleSummary]


class Role(RoleSummary, Cited):
    stages: list[Stage]
    skills: list[Skill]


class FieldChange(Schema):
    field: str
    old: str
    new: str


class Change(Schema):
    kind: str
    action: str
    slug: str
    title: str
    fields: list[FieldChange]


class Revision(Schema):
    id: int
    created_at: datetime.datetime
    origin: str = Field(description='"loader" (the content files) or "admin".')
    note: str
    changes: list[Change]


class RevisionPage(Page):
    items: list[Revision]


class Counts(Schema):
    total: int
    done: int
    learning: int
    skipped: int
    not_started: int
    percent: int = Field(description="As every page shows it (progress.figures).")
    hours: float
    hours_done: float


class PlanItem(Schema):
    kind: Kind
    slug: str
    hours: float
    estimate: str = Field(description='Whose hours: "curator" or "learners".')


class Plan(Schema):
    """The plan from the learner's goal, as the dashboard shows it."""

    status: str = Field(description="done, no plan, on track, ahead, behind...")
    finish: datetime.date | None
    hours_per_week: float = Field(description="The hours a week it assumes.")
    hours_from: str = Field(description='"goal", "pace" or "none".')
    remaining_hours: float
    this_week: list[PlanItem]


class RoleFigures(Schema):
    role: str
    title: str
    overall: Counts
    steps: Counts
    concepts: Counts
    continue_with: str | None
    projected_finish: datetime.date | None
    plan: Plan | None = Field(description="Only where you set a goal.")


class Status(Schema):
    kind: Kind
    slug: str
    title: str
    status: StatusValue
    changed_at: datetime.datetime | None


class StatusIn(Input):
    status: StatusValue


class StatusPage(Page):
    items: list[Status]


class MenteeRole(Schema):
    role: str
    title: str
    overall: Counts


class Mentee(Schema):
    username: str
    display_name: str
    roles: list[MenteeRole]
    finished_7_days: int
    finished_30_days: int
    last_active: datetime.datetime | None
    stalled: bool = Field(description="No progress for the hub's stalled days.")


class MenteePage(Page):
    items: list[Mentee]


class KnownChange(Schema):
    id: int | None = Field(description="The change, to undo it; null if none.")
    role: str
    part: Part
    slug: str
    title: str
    marked_done: list[str] = Field(description="Slugs of the items it made done.")


class Undone(Schema):
    id: int
    put_back: list[str] = Field(description="Items whose earlier status is back.")
    left: list[str] = Field(description="Items changed again since: left as they are.")
