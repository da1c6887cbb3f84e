"""The dashboard's repeated parts, written by `progress.rendering`:
`{% review_items reviews.due %}`, `{% plan_items plan.this_week %}`,
`{% recent_items recent %}` and `{% month_rows activity.months %}`. The undo
forms carry the page's CSRF token as `{% csrf_token %}` writes it."""

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.safestring import SafeString

from progress import rendering

register = template.Library()


@register.simple_tag
def review_items(due) -> SafeString:
    return rendering.review_items(due)


@register.simple_tag
def plan_items(items) -> SafeString:
    return rendering.plan_items(items)


@register.simple_tag(takes_context=True)
def recent_items(context, events) -> SafeString:
    return rendering.recent_items(events, CsrfTokenNode().render(context))


@register.simple_tag
def month_rows(months) -> SafeString:
    return rendering.month_rows(months)
