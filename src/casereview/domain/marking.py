"""How a report document is marked: its security classification and what version it is, in words.

The inspection team's full report names cases and inspectors: OFFICIAL-SENSITIVE.  A published report, and
a preview of one (the published version before its publication), is OFFICIAL.  The PDF prints the marking
and the version in its running header on every page, and in its document properties.  The words of the
version are here only (``status``, short, and ``version``, a sentence); neither repeats the classification,
which is printed beside them.  Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from casereview.domain.language import gettext_lazy, gettext_noop, say, say_word, saying
from casereview.domain.tables import publication_date
from casereview.domain.words import Kind, uk_date, words

OFFICIAL = "OFFICIAL"
OFFICIAL_SENSITIVE = "OFFICIAL-SENSITIVE"
#: The classification as the document prints it, in its language (the Government Security Classifications'
#: Welsh: SWYDDOGOL, SWYDDOGOL-SENSITIF).
CLASSIFICATION_WORDS = {
    OFFICIAL: gettext_noop("OFFICIAL"),
    OFFICIAL_SENSITIVE: gettext_noop("OFFICIAL-SENSITIVE"),
}
PREVIEW_STATUS = gettext_noop("Preview – not published")
FULL_STATUS = gettext_noop("Full report for the inspection team")


@dataclass(frozen=True)
class Marking:
    """What a report document says it is, in words."""

    classification: str  # OFFICIAL, or OFFICIAL-SENSITIVE, in the document's language
    #: What version it is, short, without the classification (printed beside it): "Preview – not
    #: published", "Published 3 December 2026", "Full report for the inspection team".
    status: str
    body: str  # the inspected body's name, else its code
    period: str  # "1 January 2024 to 31 March 2024"
    #: The document's date, ISO: the publication date, else the date the figures are as of.
    created: str
    #: What the version is, in a sentence (the summary's "This version").
    version: str = ""

    @property
    def running(self) -> str:
        """The running header's first part: "Synthetic Police, 1 January 2024 to 31 March 2024"."""
        return ", ".join(part for part in (self.body, self.period) if part)


def marking(document: Mapping[str, Any]) -> Marking:
    """The marking of a report's JSON document (a full report, a preview or a published report)."""
    inspection = document.get("inspection") or {}
    period = inspection.get("period") or [None, None]
    language = saying()
    start, end = (uk_date(day, language=language) for day in (list(period) + [None, None])[:2])
    as_of = ((document.get("reproducibility") or {}).get("parameters") or {}).get("as_of")
    published_on = publication_date(document)
    if document.get("preview"):
        status, classification = say_word(PREVIEW_STATUS), OFFICIAL
        label = str((document.get("preview") or {}).get("label") or status)
        version = say(
            gettext_lazy(
                "%(label)s: the version to be published, before its publication.", label=label
            )
        )
    elif document.get("published"):
        on = uk_date(published_on, language=language)
        classification = OFFICIAL
        if on:
            status = say(gettext_lazy("Published %(day)s", day=on))
            version = say(
                gettext_lazy("Published report, %(day)s, with small numbers hidden.", day=on)
            )
        else:
            status = say_word(gettext_noop("Published"))
            version = say_word(gettext_noop("Published report, with small numbers hidden."))
    else:
        status, classification = say_word(FULL_STATUS), OFFICIAL_SENSITIVE
        version = say_word(
            gettext_noop(
                "The inspection team's full report: it names cases and inspectors, and is not for "
                "publication."
            )
        )
    created = str(published_on or as_of or "")[:10]
    return Marking(
        classification=say_word(CLASSIFICATION_WORDS[classification]),
        status=status,
        body=str(inspection.get("body_name") or inspection.get("body") or ""),
        period=say(gettext_lazy("%(start)s to %(end)s", start=start, end=end))
        if start and end
        else "",
        created=created,
        version=version,
    )


def subject(document: Mapping[str, Any]) -> str:
    """The PDF's subject: what the document reports on, for whom."""
    mark = marking(document)
    inspection = document.get("inspection") or {}
    name = inspection.get("name") or say_word(gettext_noop("an inspection"))
    about = say(gettext_lazy("Inspection report: %(name)s", name=name))
    return "; ".join(part for part in (about, mark.running, mark.status) if part)


def keywords(document: Mapping[str, Any]) -> list[str]:
    """The PDF's keywords (none holds a comma: the HTML ``keywords`` meta separates them by commas)."""
    inspection = document.get("inspection") or {}
    said = [
        say_word(gettext_noop("inspection report")),
        marking(document).body,
        words(Kind.FRAMEWORK, inspection.get("framework"), say_word)
        if inspection.get("framework")
        else "",
        marking(document).classification,
    ]
    return [k.replace(",", "") for k in said if k]
