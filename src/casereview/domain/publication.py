"""The report for publication: small numbers suppressed, nothing that names a case or a person.

Every published table goes through ``disclosure.suppress``: counts from 1 to
4 and complementary cells are shown as ``[c]``; shares and
intervals of a hidden count are null.  Which tables and why:

* overall grades: one row (good, requires improvement, inadequate) whose
  total, the number of reviews, is published; the combined "requires
  improvement or inadequate" is shown only when both its parts are, or when
  it can be worked out anyway (good and the total shown) and is not small;
* by category and by unit: two columns (good, requires improvement or
  inadequate); the split between requires improvement and inadequate is not
  published per category or unit, because no suppression pattern of three
  columns keeps every derived sum safe;
* area grade distributions, send backs by urgency: rows with their totals;
* weaknesses: counts under 5 hidden; their comparisons with earlier results
  are dropped where either count is small;
* comparisons and the trend: points whose count (or its complement) is small
  lose their figures and keep only the direction and p value where the
  current figure is shown;
* links: the reviewed cases with related cases split by whether the
  inspector found the links not made (one row with its total), the other
  counts each on their own;
* recorded cases per category per quarter: categories by quarters with
  their totals.

Dropped entirely: case references, replacement reasons, the register's hash,
inspectors' names in the agreement table, free text of every kind.

``published`` reads the typed report (``domain.report_model.Report``) and
returns the published report's JSON document: that document is what is
stored, served and shown, as it was on the day it was published.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from .disclosure import SMALL, mark, suppress
from .report import figures_digest
from .report_model import (
    AreaRow,
    BreakdownRow,
    Comparison,
    GradeFigure,
    Report,
    SendBacks,
    TrendPoint,
    WeaknessRow,
)

SUPPRESSION_NOTE = "Counts from 1 to 4, and other counts that would let one of them be worked out from a total, are shown as [c]."


def _shown(n: Any) -> Any:
    """A count as published: its mark when it is from 1 to 4."""
    return mark(n) if _small(n) else n


def _small(n: Any) -> bool:
    return isinstance(n, int) and n in SMALL


def _hidden_interval(value: Mapping[str, Any], marker: str) -> dict[str, Any]:
    return {**value, "count": marker, "share": None, "ci_low": None, "ci_high": None}


def _withheld(c: Comparison) -> dict[str, Any]:
    """A comparison whose figures are not published: what it was against, and that it was suppressed."""
    return {"against": c.against, "kind": c.kind, "period_end": c.period_end, "suppressed": True}


def _comparison_safe(c: Comparison) -> bool:
    return not any(
        _small(n)
        for n in (c.count_then, c.total_then - c.count_then, c.count_now, c.total_now - c.count_now)
    )


def _comparisons(items: Sequence[Comparison]) -> list[dict[str, Any]]:
    return [c.to_json() if _comparison_safe(c) else _withheld(c) for c in items]


def _overall(report: Report, reviews: int | str, *, hide_all: bool = False) -> dict[str, Any]:
    """Overall grades: lines (good, RI, I | reviews) and (RI, I | combined); ``hide_all`` when a breakdown needs it.

    ``reviews`` is the number of reviews as published so far (a breakdown may have hidden it already).
    Returns the report's keys reviews, grades, requires_improvement_or_inadequate, design_weighted and
    comparisons as published.
    """
    grades: Mapping[str, GradeFigure] = report.grades
    codes = list(grades)
    row = [grades[c].figure.count for c in codes]
    hidden = suppress([row])
    cells = {j for _, j in hidden.cells}
    reviews_hidden = 0 in hidden.row_totals or hidden.grand_total or not isinstance(reviews, int)
    combined = report.requires_improvement_or_inadequate
    concern_hidden = [j for j in range(1, len(codes)) if j in cells]
    combined_hidden = _small(combined.count) or len(concern_hidden) == 1 or reviews_hidden
    if _small(combined.count) and 0 not in cells and not reviews_hidden:
        cells.add(0)  # reviews minus good would give the small combined count
    if hide_all:
        cells |= {j for j, n in enumerate(row) if n}
        combined_hidden = combined_hidden or bool(combined.count)
    shown_grades = {
        code: _hidden_interval(grades[code].to_json(), mark(row[j]))
        if j in cells
        else grades[code].to_json()
        for j, code in enumerate(codes)
    }
    weighted = report.design_weighted
    return {
        "reviews": mark(reviews) if reviews_hidden and isinstance(reviews, int) else reviews,
        "grades": shown_grades,
        "requires_improvement_or_inadequate": _hidden_interval(
            combined.to_json(), mark(combined.count)
        )
        if combined_hidden
        else combined.to_json(),
        "design_weighted": None if combined_hidden or weighted is None else weighted.to_json(),
        "comparisons": [_withheld(c) for c in report.comparisons]
        if combined_hidden
        else _comparisons(report.comparisons),
    }


def _breakdown(rows: Sequence[BreakdownRow]) -> tuple[list[dict[str, Any]], bool, bool]:
    """Rows (good, requires improvement or inadequate | reviews), and whether the overall grades, and the
    number of reviews, must be hidden too so that no hidden cell can be worked out."""
    table = []
    for row in rows:
        concern = row.requires_improvement_or_inadequate.count
        table.append([row.reviews - concern, concern])
    hidden = suppress(table) if table else None
    out = []
    for i, row in enumerate(rows):
        good_hidden = hidden is not None and (i, 0) in hidden.cells
        concern_hidden = hidden is not None and (i, 1) in hidden.cells
        total_hidden = hidden is not None and i in hidden.row_totals
        combined = row.requires_improvement_or_inadequate.to_json()
        out.append(
            {
                row.key: row.name,
                "reviews": mark(row.reviews) if total_hidden else row.reviews,
                "good": mark(table[i][0]) if good_hidden else table[i][0],
                "requires_improvement_or_inadequate": _hidden_interval(combined, mark(table[i][1]))
                if concern_hidden
                else combined,
                "comparisons": [] if concern_hidden else _comparisons(row.comparisons),
                "suppressed": bool(good_hidden or concern_hidden or total_hidden),
            }
        )
    return out, bool(hidden and hidden.column_totals), bool(hidden and hidden.grand_total)


def _areas(rows: Sequence[AreaRow]) -> list[dict[str, Any]]:
    if not rows:
        return []
    codes = list(rows[0].grades)
    columns = [*codes, "not_applicable", "not_graded"]
    table = [[*(r.grades[c] for c in codes), r.not_applicable, r.not_graded] for r in rows]
    hidden = suppress(table)
    out = []
    for i, row in enumerate(rows):
        cells = {
            col: (mark(table[i][j]) if (i, j) in hidden.cells else table[i][j])
            for j, col in enumerate(columns)
        }
        out.append(
            {
                "area": row.area,
                "title": row.title,
                "grades": {c: cells[c] for c in codes},
                "not_applicable": cells["not_applicable"],
                "not_graded": cells["not_graded"],
            }
        )
    return out


def _weaknesses(rows: Sequence[WeaknessRow]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        shaped = row.to_json()
        if _small(row.figure.count):
            hidden = _hidden_interval(shaped, mark(row.figure.count))
            out.append({**hidden, "recurrence": [], "suppressed": True})
        else:
            out.append({**shaped, "recurrence": _comparisons(row.recurrence), "suppressed": False})
    return out


def _send_backs(facts: SendBacks) -> dict[str, Any]:
    urgencies = list(facts.by_urgency)
    row = [facts.by_urgency[u] for u in urgencies]
    hidden = suppress([row]) if row else None
    by_urgency = {
        u: (mark(row[j]) if hidden and (0, j) in hidden.cells else row[j])
        for j, u in enumerate(urgencies)
    }
    count = facts.count
    total_hidden = _small(count) or bool(hidden and (0 in hidden.row_totals or hidden.grand_total))
    return {
        "count": mark(count) if total_hidden else count,
        "by_urgency": by_urgency,
        "open": _shown(facts.open),
        "overdue": _shown(facts.overdue),
        "median_days_to_response": None if total_hidden else facts.median_days_to_response,
    }


def _trend(points: Sequence[TrendPoint], now: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The trend as published; ``now`` is the published requires improvement or inadequate."""
    out = []
    for p in points:
        count, total = p.figure.count, p.figure.total
        if _small(count) or _small(total - count):
            marker = mark(count) if _small(count) else "[c]"
            out.append({**_hidden_interval(p.to_json(), marker), "suppressed": True})
        else:
            out.append(p.to_json())
    if out and isinstance(now["count"], str):
        out[-1] = {**_hidden_interval(out[-1], now["count"]), "suppressed": True}
    return out


def _links(section: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if section is None:
        return None
    out = copy.deepcopy(dict(section))
    found, related = (
        int(section["with_related_cases_and_weakness"]),
        int(section["with_related_cases"]),
    )
    row = [found, related - found]
    hidden = suppress([row])
    out["with_related_cases_and_weakness"] = mark(found) if (0, 0) in hidden.cells else found
    out["with_related_cases"] = (
        mark(related) if 0 in hidden.row_totals or hidden.grand_total else related
    )
    for key in ("weakness_without_related_cases", "reviewed_cases"):
        out[key] = _shown(section[key])
    out["by_kind"] = {kind: _shown(n) for kind, n in section["by_kind"].items()}
    out["register"] = {key: _shown(n) for key, n in section["register"].items()}
    if section.get("frame") is not None:
        out["frame"] = {key: _shown(n) for key, n in section["frame"].items()}
    return out


def _volume(volume: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if volume is None:
        return None
    categories = list(volume["categories"])
    table = [list(volume["categories"][c]) for c in categories]
    if not table:
        return {**copy.deepcopy(dict(volume)), "suppressed": False}
    hidden = suppress(table)
    return {
        "quarters": list(volume["quarters"]),
        "categories": {
            c: [mark(v) if (i, j) in hidden.cells else v for j, v in enumerate(table[i])]
            for i, c in enumerate(categories)
        },
        "suppressed": bool(hidden.cells),
    }


def _inspection(inspection: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(inspection))
    out.pop("register_sha256", None)
    return out


def _sample(given: Mapping[str, Any]) -> dict[str, Any]:
    """The sample without replaced cases' references and reasons (their number only), small strata marked."""
    sample = copy.deepcopy(dict(given))
    replacements = sample.pop("replacements", [])
    sample["replacements"] = len(replacements) if isinstance(replacements, list) else replacements
    strata = sample.get("strata", [])
    if strata:
        for column, total_key in (("frame_size", "frame_size"), ("sampled", None)):
            values = [int(st[column]) for st in strata]
            hidden = suppress([[v] for v in values])
            for i, st in enumerate(strata):
                if (i, 0) in hidden.cells:
                    st[column] = mark(values[i])
            if total_key and hidden.column_totals and isinstance(sample.get(total_key), int):
                sample[total_key] = mark(sample[total_key])
    return sample


def published(report: Report | Mapping[str, Any]) -> dict[str, Any]:
    """The JSON document of ``report`` fit to publish (see the module's description).

    ``report`` is the typed report, or a full report's JSON document (read with ``Report.from_json``).
    """
    if not isinstance(report, Report):
        report = Report.from_json(report)
    by_category, category_totals_hidden, category_grand_hidden = _breakdown(report.by_category)
    by_unit, unit_totals_hidden, unit_grand_hidden = _breakdown(report.by_unit)
    reviews: int | str = report.reviews
    if category_grand_hidden or unit_grand_hidden:
        reviews = mark(report.reviews)
    overall = _overall(report, reviews, hide_all=category_totals_hidden or unit_totals_hidden)
    agreement = report.agreement.to_json()
    agreement.pop("by_pair", None)
    reproducibility = report.reproducibility.to_json()
    reproducibility["parameters"] = {**reproducibility["parameters"], "published": True}
    out: dict[str, Any] = {
        "inspection": _inspection(report.inspection),
        "reviews": overall["reviews"],
        "sample": _sample(report.sample),
        "grades": overall["grades"],
        "requires_improvement_or_inadequate": overall["requires_improvement_or_inadequate"],
        "design_weighted": overall["design_weighted"],
        "comparisons": overall["comparisons"],
        "trend": _trend(report.trend, overall["requires_improvement_or_inadequate"]),
        "by_category": by_category,
        "by_unit": by_unit,
        "areas": _areas(report.areas),
        "weaknesses": _weaknesses(report.weaknesses),
        "weakness_baseline": report.weakness_baseline,
        "send_backs": _send_backs(report.send_backs),
        "agreement": agreement,
        "links": _links(report.links),
        "volume": _volume(report.volume),
        "published": True,
        "reproducibility": reproducibility,
        "suppression": SUPPRESSION_NOTE,
    }
    out["reproducibility"]["figures_sha256"] = figures_digest(out)
    return out


def preview_words(*, graded: int, sampled: int) -> str:
    """How every preview of a published version is headed, so it cannot pass for a publication."""
    return f"Preview – not published – {graded:,} of {sampled:,} cases graded"


def as_preview(document: Mapping[str, Any], *, graded: int, sampled: int) -> dict[str, Any]:
    """A published version that is not published (yet): marked first thing in the document, and in every
    output made from it (heading, file name ``…-preview``, the first row of the CSV and spreadsheet)."""
    label = preview_words(graded=graded, sampled=sampled)
    return {"preview": {"label": label, "graded": graded, "sampled": sampled}, **document}
