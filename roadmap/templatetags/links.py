"""`{{ url|web_link }}`: a link target only if it is an http(s) address.

Evidence and resource URLs are validated on the way in; this is the second line,
for a row that came in some other way: a `javascript:` or `data:` address becomes
an inert "#" (CSP would block it too)."""

from urllib.parse import urlsplit

from django import template

register = template.Library()


@register.filter
def web_link(value: str) -> str:
    try:
        scheme = urlsplit(str(value).strip()).scheme.lower()
    except ValueError:
        return "#"
    return str(value) if scheme in {"http", "https"} else "#"
