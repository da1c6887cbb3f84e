"""Reading a content file's YAML safely, and quoting its values in messages.

`YamlLoader` is PyYAML's safe loader without anchors and aliases and with a
bounded depth; `shown` and `type_name` are how every message of the loader
quotes a value from a file (cut short, so no file can make a message large).
"""

from __future__ import annotations

import reprlib
from typing import Any

import yaml

SHOWN_MAX = 80  # characters of a value an error message quotes

# Bounded at every level, so even a huge nested value costs little to show.
_repr = reprlib.Repr(
    maxlevel=3,
    maxtuple=6,
    maxlist=6,
    maxarray=6,
    maxdict=4,
    maxset=6,
    maxfrozenset=6,
    maxdeque=6,
    maxstring=SHOWN_MAX,
    maxlong=40,
    maxother=SHOWN_MAX,
)


def shown(value: Any) -> str:
    """A value as an error message quotes it: its repr, cut to SHOWN_MAX characters.

    Every message that quotes a value from a file goes through here, so no file can
    make a message (or the work of building it) large.
    """
    text = _repr.repr(value)
    return text if len(text) <= SHOWN_MAX else text[: SHOWN_MAX - 3] + "..."


class AliasRefused(yaml.YAMLError):
    def __init__(self, event: yaml.Event):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            found = f"*{event.anchor}"[:SHOWN_MAX]
        else:
            found = f"&{event.anchor}"[:SHOWN_MAX]
        super().__init__(
            f"line {line}: anchors and aliases are not allowed (found {found}); "
            "write the value out in full"
        )


# Lists and mappings inside one another: a roadmap needs about 8 levels. PyYAML
# builds each level with a recursive call, so 50,000 nested brackets would run
# out of stack (RecursionError) before any rule of the format is checked.
MAX_NESTING = 40


class TooDeep(yaml.YAMLError):
    def __init__(self, event: yaml.Event):
        super().__init__(
            f"line {event.start_mark.line + 1}: lists and mappings are nested more "
            f"than {MAX_NESTING} levels deep; no content file needs that many"
        )


class YamlLoader(yaml.SafeLoader):
    """The safe loader without anchors and aliases, and with a bounded depth.

    Content files have no use for anchors, and an alias repeated inside anchored
    lists (a "billion laughs") makes a few hundred bytes stand for billions of
    values. The first anchor or alias stops the read, and so does the first list
    or mapping nested more than MAX_NESTING levels deep.
    """

    depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise AliasRefused(event)
        nests = isinstance(event, yaml.CollectionStartEvent)
        if nests and self.depth >= MAX_NESTING:
            raise TooDeep(event)
        self.depth += nests
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= nests


def type_name(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        int: "a number",
        float: "a number",
        bool: "true/false",
        type(None): "nothing",
    }.get(type(value), type(value).__name__)


def url_phrase(schemes: list[str]) -> str:
    """`['http', 'https']` as messages and the format doc say it: `http(s)`."""
    if sorted(schemes) == ["http", "https"]:
        return "http(s)"
    return "/".join(schemes)
