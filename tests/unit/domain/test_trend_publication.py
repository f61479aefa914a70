"""The published national trend: no hidden count can be worked back, by the trend alone or with the reports.

Each test builds a trend from known inspection results, publishes it, and attacks the published document with
a brute-force enumeration written here, independent of ``domain.linked``: every value of every hidden count
consistent with everything printed (counts, national totals, bands of percentages), and also with what each
body's own published report prints.  A hidden count from 1 to 4 must still be able to be 0 (1 for a number
of reviews: a listed inspection graded something) and 5 or more.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casereview.domain import linked
from casereview.domain.trend_publication import MARKER, published_trend, restricted_to
from casereview.domain.trend_publication_text import published_rows, published_text
from casereview.domain.trends import InspectionResult, national_trend

CAP = (
    40  # the largest hidden number of reviews the enumeration tries (enough to reach 5 and beyond)
)
SMALL = range(1, 5)


def result(
    body: str,
    day: tuple[int, int, int],
    count: int,
    total: int,
    frame: int | None = 5000,
    name: str = "",
) -> InspectionResult:
    return InspectionResult(
        body, name or f"{body} {day[0]}-{day[1]}", dt.date(*day), count, total, frame
    )


def publish(
    results: Iterable[InspectionResult],
) -> tuple[dict[str, Any], dict[str, Any], linked.Audit]:
    trend = national_trend(results)
    document, audit = published_trend(trend)
    return trend, document, audit


def own_hidden(reviews: int, count: int) -> set[str]:
    """What a body's own report hides of its headline, by the rule alone: small counts, their complements."""
    good = reviews - count
    hidden = {name for name, v in (("r", reviews), ("c", count), ("g", good)) if v in SMALL}
    if good in SMALL:
        hidden.add("c")
    if count in SMALL:
        hidden.add("g")
    return hidden


def possible(
    trend: Mapping[str, Any], document: Mapping[str, Any], *, reads_reports: bool, least: int = 1
) -> dict[tuple[str, int, str], set[int]]:
    """Every value each hidden point figure (reviews r, count c, good g) can take, given what is printed.

    ``least``: the fewest reviews an inspection can have; 1 (a listed inspection graded a case), or 0 for
    the protection rule's own model, in which a count must be able to be 0."""
    truth = {(b["body"], i): p for b in trend["bodies"] for i, p in enumerate(b["series"])}
    shown = {(b["body"], i): p for b in document["bodies"] for i, p in enumerate(b["series"])}
    out: dict[tuple[str, int, str], set[int]] = {}
    for q in document["quarters"]:
        members = [k for k, p in shown.items() if p["quarter"] == q["quarter"]]
        total = q["reviews"] if q["reviews"] != MARKER else None
        options = [point_options(shown[k], truth[k], total, reads_reports, least) for k in members]
        for i, k in enumerate(members):
            others: dict[int, set[int]] = {}
            for a, b in sums(options[:i] + options[i + 1 :]):
                others.setdefault(a, set()).add(b)
            for r, c in options[i]:
                if not any(
                    quarter_allows(q, r + a, c + b)
                    for a in ([total - r] if total is not None else list(others))
                    for b in others.get(a, ())
                ):
                    continue
                for name, v in (("r", r), ("c", c), ("g", r - c)):
                    out.setdefault((*k, name), set()).add(v)
    return out


def point_options(
    p: Mapping[str, Any],
    real: Mapping[str, Any],
    total: int | None,
    reads_reports: bool,
    least: int,
) -> list[tuple[int, int]]:
    """(reviews, count) pairs a point can have from what the trend prints of it (and its own report)."""
    unseen = own_hidden(real["reviews"], real["count"]) if reads_reports else {"r", "c", "g"}
    good = real["reviews"] - real["count"]
    r_fixed = p["reviews"] if p["reviews"] != MARKER else None
    c_fixed = p["count"] if p["count"] != MARKER else None
    if r_fixed is None and "r" not in unseen:
        r_fixed = real["reviews"]
    if c_fixed is None and "c" not in unseen:
        c_fixed = real["count"]
    if "g" not in unseen and r_fixed is None and c_fixed is not None:
        r_fixed = c_fixed + good
    if "g" not in unseen and c_fixed is None and r_fixed is not None:
        c_fixed = r_fixed - good
    band = p.get("band")
    pairs = []
    for r in [r_fixed] if r_fixed is not None else range(least, (total or CAP) + 1):
        for c in [c_fixed] if c_fixed is not None else range(0, r + 1):
            if c > r or (band and r and not band["low"] - 1e-9 <= c / r <= band["high"] + 1e-9):
                continue
            pairs.append((r, c))
    return pairs


def sums(options: list[list[tuple[int, int]]]) -> set[tuple[int, int]]:
    """Every (reviews, count) the points together can add up to."""
    acc = {(0, 0)}
    for pairs in options:
        acc = {(a + r, b + c) for a, b in acc for r, c in pairs}
    return acc


def quarter_allows(q: Mapping[str, Any], reviews: int, count: int) -> bool:
    """Whether the quarter's printed figures allow these national totals."""
    if q["reviews"] != MARKER and reviews != q["reviews"]:
        return False
    if q["count"] != MARKER and count != q["count"]:
        return False
    band = q.get("band")
    if (band or q["share"] is not None) and reviews == 0:
        return False
    if band and not band["low"] - 1e-9 <= count / reviews <= band["high"] + 1e-9:
        return False
    if q["share"] is not None and q["method"].startswith("pooled"):
        return abs(count / reviews - q["share"]) < 1e-9
    return True


def leaks(
    trend: Mapping[str, Any], document: Mapping[str, Any], *, reads_reports: bool
) -> list[str]:
    """Each small hidden point figure the enumeration narrows too far (empty: nothing leaks).

    Too far (the documented protection rule): knowing that every listed inspection graded a case, it can
    no longer be 5 or more, or fewer than 5 values remain possible."""
    found = possible(trend, document, reads_reports=reads_reports)
    out = []
    for b in trend["bodies"]:
        for i, p in enumerate(b["series"]):
            values = {"r": p["reviews"], "c": p["count"], "g": p["reviews"] - p["count"]}
            for name, true in values.items():
                if true not in SMALL:
                    continue
                can = found[(b["body"], i, name)]
                if max(can) < 5 or len(can) < 5:
                    out.append(f"{b['body']} #{i} {name}={true}: {sorted(can)[:8]}")
    return out


def hidden_figures(document: Mapping[str, Any]) -> int:
    return sum(
        p[key] == MARKER
        for b in document["bodies"]
        for p in b["series"]
        for key in ("reviews", "count")
    )


def test_a_body_with_three_reviews_alone_in_its_quarter_is_hidden_with_the_national_figure() -> (
    None
):
    trend, document, audit = publish(
        [result("AAA", (2024, 3, 31), 2, 3), result("AAA", (2024, 6, 30), 60, 100)]
    )
    assert audit.passed
    first, second = document["bodies"][0]["series"]
    assert first["reviews"] == first["count"] == first["total"] == MARKER
    assert first["share"] is first["ci_low"] is first["ci_high"] is None
    q1 = document["quarters"][0]
    assert q1["reviews"] == q1["count"] == MARKER and q1["share"] is None
    change = second["change_from_previous"]
    assert change["count_then"] == change["total_then"] == MARKER
    assert change["p_value"] is None and change["direction"] is None and change["suppressed"]
    assert (second["reviews"], second["count"]) == (100, 60)  # the later inspection is shown
    assert not leaks(trend, document, reads_reports=False)
    assert not leaks(trend, document, reads_reports=True)
    assert 3 not in first.values() and 2 not in first.values()


def test_a_body_with_three_reviews_beside_a_big_one_cannot_be_taken_from_the_national_total() -> (
    None
):
    trend, document, audit = publish(
        [result("AAA", (2024, 3, 31), 2, 3), result("BBB", (2024, 3, 31), 80, 100)]
    )
    assert audit.passed
    q = document["quarters"][0]
    # A reader of BBB's own report knows 100 and 80: the national total would give AAA's 3 back.
    assert q["reviews"] == MARKER and q["count"] == MARKER
    assert not leaks(trend, document, reads_reports=False)
    assert not leaks(trend, document, reads_reports=True)


def test_two_bodies_in_a_quarter_one_hidden_and_the_national_total_would_give_it_back() -> None:
    """24 reviews with 2 good beside 100 with 20 good: national 102 of 124 less 80 would give 22 back."""
    trend, document, audit = publish(
        [result("AAA", (2024, 6, 30), 22, 24), result("CCC", (2024, 6, 30), 80, 100)]
    )
    assert audit.passed, audit.reasons()
    aaa = document["bodies"][0]["series"][0]
    assert aaa["count"] == MARKER and aaa["reviews"] == 24
    q = document["quarters"][0]
    assert q["count"] == MARKER
    assert not leaks(trend, document, reads_reports=False)
    assert not leaks(trend, document, reads_reports=True)
    # The quarter still says something: a band the audit accepted, or its shown share.
    assert q["share"] is not None or q["band"] is not None
    ranges = {r.name: r for r in audit.ranges}
    good = ranges["AAA AAA 2024-6 (2024-06-30): good"]
    assert good.sensitive and good.low <= 0 and (good.high is None or good.high >= 5)
    # docs/reports.md's worked example: the 10-point range (80% to 90%) would hold AAA's good cases at 4
    # or fewer beside CCC's report; the 25-point one is published.
    assert q["band"] == {"low": 0.75, "high": 1.0, "wording": "75% to 100%"}
    assert q["reviews"] == 124 and (good.low, good.high) == (0, 6)


def test_with_two_small_bodies_the_national_figure_stays_and_neither_can_be_worked_back() -> None:
    trend, document, audit = publish(
        [
            result("AAA", (2024, 6, 30), 22, 24),
            result("BBB", (2024, 6, 30), 57, 60),
            result("CCC", (2024, 6, 30), 80, 100),
        ]
    )
    assert audit.passed
    assert not leaks(trend, document, reads_reports=False)
    assert not leaks(trend, document, reads_reports=True)
    q = document["quarters"][0]
    if (
        q["count"] != MARKER
    ):  # shown: then the weighted estimate (which would solve for a count) is not
        assert "not published" in q["method"]


def test_listing_an_inspection_says_it_graded_a_case_and_the_audit_knows_it() -> None:
    """1, 1 and 3 reviews with a national 5: each listed inspection graded at least one, so each is at most
    3 unless the national figure goes too (an audit that let counts be 0 found 0 to 5 and passed)."""
    trend, document, audit = publish(
        [
            result("AAA", (2024, 3, 28), 0, 1, frame=None),
            result("BBB", (2024, 3, 28), 0, 1, frame=None),
            result("CCC", (2024, 3, 28), 0, 3, frame=None),
        ]
    )
    assert audit.passed
    assert document["quarters"][0]["reviews"] == MARKER
    assert not leaks(trend, document, reads_reports=False)
    assert not leaks(trend, document, reads_reports=True)


def test_nothing_small_publishes_every_figure_as_the_trend_has_it() -> None:
    trend, document, audit = publish(
        [
            result("AAA", (2024, 3, 31), 60, 100),
            result("BBB", (2024, 3, 31), 70, 120),
            result("AAA", (2024, 6, 30), 80, 110),
        ]
    )
    assert audit.passed and audit.ranges == ()
    # Every figure as the trend has it, less what is never printed (frame sizes, and one worked from them).
    assert document["quarters"] == [
        {**{k: v for k, v in q.items() if k != "imputed_frame"}, "band": None}
        for q in trend["quarters"]
    ]
    for b, source in zip(document["bodies"], trend["bodies"], strict=True):
        assert b["series"] == [{**p, "band": None} for p in source["series"]]
    assert document["disclosure"]["rule"] == linked.RULE
    assert document["disclosure"]["marker"] == "[c]"
    assert document["disclosure"]["audit"] == {
        "passed": True,
        "sha256": audit.to_json()["sha256"],
    }


def test_a_hidden_count_hides_the_weighted_estimate_that_would_solve_for_it() -> None:
    """With frame sizes (printed in each body's report) the stratified share gives a hidden count back."""
    trend, document, audit = publish(
        [
            result("AAA", (2024, 6, 30), 22, 24, frame=400),
            result("BBB", (2024, 6, 30), 57, 60, frame=900),
            result("CCC", (2024, 6, 30), 80, 100, frame=3000),
        ]
    )
    assert "weighted" in trend["quarters"][0]["method"]
    q = document["quarters"][0]
    assert q["share"] != trend["quarters"][0]["share"]
    assert "weighted estimate is not published" in q["method"]
    assert audit.passed


def test_the_audit_lists_every_hidden_cell_and_its_digest_is_the_documents() -> None:
    trend, document, audit = publish(
        [result("AAA", (2024, 6, 30), 22, 24), result("CCC", (2024, 6, 30), 80, 100)]
    )
    printed_hidden = {
        f"AAA AAA 2024-6 (2024-06-30): {what}"
        for what, value in (("reviews", document["bodies"][0]["series"][0]["reviews"]),)
        if value == MARKER
    }
    names = {r.name for r in audit.ranges}
    assert printed_hidden <= names
    assert "AAA AAA 2024-6 (2024-06-30): requires improvement or inadequate" in names
    assert document["disclosure"]["audit"]["sha256"] == audit.to_json()["sha256"]
    assert all(r.protected for r in audit.ranges)


NUMBER = re.compile(r"(?<![\w.#-])\d+(?:\.\d+)?%?(?![\w-])")


def shown_numbers(document: Mapping[str, Any]) -> set[str]:
    """Every number the published JSON shows, as the text prints it (counts, percentages, bands, p values)."""
    out: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, bool) or value is None:
            return
        if isinstance(value, int):
            out.add(str(value))
        elif isinstance(value, float):
            out.update({f"{value * 100:.1f}%", f"{value * 100:g}%", f"{value:.3f}", repr(value)})
        elif isinstance(value, str):
            out.update(NUMBER.findall(value))
        elif isinstance(value, Mapping):
            for k, v in value.items():
                if k != "disclosure":
                    walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(document)
    return out


def test_the_text_prints_no_number_the_json_hides() -> None:
    trend, document, audit = publish(
        [
            result("AAA", (2024, 3, 31), 2, 3),
            result("BBB", (2024, 3, 31), 81, 97),
            result("AAA", (2024, 6, 30), 22, 24),
            result("CCC", (2024, 6, 30), 61, 131),
            result("DDD", (2024, 9, 30), 50, 120, frame=None),
            result("DDD", (2024, 12, 31), 71, 119, frame=None),
        ]
    )
    assert audit.passed
    text = published_text(document)
    body = text.replace(document["disclosure"]["audit"]["sha256"], "")
    body = re.sub(r"\d{4}-\d{2}-\d{2}|\d{4}-Q\d", "", body)
    printed = set(NUMBER.findall(body))
    allowed = shown_numbers(document) | {"95%"}  # the heading's "share (95% interval)"
    assert printed <= allowed, printed - allowed
    # Each hidden count's true value, where the JSON shows it nowhere, is nowhere in the text either.
    hidden_values = {
        str(real[key])
        for b, pub in zip(trend["bodies"], document["bodies"], strict=True)
        for real, p in zip(b["series"], pub["series"], strict=True)
        for key in ("reviews", "count")
        if p[key] == MARKER
    } | {
        str(real[key])
        for real, q in zip(trend["quarters"], document["quarters"], strict=True)
        for key in ("reviews", "count")
        if q[key] == MARKER
    }
    assert hidden_values - allowed, "the example must have hidden values the JSON shows nowhere"
    assert not (hidden_values - allowed) & printed
    # Line by line: each body's row prints exactly its published count and reviews.
    for b in document["bodies"]:
        for p in b["series"]:
            assert f"{p['inspection']}: {p['count']} of {p['reviews']} reviews" in text
    assert text.count("[c]") >= hidden_figures(document)
    # The CSV rows too (the rule's words and the digest aside).
    cells = " ".join(
        str(v)
        for row in published_rows(document)
        if row[0] not in ("note", "disclosure")
        for v in row[2:]
    )
    cells = re.sub(r"\d{4}-\d{2}-\d{2}", "", cells)
    assert set(NUMBER.findall(cells)) <= allowed
    assert not (hidden_values - allowed) & set(NUMBER.findall(cells))
    assert text.rstrip().endswith(document["disclosure"]["audit"]["sha256"])


def test_restricted_to_keeps_the_national_figures_of_the_whole_trend() -> None:
    _, document, _ = publish(
        [result("AAA", (2024, 6, 30), 22, 24), result("CCC", (2024, 6, 30), 80, 100)]
    )
    only = restricted_to(document, {"CCC"})
    assert [b["body"] for b in only["bodies"]] == ["CCC"]
    assert only["quarters"] == document["quarters"]
    assert only["disclosure"] == document["disclosure"]


def test_two_inspections_of_a_body_with_the_same_name_and_day_are_two_cells() -> None:
    trend, document, audit = publish(
        [
            result("AAA", (2024, 6, 30), 60, 100, name="Same"),
            result("AAA", (2024, 6, 30), 70, 100, name="Same"),
        ]
    )
    assert audit.passed
    assert [p["count"] for p in document["bodies"][0]["series"]] == [60, 70]
    assert document["quarters"][0]["count"] == 130


@st.composite
def small_trends(draw: st.DrawFn) -> list[InspectionResult]:
    bodies = draw(st.integers(2, 3))
    quarters = draw(st.integers(1, 2))
    out = []
    for b in range(bodies):
        for q in range(quarters):
            if draw(st.booleans()) or q == 0:
                total = draw(st.sampled_from([1, 2, 3, 4, 6, 9, 24, 30]))
                count = draw(st.integers(0, total))
                frame = draw(st.sampled_from([None, 500, 5000]))
                out.append(result(f"B{b}", (2024, 3 * q + 3, 28), count, total, frame=frame))
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_trends())
def test_random_small_trends_pass_the_audit_and_the_enumeration_finds_nothing(
    results: list[InspectionResult],
) -> None:
    trend, document, audit = publish(results)
    assert audit.passed, audit.reasons()
    assert not leaks(trend, document, reads_reports=False)
    assert not leaks(trend, document, reads_reports=True)
    for row in [*document["quarters"], *(p for b in document["bodies"] for p in b["series"])]:
        if row["band"]:  # a range never pins the hidden count to one value
            low, high = row["band"]["low"] * row["reviews"], row["band"]["high"] * row["reviews"]
            assert math.floor(high + 1e-9) > math.ceil(low - 1e-9), row
    text = published_text(document)
    body = re.sub(r"\d{4}-\d{2}-\d{2}|\d{4}-Q\d", "", text.replace(audit.to_json()["sha256"], ""))
    assert set(NUMBER.findall(body)) <= shown_numbers(document) | {"95%"}
