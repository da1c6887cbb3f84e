"""Waymark's own templates without their indentation.

The templates are indented for people; browsers collapse that whitespace, but it
still travels with every page (about a twentieth of the role page). This loader
reads the project's templates (`templates/`) and drops the spaces and tabs that
start each line, once, when a template is compiled, so the pages cost nothing
more per request. It leaves alone what a browser shows as written (`<pre>` and
`<textarea>` blocks) and every template that is not HTML (the plain-text
emails), and it does not touch the templates of Django's and other apps.
"""

from __future__ import annotations

import re

from django.template.loaders import filesystem

# A block shown as written, kept whole; or a line break and the indentation after it.
KEPT_OR_INDENT = re.compile(r"<(pre|textarea)\b.*?</\1\s*>|\n[ \t]+", re.S | re.I)


def without_indentation(source: str) -> str:
    return KEPT_OR_INDENT.sub(
        lambda match: match[0] if match[1] else "\n",
        source,
    )


class Loader(filesystem.Loader):
    """The filesystem loader, for the HTML templates in the project's folder."""

    def get_contents(self, origin) -> str:
        source = super().get_contents(origin)
        if origin.name.endswith(".html"):
            return without_indentation(source)
        return source
