"""Reports as rows for spreadsheets, every text cell made safe by the one rule (``domain.cells``).

``flat_rows`` reads a report's JSON document (``Report.to_json()``, or a published report's
document as stored), so that a full report and a published one give rows of the same shape.

In a published document a hidden count is the marker ``[c]`` and a figure computed from hidden counts
is null; the rows print such a null as ``[c]`` too (a blank could be read as nothing, a zero as data),
except a share of no cases at all, which is left empty.  A banded share gets a ``band`` row in words.
A published document's rows also state the disclosure rule (and, once published, the publication date
and the audit's digest), the trend and the sample plan, so that every count it hides has a row saying
``[c]``; a full report's rows are as they were.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from casereview.domain.cells import safe_row
from casereview.domain.language import gettext_lazy, say, say_word, saying
from casereview.domain.linked import MARK
from casereview.domain.words import Kind, uk_date, words

__all__ = [
    "COLUMNS",
    "MARKER",
    "band_words",
    "figure_is_empty",
    "flat_rows",
    "is_hidden",
    "is_withheld",
    "publication_date",
    "worded",
]

COLUMNS = ("section", "row", "measure", "value")
MARKER = MARK  # how every hidden value is shown (one home: domain.linked)
DERIVED = ("share", "ci_low", "ci_high")
Row = tuple[str, str, str, Any]
AGREEMENT = ("pairs", "percent_agreement", "cohen_kappa", "weighted_kappa_linear")
#: Issue 21's agreement figures: listed when the document has them (older ones do not).
AGREEMENT_MORE = (
    "cohen_kappa_ci_low",
    "cohen_kappa_ci_high",
    "weighted_kappa_linear_ci_low",
    "weighted_kappa_linear_ci_high",
    "gwet_ac1",
    "gwet_ac1_ci_low",
    "gwet_ac1_ci_high",
    "krippendorff_alpha_ordinal",
    "prevalence_index",
    "bias_index",
    "interval_method",
)
LINK_COUNTS = (
    "reviewed_cases",
    "with_related_cases",
    "with_related_cases_and_weakness",
    "weakness_without_related_cases",
)


def is_hidden(value: Any) -> bool:
    """Whether a count is hidden: its marker (any string where a count belongs)."""
    return isinstance(value, str)


def band_words(figure: Mapping[str, Any] | None) -> str:
    """A banded share's words ("75% or more"), or "" when the figure has no band."""
    band = (figure or {}).get("band")
    if not isinstance(band, Mapping):
        return ""
    words = band.get("words")
    if words:
        return str(words)
    low, high = band.get("low"), band.get("high")
    if isinstance(low, int | float) and isinstance(high, int | float):
        return say(
            gettext_lazy("%(low)s to %(high)s", low=f"{100 * low:.0f}%", high=f"{100 * high:.0f}%")
        )
    return ""


def figure_is_empty(figure: Mapping[str, Any] | None) -> bool:
    """Whether a figure's share is undefined because it counts nothing (a shown total of 0)."""
    total = (figure or {}).get("total")
    return isinstance(total, int) and not isinstance(total, bool) and total == 0


def publication_date(report: Mapping[str, Any]) -> str | None:
    """The date a published (not preview) document was published: as stored, else the date it is as of."""
    if not report.get("published") or report.get("preview"):
        return None
    for holder in (report, report.get("disclosure") or {}):
        for key in ("published_on", "published_at"):
            if holder.get(key):
                return str(holder[key])
    as_of = (report.get("reproducibility") or {}).get("parameters", {}).get("as_of")
    return str(as_of) if as_of else None


def is_withheld(value: Any, published: bool, *, empty: bool = False) -> bool:
    """The one rule for a null: in a published document a null figure is a hidden one (``[c]``), unless
    its base is empty (it counts nothing: not applicable).  Every format asks this (CSV, spreadsheets)."""
    return value is None and published and not empty


def filled(value: Any, published: bool, *, empty: bool = False) -> Any:
    """A null figure of a published document is a hidden one: ``[c]`` (unless it counts nothing)."""
    if is_withheld(value, published, empty=empty):
        return MARKER
    return value


def _interval_rows(
    section: str, row: str, figure: Mapping[str, Any] | None, published: bool = False
) -> list[Row]:
    if not figure:
        return []
    empty = figure_is_empty(figure)
    out: list[Row] = [
        (
            section,
            row,
            measure,
            filled(figure.get(measure), published, empty=empty)
            if measure in DERIVED
            else figure.get(measure),
        )
        for measure in ("count", "total", "share", "ci_low", "ci_high")
        if measure in figure
    ]
    if "band" in figure:
        out.append((section, row, "band", band_words(figure) or None))
    return out


def _comparison_rows(section: str, row: str, items: Iterable[Mapping[str, Any]]) -> list[Row]:
    out = []
    for c in items:
        name = f"{row} against {c['against']}" if row else f"against {c['against']}"
        for measure in (
            "period_end",
            "share_then",
            "share_now",
            "test",
            "p_value",
            "family",
            "adjustment",
            "family_tests",
            "adjusted_p_value",
            "direction",
        ):
            if measure in c:
                out.append((section, name, measure, c[measure]))
        for measure in ("count_then", "total_then", "count_now", "total_now"):
            if is_hidden(c.get(measure)):
                out.append((section, name, measure, c[measure]))
        if c.get("suppressed"):
            out.append((section, name, "suppressed", True))
    return out


def _plan_rows(plan: Any, prefix: str = "") -> list[Row]:
    """The sample plan's settings, nested ones named by their path (``fixed.North``)."""
    if not isinstance(plan, Mapping):
        return []
    rows: list[Row] = []
    for key, value in plan.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            rows += _plan_rows(value, f"{name}.")
        elif isinstance(value, list):
            rows.append(("sample_plan", "", name, ", ".join(str(v) for v in value)))
        else:
            rows.append(("sample_plan", "", name, value))
    return rows


def _disclosure_rows(report: Mapping[str, Any]) -> list[Row]:
    """The rule in words and its marker; a publication's date and the audit's digest."""
    if not report.get("published"):
        return []
    disclosure = report.get("disclosure") or {}
    rule = disclosure.get("rule") or report.get("suppression")
    rows: list[Row] = [("disclosure", "", "rule", rule)] if rule else []
    rows.append(("disclosure", "", "marker", disclosure.get("marker") or MARKER))
    date = publication_date(report)
    if date:
        rows.append(("publication", "", "published_on", date))
    audit = disclosure.get("audit") or {}
    if not report.get("preview") and audit:
        rows += [
            ("disclosure", "", "audit_passed", audit.get("passed")),
            ("disclosure", "", "audit_sha256", audit.get("sha256")),
        ]
    return rows


def _trend_rows(report: Mapping[str, Any], published: bool) -> list[Row]:
    rows: list[Row] = []
    for point in report.get("trend") or []:
        name = f"{point.get('label', '')} ({point.get('period_end', '')})"
        rows += _interval_rows("trend", name, point, published)
    return rows


def _control_chart_rows(report: Mapping[str, Any]) -> list[Row]:
    """The p-chart (``domain.control``): its centre, a row per point, a row per signal."""
    chart = report.get("control_chart")
    if not isinstance(chart, Mapping):
        return []
    published = bool(report.get("published"))
    rows: list[Row] = [
        ("control_chart", "", "centre", chart.get("centre")),
        ("control_chart", "", "centre_from", chart.get("centre_from")),
        ("control_chart", "", "sigma", chart.get("sigma")),
    ]
    for point in chart.get("points") or []:
        name = f"{point.get('label', '')} ({point.get('period_end', '')})"
        hidden = bool(point.get("suppressed"))
        rows += [
            (
                "control_chart",
                name,
                measure,
                filled(point.get(measure), published and hidden)
                if measure in ("share", "lower", "upper")
                else point.get(measure),
            )
            for measure in ("kind", "count", "total", "share", "lower", "upper", "outside")
        ]
        rows.append(("control_chart", name, "rules", ", ".join(point.get("rules") or [])))
    for n, signal in enumerate(chart.get("signals") or [], start=1):
        name = f"{n}. {signal.get('rule', '')} ({signal.get('direction', '')})"
        rows += [
            ("control_chart_signals", name, "points", ", ".join(signal.get("points") or [])),
            ("control_chart_signals", name, "words", signal.get("words")),
        ]
    return rows


def _inspection_rows(report: Mapping[str, Any]) -> list[Row]:
    inspection = report.get("inspection", {})
    rows: list[Row] = [("report", "", "published", report.get("published", False))]
    rows += [
        ("inspection", "", key, inspection.get(key))
        for key in ("name", "body", "body_name", "framework", "commitment")
        if key != "body_name" or key in inspection
    ]
    return [
        *rows,
        ("inspection", "", "period_start", inspection.get("period", ["", ""])[0]),
        ("inspection", "", "period_end", inspection.get("period", ["", ""])[1]),
        ("reviews", "", "count", report.get("reviews")),
    ]


def _sample_rows(sample: Mapping[str, Any]) -> list[Row]:
    rows: list[Row] = [
        ("sample", "", key, sample.get(key))
        for key in ("frame_size", "drawn_in_casereview", "late_commitment", "algorithm")
    ]
    replacements = sample.get("replacements", [])
    count = len(replacements) if isinstance(replacements, list) else replacements
    rows.append(("sample", "", "replacements", count))
    for stratum in sample.get("strata", []):
        rows += [
            ("sample_strata", stratum["label"], "frame_size", stratum["frame_size"]),
            ("sample_strata", stratum["label"], "sampled", stratum["sampled"]),
        ]
    return rows


def _grade_rows(report: Mapping[str, Any]) -> list[Row]:
    published = bool(report.get("published"))
    rows: list[Row] = []
    for code, figure in report.get("grades", {}).items():
        rows += _interval_rows("grades", code, figure, published)
    rows += _interval_rows(
        "grades",
        "requires_improvement_or_inadequate",
        report.get("requires_improvement_or_inadequate"),
        published,
    )
    weighted = report.get("design_weighted")
    sample = report.get("sample") or {}
    if weighted is None and published and sample.get("proportional") is False:
        weighted = {}  # a disproportionate sample's estimate, withheld: [c], not missing
    if weighted is not None:
        rows += [
            (
                "design_weighted",
                "requires_improvement_or_inadequate",
                m,
                filled(weighted.get(m), published),
            )
            for m in ("share", "ci_low", "ci_high")
        ]
        rows += [
            ("design_weighted", "requires_improvement_or_inadequate", m, weighted[m])
            for m in ("effective_n", "covered_frame", "frame", "strata_ungraded", "coverage")
            if weighted.get(m) is not None
        ]
    return (
        rows
        + _comparison_rows("comparisons", "", report.get("comparisons", []))
        + (_trend_rows(report, published) if published else [])
    )


def _breakdown_rows(report: Mapping[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for key, name in (("by_category", "category"), ("by_unit", "unit")):
        for row in report.get(key, []):
            rows.append((key, row[name], "reviews", row.get("reviews")))
            if "good" in row:
                rows.append((key, row[name], "good", row["good"]))
            for code, figure in row.get("grades", {}).items():
                rows.append((key, row[name], code, figure.get("count")))
            rows += _interval_rows(
                key,
                f"{row[name]}: requires_improvement_or_inadequate",
                row.get("requires_improvement_or_inadequate"),
                bool(report.get("published")),
            )
            rows += _comparison_rows(key, row[name], row.get("comparisons", []))
    return rows


def _area_and_weakness_rows(report: Mapping[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for area in report.get("areas", []):
        for code, n in area.get("grades", {}).items():
            rows.append(("areas", area["area"], code, n))
        rows += [
            ("areas", area["area"], "not_applicable", area.get("not_applicable")),
            ("areas", area["area"], "not_graded", area.get("not_graded")),
        ]
    for w in report.get("weaknesses", []):
        rows += _interval_rows("weaknesses", w["code"], w, bool(report.get("published")))
        rows.append(("weaknesses", w["code"], "recurring", w.get("recurring")))
        if w.get("recorded_at_baseline") is False:
            rows.append(("weaknesses", w["code"], "recorded_at_baseline", False))
        rows += _comparison_rows("weaknesses", w["code"], w.get("recurrence", []))
    return rows


def _send_back_and_agreement_rows(report: Mapping[str, Any]) -> list[Row]:
    published = bool(report.get("published"))
    send_backs = report.get("send_backs", {})
    rows: list[Row] = [
        ("send_backs", "", key, send_backs.get(key)) for key in ("count", "open", "overdue")
    ]
    rows.append(
        (
            "send_backs",
            "",
            "median_days_to_response",
            filled(
                send_backs.get("median_days_to_response"),
                published,
                empty=send_backs.get("count") in (0, None),
            ),
        )
    )
    rows += [
        ("send_backs", urgency, "count", n)
        for urgency, n in send_backs.get("by_urgency", {}).items()
    ]
    agreement = report.get("agreement", {})
    no_pairs = agreement.get("pairs") in (0, None)
    more = [key for key in AGREEMENT_MORE if key in agreement]
    rows += [
        ("agreement", "team", key, filled(agreement.get(key), published, empty=no_pairs))
        for key in (*AGREEMENT, *more)
    ]
    if "warning" in agreement:
        rows.append(("agreement", "team", "warning", agreement.get("warning")))
    for pair in agreement.get("by_pair", []):
        name = " and ".join(pair["raters"])
        rows += [
            ("agreement", name, key, pair.get(key))
            for key in (*AGREEMENT, *(k for k in AGREEMENT_MORE if k in pair))
        ]
    for area in agreement.get("by_area", []):
        name = f"area {area['area']}"
        rows += [
            ("agreement", name, key, area.get(key))
            for key in (*AGREEMENT, *(k for k in AGREEMENT_MORE if k in area), "skipped")
        ]
    return rows


def _link_and_volume_rows(report: Mapping[str, Any]) -> list[Row]:
    links = report.get("links") or {}
    rows: list[Row] = [("links", "", key, links[key]) for key in LINK_COUNTS if key in links]
    rows += [
        ("links", kind, "reviewed_cases_with_related", n)
        for kind, n in links.get("by_kind", {}).items()
    ]
    rows += [("links_register", "", key, n) for key, n in links.get("register", {}).items()]
    rows += [("links_frame", "", key, n) for key, n in (links.get("frame") or {}).items()]
    rows += [
        ("links_rules", "", key, ", ".join(value) if isinstance(value, list) else value)
        for key, value in links.get("rules", {}).items()
    ]
    volume = report.get("volume") or {}
    for category, counts in volume.get("categories", {}).items():
        rows += [
            ("volume", category, quarter, n)
            for quarter, n in zip(volume.get("quarters", []), counts, strict=True)
        ]
    return rows


def _reproducibility_rows(report: Mapping[str, Any]) -> list[Row]:
    reproducibility = report.get("reproducibility", {})
    rows: list[Row] = [
        ("reproducibility", "", key, reproducibility.get(key))
        for key in ("input_sha256", "figures_sha256", "software_version")
    ]
    as_of = reproducibility.get("parameters", {}).get("as_of")
    rows.append(("reproducibility", "", "as_of", as_of))
    # The software beyond casereview's version, in documents made since it was recorded.
    if "commit" in reproducibility:
        rows.append(("reproducibility", "", "commit", reproducibility["commit"]))
    rows += [
        ("reproducibility", "version", name, version)
        for name, version in (reproducibility.get("versions") or {}).items()
    ]
    return rows


def _summary_rows(report: Mapping[str, Any]) -> list[Row]:
    """The headline sentence, and how many tests the report ran in each family and how adjusted."""
    rows: list[Row] = []
    if report.get("headline"):
        rows.append(("summary", "", "headline", report["headline"]))
    tests = report.get("multiplicity")
    if tests:
        rows.append(("multiplicity", "", "tests", tests.get("tests")))
        for family in tests.get("families", []):
            rows += [
                ("multiplicity", family["family"], "tests", family["tests"]),
                ("multiplicity", family["family"], "adjustment", family["adjustment"]),
            ]
        rows.append(("multiplicity", "", "words", tests.get("words")))
    return rows


_ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_DATES = frozenset({"period_start", "period_end", "as_of", "published_on", "published_at"})
#: Cells whose value is a code, and the words it is read in (a spreadsheet's; the CSV keeps the code).
_VALUE_WORDS = {
    ("inspection", "framework"): Kind.FRAMEWORK,
    ("sample", "algorithm"): Kind.ALGORITHM,
    ("sample_plan", "allocation"): Kind.ALLOCATION,
}


def _category_named(name: str) -> str:
    """A by-category row's name ("missing_child: …", "missing_child against Q4 2023") with the category in words."""
    for tail in (": ", " against "):
        code, found, rest = name.partition(tail)
        if found:
            return f"{words(Kind.CATEGORY, code, say_word)}{tail}{rest}"
    return words(Kind.CATEGORY, name, say_word)


#: Sections whose row names are codes, and how each is read.
_NAME_WORDS: dict[str, Callable[[str], str]] = {
    "by_category": _category_named,
    "volume": partial(words, Kind.CATEGORY, translate=say_word),
    "send_backs": partial(words, Kind.URGENCY, translate=say_word),
}


def worded(row: Row) -> Row:
    """A row as a person reads it in a spreadsheet: categories, strata, urgencies, the framework, the
    sampling algorithm and the allocation in words, dates the UK way ("31 March 2024"), all in the
    document's language (``say``); every count and figure as it is.  The section and measure columns stay the document's keys, so rows still match the CSV."""
    section, name, measure, value = row
    if isinstance(name, str):
        if section == "sample_strata":
            name = words(Kind.STRATUM, name, say_word)
        elif name and section in _NAME_WORDS:
            name = _NAME_WORDS[section](name)
        name = _ISO_DAY.sub(lambda m: uk_date(m.group(), language=saying()), name)
    kind = _VALUE_WORDS.get((section, measure))
    if kind is not None and isinstance(value, str) and value:
        value = words(kind, value, say_word)
    elif measure in _DATES and isinstance(value, str):
        value = uk_date(value, language=saying())
    return (section, name, measure, value)


def flat_rows(report: Mapping[str, Any], *, in_words: bool = False) -> list[Row]:
    """A report's JSON document as (section, row, measure, value) rows, for CSV and spreadsheets.

    ``in_words``: each row ``worded`` (the spreadsheet); without it, the codes (the CSV, for machines)."""
    # Its own module, which reads this one's rule for a null (imported here: no cycle at load).
    from casereview.domain.tables_progress import progress_rows

    preview = report.get("preview")
    rows = [
        *([("status", "", "preview", preview["label"])] if preview else []),
        *_inspection_rows(report),
        *_summary_rows(report),
        *_disclosure_rows(report),
        *_sample_rows(report.get("sample", {})),
        *(_plan_rows((report.get("sample") or {}).get("plan")) if report.get("published") else []),
        *_grade_rows(report),
        *_control_chart_rows(report),
        *_breakdown_rows(report),
        *_area_and_weakness_rows(report),
        *progress_rows(report),
        *_send_back_and_agreement_rows(report),
        *_link_and_volume_rows(report),
        *_reproducibility_rows(report),
    ]
    if in_words:
        rows = [worded(r) for r in rows]
    return [(*safe_row(r),) for r in rows]
