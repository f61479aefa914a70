"""Every published format prints only what the published JSON shows (issue 20).

A published report is rendered as a page, an HTML file, a PDF, a CSV and a spreadsheet, each from the same
JSON document.  Whatever the JSON hides (a count marked ``[c]``, a figure left null), no format may print:
every number a format prints must be a number of the JSON (a count, a share at the precision it is printed,
a date, an id, a label's digits), and wherever the JSON has ``[c]`` the format says ``[c]`` too.  The
documents are published versions of full reports (``domain.publication.published``; a small inspection
with counts 1 to 4 among them) and documents written by hand with every way the published JSON can hide
a value: a ``[c]`` in any count (totals included), null derived figures, a headline published as a band,
withheld comparisons that keep only their direction, and the ``disclosure`` block.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping
from html.parser import HTMLParser
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casereview.domain.agreement import PairAgreement
from casereview.domain.links import LinkRules
from casereview.domain.publication import as_preview, published
from casereview.domain.report import GradedCase, HistoryPoint, SendBackFact, build_report
from casereview.web.reports import rendering
from casereview.web.reports.charts import share_chart, volume_ticks

from . import factories
from .conftest import verified_client
from .sheets import ods_text, ods_values, tables_text, tables_values, xlsx_text, xlsx_values

MARKER = "[c]"
GRADES = [
    ("good", "Good"),
    ("requires_improvement", "Requires improvement"),
    ("inadequate", "Inadequate"),
]
FILE_FORMATS = ("html", "pdf", "csv", "xlsx", "ods", "tables")
RULE = (
    "Counts from 1 to 4, and counts whose complement within a published total is from 1 to 4, are "
    "hidden; other counts are hidden until the tightest range that can be proven from everything "
    "published includes both 0 and 5 or more."
)
AUDIT_SHA = "5e" * 32


# ---------------------------------------------------------------------------------------------------
# Reading a format back as text


class _Text(HTMLParser):
    """The text of an HTML document as a reader (or a screen reader) gets it: no style, no script."""

    def __init__(self, within: str | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.within = within  # only the text inside the first element with this id
        self.depth = 0 if within else 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.within and self.depth == 0 and dict(attrs).get("id") == self.within:
            self.depth = 1
            return
        if self.within and self.depth and tag not in ("br", "img", "input", "meta", "link"):
            self.depth += 1
        if tag in ("style", "script"):
            self.skip += 1
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self.skip -= 1
        if self.within and self.depth:
            self.depth -= 1
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skip and self.depth:
            self.parts.append(data)


def html_text(html: str, within: str | None = None) -> str:
    parser = _Text(within)
    parser.feed(html)
    return " ".join("".join(parser.parts).split())


def value_cells(fmt: str, content: bytes) -> list[Any]:
    """The value column of the CSV (the fourth), or every cell of the spreadsheet's tables."""
    if fmt == "csv":
        import csv

        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        return [row[3] for row in rows[1:]]
    if fmt == "ods":
        return ods_values(content)
    if fmt == "tables":
        return tables_values(content)
    return xlsx_values(content)


def text_of(fmt: str, content: bytes) -> str:
    if fmt == "pdf":
        from pypdf import PdfReader

        return " ".join(
            " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages
        )
    if fmt == "xlsx":
        return xlsx_text(content)  # every sheet, each cell as the spreadsheet shows it
    if fmt == "ods":
        return ods_text(content)  # every sheet, each cell's text as a reader sees it
    if fmt == "tables":
        return tables_text(content)  # every field of every CSV in the zip
    if fmt == "html":
        return html_text(content.decode("utf-8"))
    return " ".join(content.decode("utf-8-sig").split())


# ---------------------------------------------------------------------------------------------------
# What the JSON shows


def leaves(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            yield from leaves(inner, (*path, str(key)))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from leaves(inner, (*path, str(i)))
    else:
        yield path, value


def rule_texts(document: Mapping[str, Any]) -> list[str]:
    """The disclosure rule and the suppression note: words that carry their own numbers (1 to 4, 5)."""
    texts = [(document.get("disclosure") or {}).get("rule"), document.get("suppression")]
    return [" ".join(t.split()) for t in texts if isinstance(t, str) and t]


ISO_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
LONG_DATE = re.compile(
    r"\b\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December) \d{4}(?: \d{1,2}:\d{2})?"
)
#: Words of the templates that carry a number of their own (not a figure of the report).
BOILERPLATE = re.compile(
    r"SHA-256|95% (?:Wilson )?intervals?|p < 0\.05|< 0\.001|under 5\b|Page \d+ of \d+|page \d+\b|[Ss]tep \d+ of \d+"
    # The headline's fraction in words (a rounding of a share the JSON shows, or of its band).
    r"|(?:About [1-9]|Fewer than 1|More than 19) in (?:10|20)\b"
    # An urgency in words ("Routine (20 working days)", domain.words).
    r"|\(\d+ working days\)"
    # The spreadsheets' note numbers ("[note 2]" in a title, "note 2" in the notes table).
    r"|\[note \d+\]|\bnote \d+\b"
)
NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)*)(%?)(?!\w)")
#: A number with thousands separators ("2,310"), not a list of numbers (a CSV's "12,345" between fields).
THOUSANDS = re.compile(r"(?<![\w.,])\d{1,3}(?:,\d{3})+(?![\d,])")


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Numbers in ``text`` (dates taken out first), each with whether a % sign follows it."""
    text = LONG_DATE.sub(" ", ISO_DATE.sub(" ", text))
    text = THOUSANDS.sub(lambda m: m.group().replace(",", ""), text)  # "2,310" is 2310
    return [(m.group(1), bool(m.group(2))) for m in NUMBER.finditer(text)]


def _plain(token: str) -> str:
    """A whole number without leading zeros; other tokens as they are."""
    return str(int(token)) if token.isdigit() else token


def allowed_numbers(document: Mapping[str, Any]) -> tuple[set[str], set[str], list[float]]:
    """What a format may print: (plain numbers, percentages) the JSON shows, at the precisions printed,
    and the JSON's fractions (a spreadsheet keeps 15 significant digits of them)."""
    plain: set[str] = {"0.05", "0.001"}
    fractions: list[float] = []
    percent: set[str] = {
        "0",
        "25",
        "50",
        "75",
        "100",
        "95",
    }  # the trend chart's axis; 95% intervals
    rules = rule_texts(document)
    for _, value in leaves(document):
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int):
            plain.add(str(abs(value)))
        elif isinstance(value, float):
            v = abs(value)
            fractions.append(v)
            plain |= {repr(v), f"{v:.1f}", f"{v:.2f}", f"{v:.3f}"}
            # a share as the CSV tables hold it: the fraction of the percentage printed (71.2% → 0.712)
            plain.add(repr(round(float(f"{100 * v:.1f}") / 100, 6)))
            if v == int(v):
                plain.add(str(int(v)))  # a spreadsheet reads 1.0 back as 1
            percent |= {f"{100 * v:.0f}", f"{100 * v:.1f}", f"{v:.1f}", f"{v:.0f}"}
        elif isinstance(value, str):
            text = " ".join(value.split())
            for rule in rules:
                text = text.replace(rule, " ")
            for token, pct in _tokens(text):
                (percent if pct else plain).add(_plain(token))
    volume = document.get("volume") or {}
    if any(isinstance(v, int) for values in volume.get("categories", {}).values() for v in values):
        plain |= {str(t) for t in volume_ticks(volume)}  # the value axis's round steps
    # A chart's time axis writes the years it spans ("2024", or "Mar 2024" under a point)
    years = [
        int(m.group()[:4])
        for _, value in leaves(document)
        if isinstance(value, str)
        for m in ISO_DATE.finditer(value)
    ]
    if years:
        plain |= {str(y) for y in range(min(years), max(years) + 1)}
    return plain, percent, fractions


def _shown(
    token: str, pct: bool, plain: set[str], percent: set[str], fractions: list[float]
) -> bool:
    if _plain(token) in (percent if pct else plain):
        return True
    if pct or token.count(".") != 1:
        return False
    return any(abs(float(token) - v) <= 1e-13 * max(1.0, v) for v in fractions)


def assert_prints_nothing_hidden(document: Mapping[str, Any], text: str, where: str) -> None:
    """Every number ``text`` prints is one the JSON shows; nothing reads None or NaN."""
    text = " ".join(text.split())
    for rule in rule_texts(document):
        text = text.replace(rule, " ")
    for digest in {
        v
        for _, v in leaves(document)
        if isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}|[0-9a-f]{40}", v)
    }:
        # a digest (or the commit) broken across lines in the PDF
        text = re.sub(r"\s*".join(digest), " ", text)
    text = BOILERPLATE.sub(" ", text)
    plain, percent, fractions = allowed_numbers(document)
    unknown = [
        f"{token}{'%' if pct else ''}"
        for token, pct in _tokens(text)
        if not _shown(token, pct, plain, percent, fractions)
    ]
    assert not unknown, f"{where} prints numbers the JSON does not show: {unknown[:20]}"
    assert not re.search(r"\bNone\b|\bnan\b|\bNaN\b|\bnull\b", text), f"{where}: None/NaN printed"


def hidden_leaves(document: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """Where the JSON hides a count (the design-weighted estimate's own strata are never printed)."""
    return [
        path
        for path, value in leaves(document)
        if value == MARKER and path[:2] != ("design_weighted", "strata")
    ]


def check_every_format(document: Mapping[str, Any]) -> dict[str, str]:
    """Render every file format; check each prints nothing hidden and shows every [c]; their texts."""
    texts = {}
    hidden = hidden_leaves(document)
    for fmt in FILE_FORMATS:
        made = rendering.render(document, fmt)
        text = text_of(fmt, made.content)
        assert_prints_nothing_hidden(document, text, fmt)
        if hidden:
            assert MARKER in text, fmt
        if fmt in ("csv", "xlsx", "ods", "tables"):
            cells = value_cells(fmt, made.content)
            # Every hidden count of the JSON is a row of its own, shown as [c] (nulls of a published
            # document are [c] too, so there may be more), and no value cell is blank where the JSON hides.
            assert sum(c == MARKER for c in cells) >= len(hidden), (fmt, len(hidden))
        texts[fmt] = text
    return texts


# ---------------------------------------------------------------------------------------------------
# Published documents from full reports


def cases(
    n: int,
    grade: str,
    category: str = "missing_child",
    unit: str = "North",
    weaknesses: frozenset[str] = frozenset(),
) -> list[GradedCase]:
    return [
        GradedCase(
            f"{category}-{grade}-{unit}-{i}", "t", category, unit, grade, {"a": grade}, weaknesses
        )
        for i in range(n)
    ]


def full_report(graded: list[GradedCase], **over: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "inspection": {
            "id": 7,
            "name": "Q1 2024",
            "body": "SYN",
            "framework": "JTAI",
            "period": ["2024-01-01", "2024-03-31"],
            "register_sha256": "ab" * 32,
        },
        "grades": GRADES,
        "areas": [("a", "Area")],
        "cases": graded,
        "sample": {
            "drawn_in_casereview": True,
            "algorithm": "sha256-rank",
            "frame_size": 903,
            "plan": {"allocation": "proportional", "size": len(graded)},
            "strata": [
                {"label": "s", "frame_size": 3, "sampled": 3},
                {"label": "t", "frame_size": 900, "sampled": max(len(graded) - 3, 0)},
            ],
            "proportional": True,
            "replacements": [{"case_ref": "R1", "replaced_by": "R2", "reason": "moved away"}],
        },
        "as_of": "2024-04-30",
        "software_version": "0.9.0",
    }
    args.update(over)
    return build_report(**args).to_json()


def three_case_report() -> dict[str, Any]:
    """A three-case inspection: every count from 1 to 4."""
    return full_report(
        cases(1, "good") + cases(2, "inadequate", weaknesses=frozenset({"W02"})),
        history=[HistoryPoint("Q4 2023", "2023-12-31", "inspection", 3, 4, weaknesses={"W02": 1})],
        send_backs=[
            SendBackFact("urgent", "open", False, None),
            SendBackFact("routine", "closed", False, 2.0),
        ],
        agreement=[PairAgreement(("team", ""), 2, 1.0, None, None)],
        weakness_titles={"W02": "Risk not assessed"},
    )


def mixed_report() -> dict[str, Any]:
    """A larger inspection with small categories and units, history, weaknesses, links and volume."""
    graded = (
        cases(20, "good", weaknesses=frozenset({"W01"}))
        + cases(30, "requires_improvement", unit="South")
        + cases(25, "inadequate", weaknesses=frozenset({"W01", "W15"}))
        + cases(2, "inadequate", "neglect", unit="East", weaknesses=frozenset({"W09"}))
        + cases(3, "good", "neglect", unit="East")
    )
    related = {c.case_ref: {"child": 1} for c in graded[:40]}
    return full_report(
        graded,
        history=[
            HistoryPoint("Pilot", "2023-03-31", "baseline", 2, 6, weaknesses={"W01": 3}),
            HistoryPoint(
                "Q4 2023", "2023-12-31", "inspection", 40, 70, by_category={"neglect": (1, 3)}
            ),
        ],
        send_backs=[SendBackFact("urgent", "open", True, None)] * 3
        + [SendBackFact("routine", "closed", False, 4.0)] * 9,
        agreement=[
            PairAgreement(("team", ""), 9, 0.889, 0.62, 0.71),
            PairAgreement(("ann", "bob"), 9, 0.889, 0.62, 0.71),
        ],
        weakness_titles={
            "W01": "Voice of the child",
            "W09": "Late strategy",
            "W15": "Links not made",
        },
        links={
            "rules": LinkRules(),
            "related": related,
            "register": {
                "register_cases": 1200,
                "repeat_missing_children": 3,
                "repeat_missing_cases": 11,
                "place_clusters": 7,
                "place_cluster_cases": 40,
                "suspects_linked_to_several_children": 2,
                "suspect_linked_cases": 9,
            },
            "weakness": "W15",
        },
        volume={
            "quarters": ["2023 Q2", "2023 Q3", "2023 Q4", "2024 Q1"],
            "categories": {"missing_child": [40, 52, 47, 61], "neglect": [3, 9, 12, 2]},
        },
    )


@pytest.mark.parametrize("build", [three_case_report, mixed_report], ids=["three-cases", "mixed"])
def test_published_versions_of_full_reports_print_nothing_the_json_hides(
    build: Callable[[], dict[str, Any]],
) -> None:
    document = published(build())
    texts = check_every_format(document)
    assert hidden_leaves(document), "the report has small counts to hide"
    for fmt in ("html", "pdf"):
        assert "Preview" not in texts[fmt] and "Published report" in texts[fmt]
    # The preview of the same version: marked, and never with a publication date or digest.
    preview = as_preview(document, graded=2, sampled=3)
    preview_texts = check_every_format(preview)
    for fmt in FILE_FORMATS:
        assert "Preview – not published – 2 of 3 cases graded" in preview_texts[fmt], fmt
        assert "Published 20" not in preview_texts[fmt], fmt


# ---------------------------------------------------------------------------------------------------
# Documents with the new keys, written by hand (everything the published JSON can hide)


def _interval(
    count: Any, total: Any, share: float | None, low: float | None, high: float | None
) -> dict[str, Any]:
    return {"count": count, "total": total, "share": share, "ci_low": low, "ci_high": high}


HIDDEN = _interval(MARKER, MARKER, None, None, None)


def handmade(*, banded: bool = True) -> dict[str, Any]:
    """A published document hiding a value in every place it can: counts, totals and derived figures."""
    band = {"low": 0.75, "high": 1.0, "words": "75% or more"} if banded else None
    return {
        "inspection": {
            "id": 41,
            "name": "Q2 2025",
            "body": "SYN",
            "framework": "JTAI",
            "period": ["2025-04-01", "2025-06-30"],
            "commitment": "c0" * 32,
        },
        "reviews": MARKER,
        "sample": {
            "drawn_in_casereview": True,
            "imported": False,
            "algorithm": "sha256-rank",
            "commitment": "c0" * 32,
            "late_commitment": False,
            "frame_size": MARKER,
            "plan": {
                "allocation": "neyman",
                "size": MARKER,
                "fixed": {"North": MARKER, "South": 12},
            },
            "strata": [
                {"label": "North", "frame_size": MARKER, "sampled": MARKER},
                {"label": "South", "frame_size": 480, "sampled": 12},
            ],
            "proportional": False,
            "replacements": MARKER,
        },
        "grades": {
            "good": {"label": "Good", **HIDDEN},
            "requires_improvement": {"label": "Requires improvement", **HIDDEN},
            "inadequate": {"label": "Inadequate", **HIDDEN},
        },
        "requires_improvement_or_inadequate": {**HIDDEN, "band": band},
        "design_weighted": None,
        "comparisons": [
            {
                "against": "Q1 2025",
                "kind": "inspection",
                "period_end": "2025-03-31",
                "suppressed": True,
                "direction": "worse",
            },
            {
                "against": "Pilot",
                "kind": "baseline",
                "period_end": "2023-03-31",
                "suppressed": True,
            },
        ],
        "trend": [
            {
                "label": "Pilot",
                "kind": "baseline",
                "period_end": "2023-03-31",
                "now": False,
                **_interval(31, 62, 0.5, 0.378, 0.622),
            },
            {
                "label": "Q1 2025",
                "kind": "inspection",
                "period_end": "2025-03-31",
                "now": False,
                **HIDDEN,
                "suppressed": True,
            },
            {
                "label": "Q2 2025",
                "kind": "inspection",
                "now": True,
                "period_end": "2025-06-30",
                **HIDDEN,
                "suppressed": True,
                "band": band,
            },
        ],
        "by_category": [
            {
                "category": "neglect",
                "reviews": MARKER,
                "good": MARKER,
                "requires_improvement_or_inadequate": dict(HIDDEN),
                "comparisons": [],
                "suppressed": True,
            },
            {
                "category": "missing_child",
                "reviews": 17,
                "good": MARKER,
                "requires_improvement_or_inadequate": _interval(MARKER, 17, None, None, None),
                "comparisons": [
                    {
                        "against": "Q1 2025",
                        "kind": "inspection",
                        "period_end": "2025-03-31",
                        "suppressed": True,
                        "direction": "no significant change",
                    }
                ],
                "suppressed": True,
            },
        ],
        "by_unit": [
            {
                "unit": "North",
                "reviews": MARKER,
                "good": MARKER,
                "requires_improvement_or_inadequate": dict(HIDDEN),
                "comparisons": [],
                "suppressed": True,
            },
        ],
        "areas": [
            {
                "area": "a",
                "title": "Planning",
                "grades": {"good": MARKER, "requires_improvement": 0, "inadequate": MARKER},
                "not_applicable": 0,
                "not_graded": MARKER,
            },
        ],
        "weaknesses": [
            {
                "code": "W02",
                "title": "Risk not assessed",
                **_interval(18, MARKER, None, None, None),
                "recurring": True,
                "recurrence": [],
                "suppressed": True,
            },
            {
                "code": "W09",
                "title": "Late strategy",
                **HIDDEN,
                "recurring": None,
                "recurrence": [
                    {
                        "against": "Q1 2025",
                        "kind": "inspection",
                        "period_end": "2025-03-31",
                        "suppressed": True,
                    }
                ],
                "suppressed": True,
            },
        ],
        "weakness_baseline": "Q1 2025",
        "send_backs": {
            "count": MARKER,
            "by_urgency": {"urgent": MARKER, "routine": 6},
            "open": MARKER,
            "overdue": 0,
            "median_days_to_response": None,
        },
        "agreement": {
            "pairs": MARKER,
            "percent_agreement": None,
            "cohen_kappa": None,
            "weighted_kappa_linear": None,
            "fleiss_kappa": None,
        },
        "links": {
            "rules": {"repeat_missing_cases": 3},
            "definitions": {"repeat_missing_children": "a child missing in several cases"},
            "weakness": "W15",
            "reviewed_cases": MARKER,
            "with_related_cases": MARKER,
            "with_related_cases_and_weakness": MARKER,
            "weakness_without_related_cases": 8,
            "by_kind": {"child": MARKER, "suspect": 0, "place": 11},
            "register": {
                "register_cases": 1310,
                "repeat_missing_children": MARKER,
                "repeat_missing_cases": 14,
                "place_clusters": 6,
                "place_cluster_cases": MARKER,
                "suspects_linked_to_several_children": 0,
                "suspect_linked_cases": 0,
            },
            "frame": {
                "cases": MARKER,
                "repeat_missing_children": MARKER,
                "repeat_missing_cases": 14,
            },
        },
        "volume": {
            "quarters": ["2025 Q1", "2025 Q2"],
            "categories": {"neglect": [MARKER, 23], "missing_child": [37, MARKER]},
            "suppressed": True,
        },
        "published": True,
        "reproducibility": {
            "parameters": {
                "as_of": "2025-07-14",
                "final_grade": "the lead's resolution",
                "published": True,
            },
            "input_sha256": "1f" * 32,
            "figures_sha256": "2e" * 32,
            "software_version": "0.9.0",
        },
        "suppression": "Counts from 1 to 4, and other counts that would let one of them be worked out from a total, are shown as [c].",
        "disclosure": {
            "rule": RULE,
            "marker": MARKER,
            "audit": {"passed": True, "sha256": AUDIT_SHA},
        },
    }


def _once(haystack: str, needle: str) -> int:
    return haystack.count(" ".join(needle.split()))


def test_a_document_hiding_every_kind_of_value_prints_none_of_them_in_any_format() -> None:
    document = handmade()
    texts = check_every_format(document)
    for fmt in ("html", "pdf"):
        text = texts[fmt]
        assert _once(text, RULE) == 1, fmt  # the rule in words, once
        # near the top: before the first table of the body (the document's summary and contents come first)
        assert text.index(" ".join(RULE.split())) < text.index(
            "Final overall grade of each graded case"
        ), fmt
        assert "75% or more of graded cases required improvement or were inadequate" in text, fmt
        assert "Published 14 July 2025" in text and AUDIT_SHA in re.sub(r"\s", "", text), fmt
        assert "Worse (the figures are hidden)" in text, fmt
    for fmt in ("csv", "xlsx"):
        assert _once(texts[fmt], RULE) == 1 and "75% or more" in texts[fmt], fmt
        assert AUDIT_SHA in texts[fmt], fmt
    assert "2025-07-14" in texts["csv"]  # the machine file keeps ISO dates
    assert "14 July 2025" in texts["xlsx"]  # the spreadsheet reads the UK way


def test_the_html_prints_c_in_each_hidden_place_and_never_a_zero_or_a_blank() -> None:
    html = rendering.render(handmade(), "html").content.decode()
    html = html[
        html.index('id="report-body"') :
    ]  # the body (the document's summary repeats some rows)

    def row(label: str) -> list[str]:
        found = re.search(
            r"<tr[^>]*>\s*<th[^>]*>" + re.escape(label) + r"</th>(.*?)</tr>", html, re.S
        )
        assert found, label
        return [
            html_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)
        ]

    assert row("Good") == [MARKER, MARKER, MARKER]
    assert row("Requires improvement or inadequate") == [MARKER, "75% or more", MARKER]
    assert row("North") == [MARKER, MARKER]  # the stratum: frame size and sampled
    assert row("Planning") == [MARKER, "0", MARKER, "0"]  # zeros are data; hidden ones are [c]
    body = html_text(html)
    assert (
        "[c] sent back to the body; [c] still open, 0 overdue; median days to the body's first response: [c]"
        in body
    )
    assert (
        "[c] cases were marked twice, blind. The overall grades agreed in [c] of them; Cohen's kappa [c], linear-weighted kappa [c]"
        in body
    )
    assert "Graded cases [c]" in body and "[c] sampled cases replaced" in body


def test_the_chart_plots_exactly_what_the_trend_table_prints_and_says_so() -> None:
    html = rendering.render(handmade(), "html").content.decode()
    svg = re.search(r"<svg[^>]*casereview-chart.*?</svg>", html, re.S)
    assert svg
    chart = svg.group(0)
    drawn = re.search(r'<g class="cr-data">(.*?)</g>', chart, re.S).group(1)  # type: ignore[union-attr]
    # The Pilot is shown (a square with its interval), Q1 2025 is hidden (nothing), now is a band.
    assert drawn.count('width="10" height="10"') == 1 and "<circle" not in drawn
    assert drawn.count('fill-opacity="0.25"') == 1
    words = html_text(html, within="trend-chart-words")
    assert words.startswith(
        "The chart shows: Pilot: 50.0% (95% interval 37.8% to 62.2%); Q2 2025 (this inspection): 75% or more"
    )
    assert "Not plotted (figures hidden, [c]): Q1 2025." in words
    desc = html_text(re.search(r"<desc[^>]*>(.*?)</desc>", chart, re.S).group(1))  # type: ignore[union-attr]
    assert desc in words
    # The trend table prints the same: a share for the Pilot, [c] for Q1 2025, the band for now.
    table = re.search(r"over time: the figures the chart plots.*?</table>", html, re.S)
    assert table
    shares = [
        html_text(c)
        for c in re.findall(r'<td class="[^"]*numeric">(.*?)</td>', table.group(0), re.S)
    ]
    assert shares == ["50.0%", "37.8% to 62.2%", MARKER, MARKER, "75% or more", MARKER]


def test_a_hidden_current_point_without_a_band_is_not_plotted_and_earlier_shown_ones_are() -> None:
    document = handmade(banded=False)
    check_every_format(document)
    chart = share_chart(document["trend"], title="t")
    drawn = re.search(r'<g class="cr-data">(.*?)</g>', chart, re.S).group(1)  # type: ignore[union-attr]
    assert "fill-opacity" not in drawn and drawn.count('width="10" height="10"') == 1
    body = html_text(rendering.render(document, "html").content.decode())
    assert "is hidden: [c]" in body  # the headline still says something
    assert "75% or more" not in body


def test_a_preview_shows_the_rule_but_no_publication_date_or_digest() -> None:
    document = as_preview(handmade(), graded=20, sampled=24)
    texts = check_every_format(document)
    for fmt in FILE_FORMATS:
        assert AUDIT_SHA not in texts[fmt] and "Published 2025" not in texts[fmt], fmt
        assert "Preview – not published – 20 of 24 cases graded" in texts[fmt], fmt
    assert _once(texts["html"], RULE) == 1


def test_a_report_published_before_the_disclosure_block_states_its_suppression_note() -> None:
    document = handmade()
    del document["disclosure"]
    texts = check_every_format(document)
    assert _once(texts["html"], document["suppression"]) == 1
    assert "Published 14 July 2025" in texts["html"]


def test_a_full_report_keeps_its_dashes_for_undefined_figures() -> None:
    """Outside a publication a null is undefined, not hidden: "–", never [c]."""
    full = full_report([], agreement=[PairAgreement(("team", ""), 2, 1.0, None, None)])
    html = html_text(rendering.render(full, "html").content.decode())
    assert MARKER not in html and "None" not in html
    assert "Cohen's kappa –" in html


# ---------------------------------------------------------------------------------------------------
# The pages


@pytest.mark.django_db
def test_the_published_page_prints_nothing_the_json_hides(
    make_user: Callable[..., Any], body: Any
) -> None:
    from casereview.web.reports.models import PublishedReport

    lead = make_user("lead_inspector", "lead-pf")
    inspection = factories.inspection(
        lead=lead, name="Q2 2025", period_start=dt.date(2025, 4, 1), period_end=dt.date(2025, 6, 30)
    )
    document = handmade()
    document["inspection"]["id"] = inspection.pk
    publication = PublishedReport.objects.create(
        inspection=inspection,
        published_at=timezone.now(),
        published_by=lead,
        as_of=dt.date(2025, 7, 14),
        data=document,
        input_sha256="1f" * 32,
        figures_sha256="2e" * 32,
        audit={"passed": True, "sha256": AUDIT_SHA},
    )
    analyst = verified_client(make_user("analyst", "ana-pf"))
    page = analyst.get(f"/reports/{publication.pk}/")
    assert page.status_code == 200
    main = html_text(page.content.decode(), within="main-content")
    assert "Download the published version" not in main  # a reader's page: nothing of the lead's
    stored = copy.deepcopy(document)
    stored["publication_id"] = publication.pk  # the page's links name the publication
    assert_prints_nothing_hidden(stored, main, "page")
    assert MARKER in main and "75% or more of graded cases" in main
    assert _once(main, RULE) == 1 and AUDIT_SHA in main
    for fmt in FILE_FORMATS:
        got = analyst.get(f"/reports/{publication.pk}/download/?format={fmt}")
        assert got.status_code == 200, fmt
        assert_prints_nothing_hidden(document, text_of(fmt, got.content), fmt)
    assert (
        json.loads(analyst.get(f"/reports/{publication.pk}/download/?format=json").content)
        == document
    )


@pytest.mark.django_db(transaction=True)
def test_the_demo_inspection_s_preview_and_publication_print_nothing_the_json_hides(
    tmp_path: Any, make_user: Callable[..., Any]
) -> None:
    """The 24-case demo inspection (2 Good): its published version in every format, and the preview page."""
    from casereview.demo import load_demo
    from casereview.web.inspections.models import Inspection
    from casereview.web.reports.selectors import inspection_report

    made = load_demo(tmp_path, rows=500)
    current = Inspection.objects.get(pk=made["inspections"][-1])
    document = published(inspection_report(current))
    texts = check_every_format(document)
    headline = document["requires_improvement_or_inadequate"]
    for fmt in ("html", "pdf"):
        # The headline says something, always: a band ("75% or more of graded cases …") when its smallest
        # count is hidden, else the share in words ("About 9 in 10 graded cases …"). Which one depends on
        # the demo's draw, whose seed is committed at random on each load.
        assert "graded cases" in texts[fmt], fmt
        if isinstance(headline.get("band"), Mapping):
            assert headline["band"]["words"] in texts[fmt], fmt
    lead = verified_client(current.lead)
    page = lead.get(f"/reports/inspection/{current.pk}/?published=1")
    assert page.status_code == 200
    main = html_text(page.content.decode(), within="main-content")
    body = html_text(page.content.decode(), within="report-body")  # not the lead's to-do list
    shown = lead.get(f"/reports/inspection/{current.pk}/download/?format=json&published=1").json()
    stored = {**shown, "inspection_pk": current.pk}  # the page's links name the inspection
    assert_prints_nothing_hidden(stored, body, "preview page")
    assert shown["preview"]["label"] in main


# ---------------------------------------------------------------------------------------------------
# Any count hidden, any derived figure withheld: the formats do not break and print nothing hidden

KEPT = ("inspection", "reproducibility", "preview")  # ids, dates and digests: not figures


def _hide(
    document: Any, chosen: Callable[[tuple[str, ...]], bool], path: tuple[str, ...] = ()
) -> Any:
    """``document`` with every count ``chosen`` picks as [c] and every figure it picks as null."""
    if isinstance(document, Mapping):
        return {k: _hide(v, chosen, (*path, str(k))) for k, v in document.items()}
    if isinstance(document, list):
        return [_hide(v, chosen, (*path, str(i))) for i, v in enumerate(document)]
    if path[:1] in {(k,) for k in KEPT} or path[:2] == ("links", "rules") or not chosen(path):
        return document
    if isinstance(document, int) and not isinstance(document, bool):
        return MARKER
    if isinstance(document, float):
        return None
    if isinstance(document, str) and path in {("headline",), ("multiplicity", "words")}:
        return None  # a sentence made from the figures goes with them (the publisher writes it so)
    return document


@pytest.mark.parametrize("build", [three_case_report, mixed_report], ids=["three-cases", "mixed"])
def test_every_count_hidden_and_every_figure_withheld_prints_nothing_but_c(
    build: Callable[[], dict[str, Any]],
) -> None:
    document = _hide(published(build()), lambda _: True)
    texts = check_every_format(document)
    for fmt in ("html", "pdf"):
        assert "is hidden: [c]" in texts[fmt], fmt


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2**32 - 1), st.sampled_from(["three-cases", "mixed"]))
def test_any_mix_of_hidden_counts_and_withheld_figures_prints_nothing_hidden(
    seed: int, which: str
) -> None:
    """Hide a random half of the counts and figures of a published report: HTML, CSV and XLSX stay honest."""
    base = published(three_case_report() if which == "three-cases" else mixed_report())

    def chosen(path: tuple[str, ...]) -> bool:
        return hashlib.sha256(f"{seed}:{'/'.join(path)}".encode()).digest()[0] < 128

    document = _hide(base, chosen)
    hidden = hidden_leaves(document)
    for fmt in ("html", "csv", "xlsx", "ods", "tables"):
        made = rendering.render(document, fmt)
        text = text_of(fmt, made.content)
        assert_prints_nothing_hidden(document, text, fmt)
        if hidden:
            assert MARKER in text, fmt
        if fmt != "html":
            assert sum(c == MARKER for c in value_cells(fmt, made.content)) >= len(hidden), fmt
