"""`{{ value|html_datetime }}`: a `<time datetime>` value HTML accepts.

Django's `|date:"c"` writes microseconds (six digits), and HTML allows at most
three digits of a second. This writes the time to the second, with its offset, in
the current time zone (as `|date` does); nothing for an empty or non-date value."""

import datetime

from django import template

register = template.Library()


@register.filter(expects_localtime=True)
def html_datetime(value: object) -> str:
    if not isinstance(value, datetime.date):
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()
