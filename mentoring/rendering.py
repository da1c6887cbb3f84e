"""The hub's repeated parts, rendered by plain functions: the mentees table's
rows, the skills matrix's rows and the list of people you mentor.

With fifty mentees these are some 1,200 table cells and 50 cards, and Django's
template engine spent two thirds of the page's time on them (its loops resolve
every variable, filter and include node by node). The rest of the page stays
in its templates (templates/mentoring/_mentoring_body.html and its includes),
which say where each of these goes. Every value from a person is escaped by
`format_html`; what is rendered here is the same markup the templates wrote.
"""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from mentoring.skills_matrix import Cell, Matrix


def _join(parts, separator: str = "") -> SafeString:
    """Parts written by `format_html` or from escaped values alone (each
    function below says which), as one safe string."""
    return mark_safe(separator.join(parts))  # noqa: S308 - every value is escaped


def dashboard_urls(learners) -> dict[int, str]:
    """Each mentee's page, by their id: both tables link to it."""
    return {
        learner.pk: reverse("mentee_dashboard", args=[learner.username])
        for learner in learners
    }


class Days:
    """Dates as the templates' `|date:"j M Y"` (or another format) writes them,
    each written once: fifty mentees share a few days."""

    def __init__(self, format: str = "j M Y") -> None:
        self.format = format
        self.written: dict[datetime.date, str] = {}

    def __call__(self, day: datetime.date) -> str:
        if day not in self.written:
            self.written[day] = date_format(day, self.format)
        return self.written[day]


# --- The mentees table ---------------------------------------------------------------

STALLED = format_html('<span class="badge badge--stalled">{}</span>', "Stalled")


def mentee_rows(rows, urls: dict[int, str]) -> SafeString:
    """The mentees table's body: a row per mentee (`progress.mentees.MenteeRow`),
    in the order given; `urls` from `dashboard_urls`."""
    days = Days()
    return _join(_mentee_row(row, urls[row.learner.pk], days) for row in rows)


def _mentee_row(row, url: str, days: Days) -> str:
    if row.last_active:
        moment = timezone.localtime(row.last_active)  # as `|date` shows it
        active = format_html(
            '<time datetime="{}">{}</time>',
            moment.isoformat(timespec="seconds"),  # as `|html_datetime`
            days(moment.date()),
        )
    else:
        active = "Never"
    roles = _join((_mentee_role(entry, days) for entry in row.roles), "<br>")
    return format_html(
        '<tr><th scope="row"><a href="{}">{}</a></th><td>{}</td><td>{}</td>'
        "<td>{}</td><td>{}</td><td>{}</td></tr>\n",
        url,
        row.learner.name,
        active,
        row.finished_7_days,
        row.finished_30_days,
        roles or "No role yet",
        STALLED if row.stalled else "Active",
    )


def _mentee_role(entry, days: Days) -> SafeString:
    """A followed role's share done, and the mentee's goal and plan if any."""
    role = format_html(
        '<span class="mentee-role">{}: {}%</span>',
        entry.role.title,
        entry.counts.percent,
    )
    if not entry.plan:
        return role
    return format_html(
        '{} <span class="mentee-goal">{}</span>',
        role,
        goal_line(entry.goal, entry.plan, days),
    )


def goal_line(goal, plan, days: Days) -> SafeString:
    """A mentee's goal for a role and where their plan stands, in one line: the
    same plan (progress.plan) their own dashboard shows."""
    wanted = []
    if goal.target:
        wanted.append(f"by {days(goal.target)}")
    if goal.hours_per_week:
        wanted.append(f"{goal.hours_label} h/week")
    parts = [format_html('<span class="meta">Goal: {}.</span> ', ", ".join(wanted))]
    if plan.status == "behind":
        parts.append(
            format_html(
                '<span class="badge badge--stalled">Behind by {}</span>',
                _days(plan.days_late),
            )
        )
    elif plan.status == "ahead":
        parts.append(
            format_html(
                '<span class="badge">Ahead by {}</span>', _days(plan.days_early)
            )
        )
    elif plan.status in PLAN_BADGES:
        parts.append(
            format_html('<span class="badge">{}</span>', PLAN_BADGES[plan.status])
        )
    if plan.finish:
        parts.append(
            format_html(' <span class="meta">finish {}</span>', days(plan.finish))
        )
    return _join(parts)


PLAN_BADGES = {"on track": "On track", "done": "Done"}


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


# --- The people you mentor ------------------------------------------------------------


def mentee_cards(mentorships, csrf_input: str) -> SafeString:
    """A card per active mentorship in which you are the mentor: who, since
    when, and the button that ends it. `csrf_input` is the page's token field
    (`{% csrf_token %}`). The form needs no `next`: the end view goes back to
    the hub by default."""
    days = Days("j F Y")
    return _join(
        _mentee_card(mentorship, csrf_input, days) for mentorship in mentorships
    )


def _mentee_card(mentorship, csrf_input: str, days: Days) -> SafeString:
    learner = mentorship.learner
    since = ""
    if mentorship.responded_at:
        moment = timezone.localtime(mentorship.responded_at)
        since = format_html(
            '<p class="meta">Since <time datetime="{}">{}</time></p>',
            moment.isoformat(timespec="seconds"),
            days(moment.date()),
        )
    return format_html(
        '<li class="card"><h3 class="card__title">{} <span class="meta">({})</span>'
        "</h3>{}"
        '<form method="post" action="{}" class="inline-form">{}'
        '<button type="submit" class="button--danger">Stop mentoring'
        '<span class="visually-hidden"> {}</span></button></form></li>\n',
        learner.name,
        learner.username,
        since,
        reverse("mentoring_end", args=[mentorship.pk]),
        csrf_input,
        learner.name,
    )


# --- The skills matrix ---------------------------------------------------------------


def matrix_rows(matrix: Matrix, urls: dict[int, str]) -> SafeString:
    """The matrix's body: a row per mentee, a cell per skill; `urls` from
    `dashboard_urls`. Cells repeat (a few shares, five levels), so each
    distinct one is written once."""
    written: dict[Cell, str] = {}
    lines = []
    for learner, cells in matrix.rows:
        for cell in cells:
            if cell not in written:
                written[cell] = _matrix_cell(cell)
        lines.append(
            format_html(
                '<tr><th scope="row"><a href="{}">{}</a></th>',
                urls[learner.pk],
                learner.name,
            )
        )
        lines.extend(written[cell] for cell in cells)
        lines.append("</tr>\n")
    return _join(lines)  # the cells: from escaped values alone


def _matrix_cell(cell: Cell) -> str:
    """The share of the skill done, the mentee's own rating, your endorsement:
    an integer and two escaped labels."""
    if cell.percent is None:
        done = '<span class="meta">no concepts</span>'
    else:
        done = f"<strong>{int(cell.percent)}%</strong>"
    rated = escape(cell.rated_label or "not rated")
    endorsed = escape(cell.endorsed_label or "not endorsed")
    return (
        f'<td class="matrix__cell">{done}<br><span class="meta">Self: {rated}</span>'
        f'<br><span class="meta">You: {endorsed}</span></td>'
    )
