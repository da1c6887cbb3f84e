"""What the learner's data file (`progress.learner_file`) keeps of content
changes: for each status, the content revision it was set against (the latest
revision recorded by then), and when the learner read what changed since
(`change_seen_at`). The import restores the read marks; the flags ("changed
since you marked it") then follow from the statuses' times, which the file
keeps, against the content here: a file from before a change comes back
flagged, one read since comes back read."""

from __future__ import annotations

import bisect

from progress.learner_file import Importer, Section, iso, time_of
from progress.models import ItemProgress
from roadmap.models import Revision


def write(user) -> dict:
    revisions = list(
        Revision.objects.order_by("created_at", "id").values_list("created_at", "pk")
    )
    times = [at for at, _pk in revisions]
    entries = []
    for row in (
        ItemProgress.objects.filter(learner=user)
        .exclude(status_changed_at=None)
        .select_related("step", "concept")
        .order_by("id")
    ):
        index = bisect.bisect_right(times, row.status_changed_at)
        entries.append(
            {
                "kind": row.item_kind,
                "slug": row.item.slug,
                "set_against_revision": revisions[index - 1][1] if index else None,
                "change_seen_at": iso(row.change_seen_at),
            }
        )
    return {"content_changes": entries}


def attested(document: dict) -> dict:
    return {}


def read(importer: Importer, learner) -> None:
    restored = 0
    for index, entry in enumerate(importer.document.get("content_changes", [])):
        where = f"content_changes[{index}]"
        if not entry.get("change_seen_at"):
            continue
        kind, item = importer.item(entry, where)
        seen = time_of(entry["change_seen_at"], f"{where}.change_seen_at")
        restored += ItemProgress.objects.filter(learner=learner, **{kind: item}).update(
            change_seen_at=seen
        )
    importer.counts["content_changes"] = restored


SECTION = Section(write=write, attested=attested, read=read)
