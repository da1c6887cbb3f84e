"""Places on the learner's own pages that other apps fill, so that `progress`
imports none of them (mentoring adds its feedback threads and endorsements).

An app registers a function for a place in its `AppConfig.ready`; the page merges
what every registered function returns into its context:

- "item": `(learner, kind, item) -> dict` for the item page;
- "skill": `(learner, skill) -> dict` for the skill panel;
- "dashboard": `(learner) -> dict` for the dashboard;
- "learner_file": a `learner_file.Section` for the export and its import.
"""

from __future__ import annotations

from collections.abc import Callable

_places: dict[str, list] = {
    "item": [],
    "skill": [],
    "dashboard": [],
    "learner_file": [],
}


def register(place: str, contribution) -> None:
    if contribution not in _places[place]:
        _places[place].append(contribution)


def contributions(place: str) -> list:
    return list(_places[place])


def context(place: str, *args) -> dict:
    merged: dict = {}
    function: Callable[..., dict]
    for function in _places[place]:
        merged.update(function(*args))
    return merged
