"""A report's statistical spreadsheet's front matter, for ``statistical_workbook.workbook``: the items of
the cover sheet (what the document is, its source, its disclosure and its digests) and the definitions on
the Notes sheet (the shorthands, the shares, the tests, the design, the control chart, agreement).  Words
about the tables rather than tables, so apart from them (and within the 600-line limit).  Pure: no Django,
no files.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from casereview.domain.language import gettext_lazy, say, say_word, saying
from casereview.domain.marking import marking
from casereview.domain.statistical_tables import (
    CONTACT,
    CONTENTS_SHEET,
    COVER_SHEET,
    HIDDEN,
    NOTES_SHEET,
    Builder,
    is_number,
    note_reference,
    text,
)
from casereview.domain.words import Kind, uk_date, words

__all__ = ["cover", "define_notes"]


def _status(doc: Mapping[str, Any]) -> str:
    """What version the document is, in words (``domain.marking``, as the PDF's running header says)."""
    return marking(doc).status


def cover(doc: Mapping[str, Any]) -> list[tuple[str, str]]:
    inspection = doc.get("inspection") or {}
    repro = doc.get("reproducibility") or {}
    disclosure = doc.get("disclosure") or {}
    mark = marking(doc)
    items = [
        (say(gettext_lazy("Classification")), mark.classification),
        (say(gettext_lazy("Body")), text(mark.body)),
        (say(gettext_lazy("Inspection")), text(inspection.get("name"))),
        (say(gettext_lazy("Period")), text(mark.period)),
        (say(gettext_lazy("Status")), mark.status),
    ]
    if mark.version:
        items.append((say(gettext_lazy("This version")), mark.version))
    if inspection.get("framework"):
        items.append(
            (
                say(gettext_lazy("Framework")),
                words(Kind.FRAMEWORK, inspection["framework"], say_word),
            )
        )
    if doc.get("headline"):
        items.append((say(gettext_lazy("Headline")), str(doc["headline"])))
    body = (
        say(gettext_lazy("a sample of %(body)s's cases", body=mark.body))
        if mark.body
        else say(gettext_lazy("a sample of the body's cases"))
    )
    items.append(
        (
            say(gettext_lazy("Source")),
            say(
                gettext_lazy(
                    "The inspection's case reviews: %(sample)s from its register, each graded by the "
                    "inspectorate's inspectors (recorded in casereview).",
                    sample=body,
                )
            ),
        )
    )
    contact = doc.get("contact") or inspection.get("contact")
    items.append((say(gettext_lazy("Contact")), text(contact, say_word(CONTACT))))
    if doc.get("published"):
        rule = disclosure.get("rule") or doc.get("suppression") or ""
        hidden = say(gettext_lazy("Hidden values are shown as %(marker)s.", marker=HIDDEN))
        items.append((say(gettext_lazy("Disclosure rule")), f"{rule} {hidden}".strip()))
        audit = disclosure.get("audit") or {}
        if audit.get("sha256") and not doc.get("preview"):
            items.append((say(gettext_lazy("Disclosure audit (SHA-256)")), str(audit["sha256"])))
    else:
        items.append(
            (
                say(gettext_lazy("Disclosure")),
                say(
                    gettext_lazy(
                        "This full report shows every count and names cases and inspectors: it is for "
                        "the inspection team only and is never published as it is."
                    )
                ),
            )
        )
    as_of = (repro.get("parameters") or {}).get("as_of")
    for key, label in (
        ("input_sha256", gettext_lazy("Input data digest (SHA-256)")),
        ("figures_sha256", gettext_lazy("Figures digest (SHA-256)")),
        ("software_version", gettext_lazy("casereview version")),
        ("commit", gettext_lazy("casereview commit")),
    ):
        if repro.get(key):
            items.append((say(label), str(repro[key])))
    if as_of:
        items.append((say(gettext_lazy("Figures as of")), uk_date(as_of, language=saying())))
    items.append(
        (
            say(gettext_lazy("About these tables")),
            say(
                gettext_lazy(
                    "Each table is on its own worksheet, listed on the %(contents)s worksheet; notes are "
                    "on the %(notes)s worksheet and referred to as %(reference)s and so on. Some cells "
                    "hold a shorthand instead of a number: [c] hidden, [x] not available, [z] not "
                    "applicable, [low] a p value under 0.001.",
                    contents=say_word(CONTENTS_SHEET),
                    notes=say_word(NOTES_SHEET),
                    reference=note_reference(1),
                )
            ),
        )
    )
    return items


def define_notes(b: Builder) -> None:
    doc = b.doc
    params = (doc.get("reproducibility") or {}).get("parameters") or {}
    b.notes.define(
        "c",
        say(
            gettext_lazy(
                "[c] marks a value hidden to protect the people in the cases, under the disclosure rule on "
                "the %(cover)s worksheet: a small count, a count from which one could be worked out, or a "
                "figure computed from a hidden count.",
                cover=say_word(COVER_SHEET),
            )
        ),
    )
    b.notes.define(
        "x",
        say(
            gettext_lazy(
                "[x] marks a value that is not available: the report has no such figure (for example an "
                "interval the method does not give)."
            )
        ),
    )
    b.notes.define(
        "z",
        say(
            gettext_lazy(
                "[z] marks a value that does not apply: a share or figure of no cases, or a comparison "
                "that was not made."
            )
        ),
    )
    b.notes.define(
        "low",
        say(
            gettext_lazy(
                "[low] marks a p value under 0.001 (the report prints it as %(low)s).",
                low="< 0.001",
            )
        ),
    )
    confidence = params.get("confidence")
    level = f"{100 * confidence:.0f}%" if is_number(confidence) else "95%"
    b.notes.define(
        "shares",
        say(
            gettext_lazy(
                "Shares are of graded cases and are rounded to one decimal place of a percentage, as the "
                "report prints them. Intervals are %(level)s intervals (%(method)s).",
                level=level,
                method=params.get("interval") or say(gettext_lazy("Wilson score")),
            )
        ),
    )
    alpha = params.get("alpha")
    tests = params.get("comparison_tests") or say(
        gettext_lazy("two-proportion z-test, or Fisher's exact test for small counts")
    )
    adjusted = (
        say(
            gettext_lazy(
                "Adjusted for the number of tests: %(method)s.", method=params["adjustment"]
            )
        )
        if params.get("adjustment")
        else ""
    )
    b.notes.define(
        "tests",
        say(gettext_lazy("Comparisons use the %(tests)s.", tests=tests))
        + " "
        + (f"{adjusted} " if adjusted else "")
        + say(
            gettext_lazy(
                "Better or worse is said only where the adjusted p value is under %(alpha)s.",
                alpha=alpha if is_number(alpha) else 0.05,
            )
        ),
    )
    b.notes.define(
        "design",
        say(
            gettext_lazy(
                "The sample was not drawn in proportion to the register, so some figures are "
                "design-weighted: each stratum's cases are weighted by the stratum's size in the frame. A "
                "design-weighted share's interval rests on its effective sample size, the number of cases "
                "a simple random sample would need to be as precise. Shares are rounded to one decimal "
                "place of a percentage, as the report prints them."
            )
        ),
    )
    b.notes.define(
        "effective",
        say(
            gettext_lazy(
                "The current point is design-weighted: its effective graded cases are its effective sample "
                "size, and its effective cases the design-weighted share of them. They are not counts of "
                "cases, so they are not whole numbers."
            )
        ),
    )
    chart = doc.get("control_chart") or {}
    b.notes.define(
        "control",
        str(
            chart.get("method") or say(gettext_lazy("A p-chart of the share of cases of concern."))
        ),
    )
    b.notes.define(
        "agreement",
        say(
            gettext_lazy(
                "Cases marked twice, blind: a case's first review against its moderation. Kappa and AC1 "
                "measure agreement beyond chance (one is perfect agreement, zero no better than chance); "
                "their lower and upper limits are those of %(level)s intervals.",
                level="95%",
            )
        ),
    )
