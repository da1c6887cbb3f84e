"""The dashboard's repeated parts, rendered by plain functions: the reviews due
(a form of four buttons each), the items of a plan's week, the recent changes
and the activity's months.

Django's template engine spent most of the dashboard's time in these loops (it
resolves every variable, filter, `{% url %}` and `{% csrf_token %}` node by
node, for each item). The rest of the page stays in its templates
(templates/progress/dashboard.html and its includes), which say where each of
these goes through the tags of `progress.templatetags.dashboard_parts`. Every
value from the content or a person is escaped by `format_html`; what is
rendered here is the markup the templates wrote. Nothing is cached: the page's
data is (progress.pages.cached_dashboard_context), its HTML is written anew.
"""

from __future__ import annotations

import datetime

from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from progress.models import ProgressEvent, Status

SLUG_MARK = "-slug-"


class ItemUrls:
    """An item's URL by kind and slug (a URL named with `<str:kind>/<slug:slug>`),
    reversed once per kind: a slug is letters, digits, `-` and `_`, which a
    path writes as they are."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.parts: dict[str, tuple[str, str]] = {}

    def __call__(self, kind: str, slug: str) -> str:
        if kind not in self.parts:
            before, _, after = reverse(self.name, args=[kind, SLUG_MARK]).rpartition(
                SLUG_MARK
            )
            self.parts[kind] = (before, after)
        before, after = self.parts[kind]
        return f"{before}{slug}{after}"


def _join(parts) -> SafeString:
    """Parts each written by `format_html`, as one safe string."""
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped


class Moments:
    """Moments as `<time datetime="{{ value|html_datetime }}">{{ value|date }}`
    writes them: in the current time zone, to the second; each written once
    (a learner's changes come in bursts)."""

    def __init__(self, format: str) -> None:
        self.format = format
        self.written: dict[datetime.datetime, SafeString] = {}

    def __call__(self, value: datetime.datetime) -> SafeString:
        moment = timezone.localtime(value).replace(microsecond=0)
        if moment not in self.written:
            self.written[moment] = format_html(
                '<time datetime="{}">{}</time>',
                moment.isoformat(timespec="seconds"),
                date_format(moment, self.format),
            )
        return self.written[moment]


# --- Reviews due ---------------------------------------------------------------------


def review_items(due) -> SafeString:
    """A list item per review due (`progress.reviews.DueReview`): the item's
    link and its day. They are done on the reviews page, one at a time."""
    item_url = ItemUrls("progress_item")
    return _join(
        format_html(
            '<li class="review"><a href="{}">{}</a> <span class="meta">due '
            '<time datetime="{}">{}</time></span></li>\n',
            item_url(review.kind, review.slug),
            review.title,
            review.due.isoformat(),
            date_format(review.due, "j M"),
        )
        for review in due
    )


# --- A plan's week -------------------------------------------------------------------


def plan_items(items) -> SafeString:
    """A list item per item of a plan's week (`progress.plan.PlanItem`): its
    link and its hours, and whose estimate they are when learners' times."""
    item_url = ItemUrls("progress_item")
    return _join(
        format_html(
            '<li><a href="{}">{}</a> <span class="meta">about {} h{}</span></li>',
            item_url(item.kind, item.slug),
            item.title,
            floatformat(item.hours, "-1"),
            ", as learners took" if item.estimate == "learners" else "",
        )
        for item in items
    )


# --- Recent changes ------------------------------------------------------------------

RETIRED = ' <span class="badge badge--draft">Retired</span>'


def recent_items(events, csrf_input: str = "") -> SafeString:
    """A list item per status change (`progress.models.ProgressEvent`, with its
    step's stage and role or its concept's skill): the item, where it belongs,
    whether it is retired, the change and when; and one per "I already know
    this" (`progress.models.BulkChange`), with its undo form (`csrf_input`: the
    page's token field)."""
    item_url = ItemUrls("progress_item")
    statuses = {value: escape(label.lower()) for value, label in Status.choices}
    moments = Moments("j M, H:i")
    csrf_input = mark_safe(csrf_input)  # noqa: S308 - Django's own field
    return _join(
        (
            _recent_item(event, item_url, statuses, moments)
            if isinstance(event, ProgressEvent)
            else _recent_change(event, moments, csrf_input)
        )
        + "\n"
        for event in events
    )


def _recent_change(change, moments, csrf_input: str) -> SafeString:
    action = reverse("progress_undo_known", args=[change.pk])
    return format_html(
        '<li class="history__bulk">\n{}\n<span class="meta">{}</span>\n'
        '<form method="post" action="{}" hx-post="{}" class="inline-form">{}'
        '<input type="hidden" name="next" value="{}">'
        '<button type="submit" class="small-button">Undo<span class="visually-hidden">'
        ": {}</span></button></form>\n</li>",
        change.summary,
        moments(change.created_at),
        action,
        action,
        csrf_input,
        reverse("dashboard"),
        change.summary,
    )


def _recent_item(event, item_url: ItemUrls, statuses: dict, moments) -> SafeString:
    if event.step_id:
        step = event.step
        item = format_html(
            '<a href="{}">{}</a> <span class="meta">step in {}</span>',
            item_url("step", step.slug),
            step.title,
            step.stage.role.title,
        )
    else:
        concept = event.concept
        item = format_html(
            '<a href="{}">{}</a> <span class="meta">concept in {}</span>',
            item_url("concept", concept.slug),
            concept.name,
            concept.skill.name,
        )
    return format_html(
        '<li>\n{}{}:\n{} → <strong>{}</strong>\n<span class="meta">{}</span>\n</li>',
        item,
        "" if event.item.is_published else mark_safe(RETIRED),  # noqa: S308
        statuses.get(event.from_status) or event.from_status.lower(),
        statuses.get(event.to_status) or event.to_status.lower(),
        moments(event.created_at),
    )


# --- Activity by month ---------------------------------------------------------------


def month_rows(months) -> SafeString:
    """The table's rows of the activity by month: (month, changes, active days)."""
    return format_html_join(
        "",
        '<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>',
        months,
    )
