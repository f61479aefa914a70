"""The "Progress against earlier recommendations" section as rows for spreadsheets (issue 24), for
``tables.flat_rows``: the count per judgement, each recommendation's facts and each weakness or area its
finding rests on, with its figures then and now.  A null figure is ``[c]`` in a published document by
``tables``' one rule (``filled``), unless it counts nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from casereview.domain.tables import Row, filled

__all__ = ["PROGRESS_DERIVED", "PROGRESS_FACTS", "PROGRESS_FIGURES", "progress_rows"]


#: Progress against earlier recommendations (issue 24): a recommendation's facts, and each basis item's
#: figures then and now (in this order; a published document has no rationale or proposal).
PROGRESS_FACTS = (
    "finding_number",
    "finding_kind",
    "text",
    "immediate",
    "due_on",
    "judgement",
    "judged_on",
    "rationale",
    "proposal",
)
PROGRESS_FIGURES = (
    "count_then",
    "total_then",
    "share_then",
    "ci_low_then",
    "ci_high_then",
    "count_now",
    "total_now",
    "share_now",
    "ci_low_now",
    "ci_high_now",
    "test",
    "p_value",
    "adjusted_p_value",
    "family_tests",
    "direction",
    "minimum_detectable_change",
)
#: Of those, the figures computed from the counts: withheld ([c]) in a published document when null.
PROGRESS_DERIVED = frozenset(PROGRESS_FIGURES) - {
    "count_then",
    "total_then",
    "count_now",
    "total_now",
    "family_tests",
}


def _progress_side(key: str) -> str:
    return "then" if key.endswith("_then") else "now" if key.endswith("_now") else "test"


def progress_rows(report: Mapping[str, Any]) -> list[Row]:
    """Progress against earlier recommendations: the count per judgement, each recommendation (its row named
    by the earlier inspection and its number, "2024 Q1 R2") and each weakness or area its finding rests on
    ("2024 Q1 R2 weakness W04").  A null figure of an item that was compared is hidden in a published
    document ([c]); one of an item that could not be compared is not applicable (``why_not`` says why)."""
    section = report.get("progress_against_recommendations")
    if not section:
        return []
    published = bool(report.get("published"))
    rows: list[Row] = [
        ("progress", "", f"recommendations_{key}", n) for key, n in section["counts"].items()
    ]
    rows += [
        ("progress", "", key, section.get(key))
        for key in ("family_tests", "printed_tests", "adjustment")
        if key in section
    ]
    for rec in section["recommendations"]:
        name = f"{rec['inspection']['name']} {rec['number']}"
        rows.append(("progress", name, "earlier_period_end", rec["inspection"]["period"][1]))
        rows += [("progress", name, key, rec[key]) for key in PROGRESS_FACTS if key in rec]
        for item in rec["items"]:
            row = f"{name} {item['kind']} {item['code']}"
            # What counts nothing: a share now of no case; a test of an item that was not compared.
            no_now = item.get("count_now") is None or item.get("total_now") == 0
            empty = {"then": False, "now": no_now, "test": no_now or bool(item.get("why_not"))}
            rows += [
                (
                    "progress",
                    row,
                    key,
                    filled(item.get(key), published, empty=empty[_progress_side(key)])
                    if key in PROGRESS_DERIVED
                    else item.get(key),
                )
                for key in PROGRESS_FIGURES
            ]
            if item.get("why_not"):
                rows.append(("progress", row, "why_not", item["why_not"]))
            if item.get("suppressed"):
                rows.append(("progress", row, "suppressed", True))
    return rows
