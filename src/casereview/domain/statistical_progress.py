"""The statistical spreadsheet's "Progress against earlier recommendations" sheet (issue 24), for
``statistical_workbook.workbook``: a row per weakness or area each recommendation's finding rests on (one
row with none), from the report document's progress section (``report_model_progress``): its share then
and now, the adjusted test and its direction.  Pure: no Django, no files.
"""

from __future__ import annotations

from typing import Any

from casereview.domain.language import gettext_lazy, gettext_noop, say, say_word
from casereview.domain.report_model_progress import SECTION as PROGRESS_SECTION
from casereview.domain.report_model_progress import TALLY_WORDS
from casereview.domain.statistical_sections import COUNT, NUMBER, PERCENT
from casereview.domain.statistical_tables import (
    NOT_APPLICABLE,
    Builder,
    Column,
    ColumnKind,
    Value,
    at,
    is_number,
    text,
)
from casereview.domain.words import Kind, words

__all__ = ["progress"]

#: The sheet's columns (headings marked for the catalogue; the sheet says them in the workbook's language).
_HEAD = (
    gettext_noop("Recommendation"),
    gettext_noop("Earlier inspection"),
    gettext_noop("Finding"),
    gettext_noop("What must change"),
    gettext_noop("Judgement at this inspection"),
)
RATIONALE = gettext_noop("Rationale")
_FIGURES: tuple[tuple[str, ColumnKind, int], ...] = (
    (gettext_noop("Weakness or area"), ColumnKind.TEXT, 0),
    (gettext_noop("Cases then"), COUNT, 0),
    (gettext_noop("Of cases then"), COUNT, 0),
    (gettext_noop("Share then"), PERCENT, 0),
    (gettext_noop("Lower limit then"), PERCENT, 0),
    (gettext_noop("Upper limit then"), PERCENT, 0),
    (gettext_noop("Cases now"), COUNT, 0),
    (gettext_noop("Of cases now"), COUNT, 0),
    (gettext_noop("Share now"), PERCENT, 0),
    (gettext_noop("Lower limit now"), PERCENT, 0),
    (gettext_noop("Upper limit now"), PERCENT, 0),
    (gettext_noop("Adjusted p value"), NUMBER, 3),
    (gettext_noop("Direction"), ColumnKind.TEXT, 0),
)


def _column(heading: str, kind: ColumnKind = ColumnKind.TEXT, places: int = 0) -> Column:
    return Column(say_word(heading), kind, places)


def _item_name(item: dict[str, Any]) -> str:
    if item.get("kind") == "weakness":
        return say(
            gettext_lazy(
                "Weakness %(code)s: %(title)s", code=item.get("code"), title=item.get("title")
            )
        )
    return say(gettext_lazy("Area: %(title)s", title=item.get("title") or item.get("code")))


def progress(b: Builder) -> None:
    """Progress against earlier recommendations (issue 24): a row per weakness or area each recommendation's
    finding rests on (one row with none), its share then and now, the adjusted test and its direction."""
    section = b.doc.get(PROGRESS_SECTION) or {}
    if not section:
        return
    full = not b.doc.get("published")
    rows: list[list[Value]] = []
    for rec in section.get("recommendations") or []:
        earlier = rec.get("inspection") or {}
        judgement = rec.get("judgement")
        head: list[Value] = [
            text(rec.get("number")),
            text(earlier.get("name")),
            say(
                gettext_lazy(
                    "%(kind)s %(number)s",
                    kind=words(Kind.FINDING_KIND, rec.get("finding_kind"), say_word),
                    number=rec.get("finding_number"),
                )
            ),
            text(rec.get("text")),
            say_word(TALLY_WORDS["not_judged"])
            if judgement is None
            else words(Kind.JUDGEMENT, judgement, say_word),
            *([text(rec.get("rationale"), NOT_APPLICABLE)] if full else []),
        ]
        for item in rec.get("items") or [{}]:
            if not item:
                rows.append([*head, NOT_APPLICABLE, *[NOT_APPLICABLE] * 12])
                continue
            no_now = item.get("count_now") is None or item.get("total_now") == 0
            untested = no_now or bool(item.get("why_not"))
            rows.append(
                [
                    *head,
                    _item_name(item),
                    b.v.count(at(item, "count_then")),
                    b.v.count(at(item, "total_then")),
                    *(
                        b.v.share(at(item, k))
                        for k in ("share_then", "ci_low_then", "ci_high_then")
                    ),
                    b.v.count(
                        at(item, "count_now"), empty=no_now and item.get("count_now") is None
                    ),
                    b.v.count(at(item, "total_now"), empty=item.get("total_now") is None),
                    *(
                        b.v.share(at(item, k), empty=no_now)
                        for k in ("share_now", "ci_low_now", "ci_high_now")
                    ),
                    NOT_APPLICABLE if untested else b.v.p_value(item.get("adjusted_p_value")),
                    NOT_APPLICABLE
                    if untested
                    else words(Kind.DIRECTION, item.get("direction"), say_word).capitalize()
                    if item.get("direction")
                    else b.v.missing(None),
                ]
            )
    counts = section.get("counts") or {}
    tally = "; ".join(
        f"{(say_word(TALLY_WORDS[k]) if k in TALLY_WORDS else k).lower()} {n}"
        for k, n in counts.items()
    )
    description = [
        say(gettext_lazy("Recommendations: %(tally)s.", tally=tally)),
        say(
            gettext_lazy(
                "Each recommendation of an earlier inspection judged at this one, or still open and "
                "not yet judged: for each weakness or area its finding rests on, the share of cases "
                "then (the earlier report's figures) and now (this report's weakness and area "
                "tables), and whether it changed. Method: %(method)s.",
                method=section.get("method", ""),
            )
        ),
    ]
    printed = section.get("printed_tests")
    if is_number(printed) and printed != section.get("family_tests"):
        description.append(
            say(
                gettext_lazy(
                    "This published version prints %(printed)s of the %(tests)s comparisons (the "
                    "others rest on hidden counts); in the adjustment each hidden one counts as "
                    "p = 1.",
                    printed=printed,
                    tests=section.get("family_tests"),
                )
            )
        )
    b.add(
        gettext_lazy("Progress on recommendations"),
        say(gettext_lazy("Progress against earlier recommendations")),
        [
            *(_column(h) for h in _HEAD),
            *([_column(RATIONALE)] if full else []),
            *(_column(h, kind, places) for h, kind, places in _FIGURES),
        ],
        rows,
        description,
        notes=("shares", "tests"),
    )
