"""The learner's reports in their data file (`progress.learner_file`): what they
reported, and the curators' answer to it.

What the learner wrote is theirs; the state, the reply and when they were told
of a fix are the curators', so the signature covers them: from a file whose
signature does not hold, a report comes back open and without a reply, and the
import's report says so. The revision that fixed a report names a change of
this site's content and is not in the file.
"""

from __future__ import annotations

from progress.forms import ReportForm
from progress.learner_file import (
    Importer,
    Section,
    checked,
    field_of,
    iso,
    through_form,
    time_of,
)
from progress.models import ItemReport

ANSWER = ("state", "reply", "notified_at")


def write(user) -> dict:
    return {
        "reports": [
            {
                "kind": report.item_kind,
                "slug": report.item.slug,
                "problem": report.kind,
                "message": report.message,
                "at": report.created_at.isoformat(),
                "state": report.state,
                "reply": report.reply,
                "notified_at": iso(report.notified_at),
            }
            for report in ItemReport.objects.filter(learner=user)
            .select_related("step", "concept")
            .order_by("created_at", "id")
        ]
    }


def attested(document: dict) -> dict:
    """The curators' answers, in the order of the reports."""
    return {
        "report_answers": [
            {name: entry.get(name) for name in ANSWER}
            if isinstance(entry, dict)
            else entry
            for entry in document.get("reports", [])
        ]
    }


def read(importer: Importer, learner) -> None:
    restored = 0
    for index, entry in enumerate(importer.document.get("reports", [])):
        where = f"reports[{index}]"
        kind, item = importer.item(entry, where)
        problem = field_of(entry, "problem", where)
        message = entry.get("message", "")
        through_form(ReportForm, {"kind": problem, "message": message}, where)
        at = time_of(entry.get("at"), f"{where}.at")
        report = ItemReport(learner=learner, kind=problem, message=message)
        setattr(report, kind, item)
        answered = entry.get("state", "open") != "open" or entry.get("reply")
        if importer.signed:
            report.state = entry.get("state", ItemReport.State.OPEN)
            report.reply = entry.get("reply", "")
            if entry.get("notified_at"):
                report.notified_at = time_of(
                    entry["notified_at"], f"{where}.notified_at"
                )
        elif answered:
            importer.dropped.append(
                f"{where}: the curators' answer is not signed by this Waymark"
            )
        checked(report, where, exclude=["learner", "step", "concept", "fixed_by"])
        report.save()
        ItemReport.objects.filter(pk=report.pk).update(created_at=at)
        restored += 1
    importer.counts["reports"] = restored


SECTION = Section(write=write, attested=attested, read=read)
