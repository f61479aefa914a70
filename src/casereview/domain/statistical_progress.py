"""The statistical spreadsheet's "Progress against earlier recommendations" sheet (issue 24), for
``statistical_workbook.workbook``: a row per weakness or area each recommendation's finding rests on (one
row with none), from the report document's progress section (``report_model_progress``): its share then
and now, the adjusted test and its direction.  Pure: no Django, no files.
"""

from __future__ import annotations

from casereview.domain.report_model_progress import SECTION as PROGRESS_SECTION
from casereview.domain.report_model_progress import TALLY_WORDS
from casereview.domain.statistical_sections import COUNT, NUMBER, PERCENT
from casereview.domain.statistical_tables import (
    NOT_APPLICABLE,
    Builder,
    Column,
    Value,
    at,
    is_number,
    text,
)
from casereview.domain.words import Kind, words

__all__ = ["progress"]


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
            f"{words(Kind.FINDING_KIND, rec.get('finding_kind'))} {rec.get('finding_number')}",
            text(rec.get("text")),
            TALLY_WORDS["not_judged"] if judgement is None else words(Kind.JUDGEMENT, judgement),
            *([text(rec.get("rationale"), NOT_APPLICABLE)] if full else []),
        ]
        for item in rec.get("items") or [{}]:
            if not item:
                rows.append([*head, NOT_APPLICABLE, *[NOT_APPLICABLE] * 12])
                continue
            no_now = item.get("count_now") is None or item.get("total_now") == 0
            untested = no_now or bool(item.get("why_not"))
            name = (
                f"Weakness {item.get('code')}: {item.get('title')}"
                if item.get("kind") == "weakness"
                else f"Area: {item.get('title') or item.get('code')}"
            )
            rows.append(
                [
                    *head,
                    name,
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
                    else text(item.get("direction"), b.v.missing(None)).capitalize()
                    if item.get("direction")
                    else b.v.missing(None),
                ]
            )
    counts = section.get("counts") or {}
    description = [
        "Recommendations: "
        + "; ".join(f"{TALLY_WORDS.get(k, k).lower()} {n}" for k, n in counts.items())
        + ".",
        "Each recommendation of an earlier inspection judged at this one, or still open and not yet judged: "
        "for each weakness or area its finding rests on, the share of cases then (the earlier report's "
        "figures) and now (this report's weakness and area tables), and whether it changed. "
        f"Method: {section.get('method', '')}.",
    ]
    printed = section.get("printed_tests")
    if is_number(printed) and printed != section.get("family_tests"):
        description.append(
            f"This published version prints {printed} of the {section.get('family_tests')} comparisons "
            "(the others rest on hidden counts); in the adjustment each hidden one counts as p = 1."
        )
    b.add(
        "Progress_on_recommendations",
        "Progress against earlier recommendations",
        [
            Column("Recommendation"),
            Column("Earlier inspection"),
            Column("Finding"),
            Column("What must change"),
            Column("Judgement at this inspection"),
            *([Column("Rationale")] if full else []),
            Column("Weakness or area"),
            Column("Cases then", COUNT),
            Column("Of cases then", COUNT),
            Column("Share then", PERCENT),
            Column("Lower limit then", PERCENT),
            Column("Upper limit then", PERCENT),
            Column("Cases now", COUNT),
            Column("Of cases now", COUNT),
            Column("Share now", PERCENT),
            Column("Lower limit now", PERCENT),
            Column("Upper limit now", PERCENT),
            Column("Adjusted p value", NUMBER, 3),
            Column("Direction"),
        ],
        rows,
        description,
        notes=("shares", "tests"),
    )
