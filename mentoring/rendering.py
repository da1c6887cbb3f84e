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
import functools

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

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
    """Dates as the templates' `|date:"j M Y"` (or another format) writes them."""

    def __init__(self, format: str = "j M Y") -> None:
        self.format = format

    def __call__(self, day: datetime.date) -> str:
        return _written_date(day, self.format, get_language())


@functools.lru_cache(maxsize=4096)
def _written_date(day: datetime.date, format: str, language: str | None) -> str:
    """A day as `date_format` writes it in `language` (the active one), each
    written once per process: fifty mentees' goals and plans name a hundred
    days or so, mostly the same from one request to the next, and each costs
    Django some 20 microseconds to write."""
    return date_format(day, format)


# --- The mentees table ---------------------------------------------------------------

STALLED = format_html('<span class="badge badge--stalled">{}</span>', "Stalled")


def mentee_rows(rows, urls: dict[int, str]) -> SafeString:
    """The mentees table's body: a row per mentee (`progress.mentees.MenteeRow`),
    in the order given; `urls` from `dashboard_urls`."""
    days = Days()
    return _join(_mentee_row(row, urls[row.learner.pk], days) for row in rows)


def _mentee_row(row, url: str, days: Days) -> str:
    """From escaped values alone (f-strings: `format_html` doubled the time
    of fifty rows): the url, the name and the dates escaped, the counts
    integers, the rest written here."""
    if row.last_active:
        moment = timezone.localtime(row.last_active)  # as `|date` shows it
        stamp = moment.isoformat(timespec="seconds")  # as `|html_datetime`
        active = f'<time datetime="{stamp}">{escape(days(moment.date()))}</time>'
    else:
        active = "Never"
    roles = "<br>".join(_mentee_role(entry, days) for entry in row.roles)
    return (
        f'<tr><th scope="row"><a href="{escape(url)}">{escape(row.learner.name)}'
        f"</a></th><td>{active}</td><td>{int(row.finished_7_days)}</td>"
        f"<td>{int(row.finished_30_days)}</td><td>{roles or 'No role yet'}</td>"
        f"<td>{STALLED if row.stalled else 'Active'}</td></tr>\n"
    )


def _mentee_role(entry, days: Days) -> str:
    """A followed role's share done, and the mentee's goal and plan if any:
    from escaped values alone."""
    role = (
        f'<span class="mentee-role">{escape(entry.role.title)}: '
        f"{int(entry.counts.percent)}%</span>"
    )
    if not entry.plan:
        return role
    goal = goal_line(entry.goal, entry.plan, days)
    return f'{role} <span class="mentee-goal">{goal}</span>'


def goal_line(goal, plan, days: Days) -> SafeString:
    """A mentee's goal for a role and where their plan stands, in one line: the
    same plan (progress.plan) their own dashboard shows."""
    wanted = []
    if goal.target:
        wanted.append(f"by {days(goal.target)}")
    if goal.hours_per_week:
        wanted.append(f"{goal.hours_label} h/week")
    parts = [f'<span class="meta">Goal: {escape(", ".join(wanted))}.</span> ']
    if plan.status == "behind":
        late = _days(plan.days_late)
        parts.append(f'<span class="badge badge--stalled">Behind by {late}</span>')
    elif plan.status == "ahead":
        parts.append(f'<span class="badge">Ahead by {_days(plan.days_early)}</span>')
    elif plan.status in PLAN_BADGES:
        parts.append(f'<span class="badge">{PLAN_BADGES[plan.status]}</span>')
    if plan.finish:
        parts.append(f' <span class="meta">finish {escape(days(plan.finish))}</span>')
    return _join(parts)  # from escaped values alone


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
    # The end view's address, reversed once: the cards differ by the id alone.
    end_url = reverse("mentoring_end", args=[_ANY_ID]).split(str(_ANY_ID))
    return _join(
        _mentee_card(mentorship, csrf_input, days, end_url)
        for mentorship in mentorships
    )


_ANY_ID = 987654321


def _mentee_card(mentorship, csrf_input: str, days: Days, end_url) -> str:
    """From escaped values alone: the names, the date and the address escaped,
    `csrf_input` Django's own markup."""
    learner = mentorship.learner
    name = escape(learner.name)
    since = ""
    if mentorship.responded_at:
        moment = timezone.localtime(mentorship.responded_at)
        since = (
            f'<p class="meta">Since <time datetime="'
            f'{moment.isoformat(timespec="seconds")}">'
            f"{escape(days(moment.date()))}</time></p>"
        )
    action = escape(str(int(mentorship.pk)).join(end_url))
    return (
        f'<li class="card"><h3 class="card__title">{name} <span class="meta">'
        f"({escape(learner.username)})</span></h3>{since}"
        f'<form method="post" action="{action}" class="inline-form">{csrf_input}'
        '<button type="submit" class="button--danger">Stop mentoring'
        f'<span class="visually-hidden"> {name}</span></button></form></li>\n'
    )


# --- The skills matrix ---------------------------------------------------------------


def matrix_heads(matrix: Matrix) -> SafeString:
    """The matrix's column heads, a link each that sorts by the skill (forty
    skills: the template's loop took a millisecond or two); from escaped values
    alone."""
    role = f"role={escape(matrix.role.slug)}&amp;" if matrix.role else ""
    heads = []
    for skill in matrix.skills:
        slug = escape(skill.slug)
        sort, said = "", "sort by concepts done"
        if matrix.sort == skill.slug:
            sort = ' aria-sort="descending"'
            said = "sorted by concepts done, most first"
        heads.append(
            f'<th scope="col"{sort}><a href="?{role}skill={slug}#matrix-title">'
            f"{escape(skill.name)}"
            f'<span class="visually-hidden">, {said}</span></a></th>'
        )
    return _join(heads)


def matrix_rows(matrix: Matrix, urls: dict[int, str]) -> SafeString:
    """The matrix's body: a row per mentee, their review health when the matrix
    has it (`matrix.health`), a cell per skill; `urls` from `dashboard_urls`.
    Cells repeat (a few shares, five levels), so each distinct one is written
    once."""
    written: dict[Cell, str] = {}
    days = Days()
    lines = []
    for learner, cells in matrix.rows:
        for cell in cells:
            if cell not in written:
                written[cell] = _matrix_cell(cell)
        url = urls[learner.pk]
        lines.append(
            format_html(
                '<tr><th scope="row"><a href="{}">{}</a></th>', url, learner.name
            )
        )
        if matrix.health:
            lines.append(_health_cell(matrix.health[learner.pk], url, days))
        lines.extend(written[cell] for cell in cells)
        lines.append("</tr>\n")
    return _join(lines)  # the cells: from escaped values alone


def _health_cell(health, url: str, days: Days) -> str:
    """A mentee's review health (`review_health.ReviewHealth`) in the words of
    their page's panel, linking to it: from escaped values alone (the url and
    the day escaped, the counts integers)."""
    if health.paused_until:
        day = health.paused_until
        said = (
            f'Paused until <time datetime="{day.isoformat()}">'
            f"{escape(days(day))}</time>"
        )
    elif not health.reviews_on:
        said = "No role with reviews on"
    else:
        said = (
            f"{int(health.due_today)} due today · {int(health.overdue)} overdue"
            f" · {int(health.fading)} fading"
        )
    waiting = ""
    if health.waiting:
        count = int(health.waiting)
        waiting = (
            f'<br><span class="meta">({count} more wait{"s" if count == 1 else ""}'
            " past their daily limit)</span>"
        )
    return (
        f'<td class="matrix__health"><a href="{escape(url)}#review-health">{said}</a>'
        f"{waiting}</td>"
    )


def _matrix_cell(cell: Cell) -> str:
    """The share of the skill done (and how many of its done concepts fade,
    said in words), the mentee's own rating, your endorsement: two integers
    and two escaped labels."""
    if cell.percent is None:
        done = '<span class="meta">no concepts</span>'
    else:
        done = f"<strong>{int(cell.percent)}%</strong>"
    if cell.fading:
        done += f' · <span class="badge">{int(cell.fading)} fading</span>'
    rated = escape(cell.rated_label or "not rated")
    endorsed = escape(cell.endorsed_label or "not endorsed")
    return (
        f'<td class="matrix__cell">{done}<br><span class="meta">Self: {rated}</span>'
        f'<br><span class="meta">You: {endorsed}</span></td>'
    )
