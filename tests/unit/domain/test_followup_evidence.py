"""The evidence for judging a recommendation (domain.followup_evidence), checked against independent
computations: statsmodels' Wilson interval, z-test and Holm adjustment and scipy's Fisher test, written out
here without the module's helpers; the power at the smallest detectable change from the closed formula.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from statistics import NormalDist
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import fisher_exact
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from casereview.domain.followup_evidence import (
    AREA,
    MET,
    NOT_MET,
    PARTLY_MET,
    WEAKNESS,
    BasisItem,
    Evidence,
    EvidenceError,
    check_basis,
    counts_from_report,
    evidence_for,
    evidence_for_all,
    propose,
    weighted_shares,
)
from casereview.domain.report import GradedCase, build_report

TITLES = {
    (WEAKNESS, "W04"): "Child not seen or not spoken to",
    (WEAKNESS, "W07"): "Risk assessment not updated",
    (AREA, "initial_contact"): "Initial contact",
    (AREA, "police_detention"): "Police detention",
}


def item(kind: str, code: str, found: int, total: int) -> BasisItem:
    return BasisItem(kind=kind, code=code, count=found, total=total)


def independent_test(now: tuple[int, int], then: tuple[int, int]) -> tuple[str, float]:
    """The test the statistics section names, chosen and computed here: Fisher's exact test when an
    expected count of the 2×2 table is under 5, else the two-proportion z-test."""
    (a, n), (b, m) = now, then
    rows, cols = (n, m), (a + b, n + m - a - b)
    expected = [r * c / (n + m) for r in rows for c in cols]
    if min(expected) < 5:
        return "Fisher's exact test", float(fisher_exact([[a, n - a], [b, m - b]])[1])
    if a + b in (0, n + m):
        return "two-proportion z-test", 1.0
    return "two-proportion z-test", float(proportions_ztest([a, b], [n, m])[1])


def power_by_formula(p1: float, n1: int, p2: float, n2: int, alpha: float) -> float:
    """Fleiss, Levin & Paik's power of the two-sided test (near tail), written out."""
    pbar = (n1 * p1 + n2 * p2) / (n1 + n2)
    s0 = math.sqrt(pbar * (1 - pbar) * (1 / n1 + 1 / n2))
    s1 = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    z = NormalDist().inv_cdf(1 - alpha / 2)
    return NormalDist().cdf((abs(p2 - p1) - z * s0) / s1)


# --- Hand-worked: two recommendations judged at one inspection -------------------------------------------

BASES = {
    1: [item(WEAKNESS, "W04", 55, 135), item(WEAKNESS, "W07", 40, 135)],
    2: [item(AREA, "initial_contact", 80, 130), item(WEAKNESS, "W11", 3, 135)],
    3: [item(WEAKNESS, "W04", 55, 135), item(WEAKNESS, "W07", 40, 135)],  # same finding as 1
}
NOW = {
    (WEAKNESS, "W04"): (26, 120),
    (WEAKNESS, "W07"): (37, 120),
    (WEAKNESS, "W11"): (1, 120),
    (AREA, "initial_contact"): (70, 118),
}


def test_every_figure_matches_an_independent_computation() -> None:
    found = evidence_for_all(BASES, NOW, titles=TITLES)
    distinct = [
        ("weakness", "W04"),
        ("weakness", "W07"),
        ("area", "initial_contact"),
        ("weakness", "W11"),
    ]
    then = {(i["kind"], i["code"]): (i["count"], i["total"]) for b in BASES.values() for i in b}
    raw = {k: independent_test(NOW[k], then[k]) for k in distinct}
    holm = dict(
        zip(distinct, multipletests([raw[k][1] for k in distinct], method="holm")[1], strict=True)
    )
    assert (
        raw[("weakness", "W11")][0] == "Fisher's exact test"
    )  # 1 and 3 cases: expected counts under 5
    assert raw[("weakness", "W04")][0] == "two-proportion z-test"
    for evidence in found.values():
        assert (
            evidence.family_tests == 4
        )  # recommendations 1 and 3 share their finding: one test each
        for e in evidence.items:
            key = (e.kind, e.code)
            low, high = proportion_confint(*then[key], alpha=0.05, method="wilson")
            assert [e.ci_low_then, e.ci_high_then] == pytest.approx([low, high])
            low, high = proportion_confint(*NOW[key], alpha=0.05, method="wilson")
            assert [e.ci_low_now, e.ci_high_now] == pytest.approx([low, high])
            assert e.share_then == pytest.approx(then[key][0] / then[key][1])
            assert e.share_now == pytest.approx(NOW[key][0] / NOW[key][1])
            assert e.test == raw[key][0] and e.p_value == pytest.approx(raw[key][1])
            assert e.adjusted_p_value == pytest.approx(min(1.0, holm[key]))
            fell = NOW[key][0] / NOW[key][1] < then[key][0] / then[key][1]
            expected = (
                "no significant change" if holm[key] >= 0.05 else ("better" if fell else "worse")
            )
            assert e.direction == expected
    assert [e.direction for e in found[1].items] == ["better", "no significant change"]
    assert found[1].proposal == PARTLY_MET and found[3] == found[1]
    assert found[2].proposal == NOT_MET


def test_the_smallest_detectable_change_is_where_the_power_is_80_percent_at_the_strictest_holm_level() -> (
    None
):
    (e, _) = evidence_for_all(BASES, NOW, titles=TITLES)[1].items
    assert e.minimum_detectable_change is not None and e.detectable_confidence == pytest.approx(
        1 - 0.05 / 4
    )
    p, change = 55 / 135, e.minimum_detectable_change
    powers = [power_by_formula(p, 135, p + s * change, 120, 0.05 / 4) for s in (1, -1)]
    assert min(powers) == pytest.approx(0.8, abs=1e-4) and max(powers) >= 0.8 - 1e-6
    points = round(change * 100)
    assert e.detectable_words == (
        f"From 40.7% with 135 cases before and 120 now, a change of about {points} "
        "percentage points would be caught four times in five, and a smaller one could well go unnoticed."
    )


# --- The domain brief's example -----------------------------------------------------------------------


def test_scenario_135_cases_then_one_weakness_fallen_sharply_one_unchanged_is_partly_met() -> None:
    """The quarterly follow-up of the domain brief: 135 cases then; the new sample about as large (130). The
    child not seen (W04) fell from 41% to 18%; the risk assessment not updated (W07) stayed near 30%."""
    basis = [item(WEAKNESS, "W04", 55, 135), item(WEAKNESS, "W07", 40, 135)]
    now = {(WEAKNESS, "W04"): (24, 130), (WEAKNESS, "W07"): (39, 130)}
    evidence = evidence_for(basis, now, titles=TITLES)
    assert evidence.proposal == PARTLY_MET and evidence.family_tests == 2
    w04, w07 = evidence.items
    p04 = float(proportions_ztest([24, 55], [130, 135])[1])
    p07 = float(proportions_ztest([39, 40], [130, 135])[1])
    assert p04 < 0.001 and p07 > 0.5
    assert w04.adjusted_p_value == pytest.approx(min(1, 2 * p04))  # Holm: the smallest times 2
    assert w07.adjusted_p_value == pytest.approx(max(min(1, 2 * p04), p07))
    assert w04.direction == "better" and w07.direction == "no significant change"
    assert w04.words.startswith(
        "Child not seen or not spoken to (W04): 40.7% of 135 cases then (95% CI 32.8% to 49.2%), "
        "18.5% of 130 now (95% CI"
    )
    assert w04.words.endswith(
        "better, p < 0.001 after adjusting for 2 tests (Holm; two-proportion z-test, p < 0.001 before adjusting)."
    )
    assert "no statistically significant change, p = " in w07.words
    assert evidence.reason == (
        "Proposed: partly met. 1 of the 2 weaknesses and areas the finding rests on is significantly better "
        "now, after adjusting for 2 tests (Holm): Child not seen or not spoken to (W04). Not significantly "
        "better: Risk assessment not updated (W07). The new sample is too small to tell for Risk assessment "
        'not updated (W07): it could only detect a change of about 18 percentage points. For "met" at '
        "this sample size: Risk assessment not updated (W07) would need to fall from 29.6% to 17.7% or less "
        "(23 of 130 cases)."
    )
    # 23 of 130 is significant at the strictest Holm level (0.05 / 2), 24 of 130 is not: worked out here.
    assert (
        independent_test((23, 130), (40, 135))[1]
        < 0.025
        <= independent_test((24, 130), (40, 135))[1]
    )
    assert w07.inconclusive and not w04.inconclusive and w07.met_count_now == 23


def test_met_only_when_every_item_is_significantly_better() -> None:
    basis = [item(WEAKNESS, "W04", 55, 135), item(AREA, "initial_contact", 90, 130)]
    both = evidence_for(
        basis, {(WEAKNESS, "W04"): (20, 130), (AREA, "initial_contact"): (40, 125)}, titles=TITLES
    )
    assert [e.direction for e in both.items] == ["better", "better"] and both.proposal == MET
    assert both.reason.startswith(
        "Proposed: met. Both weaknesses and areas the finding rests on are"
    )
    area = both.items[1]
    assert area.words.startswith(
        "Initial contact, graded requires improvement or inadequate: 69.2% of 130 cases where it applied then"
    )
    assert "initial_contact" not in area.words  # never a code a person cannot read


def test_not_met_says_when_one_is_significantly_worse() -> None:
    basis = [item(WEAKNESS, "W04", 20, 135), item(WEAKNESS, "W07", 40, 135)]
    worse = evidence_for(
        basis, {(WEAKNESS, "W04"): (60, 130), (WEAKNESS, "W07"): (41, 130)}, titles=TITLES
    )
    assert [e.direction for e in worse.items] == ["worse", "no significant change"]
    assert worse.proposal == NOT_MET
    assert worse.reason == (
        "Proposed: not met. 1 of the 2 weaknesses and areas the finding rests on is significantly worse "
        "now, after adjusting for 2 tests (Holm): Child not seen or not spoken to (W04). No statistically "
        "significant change: Risk assessment not updated (W07)."
    )
    # 65 of 135 then (48%): 130 cases now would show it halving (at the level of a family of one).
    alone = evidence_for(
        [item(WEAKNESS, "W07", 65, 135)], {(WEAKNESS, "W07"): (62, 130)}, titles=TITLES
    )
    assert alone.proposal == NOT_MET and alone.family_tests == 1
    assert alone.reason == (
        "Proposed: not met. The only weakness or area the finding rests on is not significantly better now. "
        "The new sample was large enough to tell: had Risk assessment not updated (W07) fallen by half, it "
        "would have shown so at least 4 times in 5. It fell, but not by enough to be sure."
    )
    power = alone.items[0].power_to_halve
    assert power == pytest.approx(power_by_formula(65 / 135, 135, 65 / 270, 130, 0.05), abs=0.01)
    assert power is not None and power >= 0.8
    assert alone.items[0].words.endswith("(two-proportion z-test; the only test, so not adjusted).")


def test_any_item_significantly_worse_is_not_met_even_when_another_is_better_each_listed_once() -> (
    None
):
    """Review item 15: W04 fell significantly, W07 rose significantly: not "partly met"."""
    basis = [item(WEAKNESS, "W04", 55, 135), item(WEAKNESS, "W07", 20, 135)]
    now = {(WEAKNESS, "W04"): (20, 130), (WEAKNESS, "W07"): (50, 130)}
    evidence = evidence_for(basis, now, titles=TITLES)
    assert [e.direction for e in evidence.items] == ["better", "worse"]
    assert evidence.proposal == NOT_MET
    assert evidence.reason == (
        "Proposed: not met. 1 of the 2 weaknesses and areas the finding rests on is significantly worse "
        "now, after adjusting for 2 tests (Holm): Risk assessment not updated (W07). Significantly better: "
        "Child not seen or not spoken to (W04)."
    )
    assert evidence.reason.count("(W07)") == 1 and evidence.reason.count("(W04)") == 1


def test_no_proposal_when_the_new_sample_has_no_case_where_an_item_applies() -> None:
    basis = [item(WEAKNESS, "W04", 55, 135), item(AREA, "police_detention", 12, 20)]
    now = {(WEAKNESS, "W04"): (10, 130), (AREA, "police_detention"): (0, 0)}
    evidence = evidence_for(basis, now, titles=TITLES)
    assert evidence.proposal is None and evidence.proposal_words == "No proposal"
    assert evidence.reason == (
        "No proposal: the new sample has no case where Police detention applied. "
        "Judge from the evidence shown for the rest."
    )
    w04, area = evidence.items
    assert w04.direction == "better" and evidence.family_tests == 1  # the area is no test
    assert not area.compared and area.p_value is None and area.adjusted_p_value is None
    assert area.words == (
        "Police detention, graded requires improvement or inadequate: 60% of 20 cases where it applied "
        "then (95% CI 38.7% to 78.1%); the new sample has no case where Police detention applied, "
        "so not compared."
    ).replace("60%", "60.0%")
    missing = evidence_for([item(WEAKNESS, "W99", 3, 10)], {})
    assert missing.proposal is None and "does not record weakness W99" in missing.reason
    nothing = evidence_for([], {})
    assert (
        nothing.proposal is None and nothing.items == () and "no weakness or area" in nothing.reason
    )
    ungraded = evidence_for([item(WEAKNESS, "W04", 3, 10)], {(WEAKNESS, "W04"): (0, 0)})
    assert "the new sample has no graded case" in ungraded.reason


def test_a_family_size_given_counts_the_others_as_p_1_never_below_the_whole_family() -> None:
    whole = evidence_for_all(BASES, NOW, titles=TITLES)
    alone = evidence_for(BASES[2], NOW, family_size=4, titles=TITLES)
    for a, w in zip(alone.items, whole[2].items, strict=True):
        assert a.adjusted_p_value is not None and w.adjusted_p_value is not None
        assert a.adjusted_p_value >= w.adjusted_p_value - 1e-12 and a.family_tests == 4
    with pytest.raises(ValueError, match="at least 2 tests"):
        evidence_for(BASES[2], NOW, family_size=1)


def test_the_evidence_is_json_and_reads_back() -> None:
    for evidence in evidence_for_all(BASES, NOW, titles=TITLES).values():
        text = json.dumps(evidence.as_dict(), allow_nan=False)
        assert Evidence.from_dict(json.loads(text)) == evidence
    data = evidence_for_all(BASES, NOW)[1].as_dict()
    assert data["proposal"] == "partly_met" and data["items"][0]["code"] == "W04"
    assert set(data) == {
        "proposal",
        "reason",
        "family_tests",
        "adjustment",
        "alpha",
        "method",
        "items",
        "inconclusive",
        "design_weighted",
    }
    # Evidence stored before these keys (and the items' new fields) existed still reads back.
    old = {k: v for k, v in data.items() if k not in ("inconclusive", "design_weighted")}
    old["items"] = [
        {k: v for k, v in i.items() if k not in ("inconclusive", "power_to_halve")}
        for i in data["items"]
    ]
    assert [i.code for i in Evidence.from_dict(old).items] == ["W04", "W07"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("W04", "must be a list"),
        (
            [{"kind": "unit", "code": "W04", "count": 1, "total": 2}],
            "kind must be a weakness or an area",
        ),
        ([{"kind": "weakness", "code": "", "count": 1, "total": 2}], "code must be text"),
        (
            [{"kind": "weakness", "code": "W04", "count": 3, "total": 2}],
            "count must be a whole number",
        ),
        (
            [{"kind": "weakness", "code": "W04", "count": True, "total": 2}],
            "count must be a whole number",
        ),
        (
            [{"kind": "weakness", "code": "W04", "count": 0, "total": 0}],
            "total must be a whole number",
        ),
        ([{"kind": "weakness", "code": "W04", "count": 1, "total": 2}] * 2, "W04 is given twice"),
        ([["weakness", "W04"]], "must give a kind"),
    ],
)
def test_a_basis_that_cannot_be_used_is_refused_saying_why(raw: Any, message: str) -> None:
    with pytest.raises(EvidenceError, match=message):
        check_basis(raw)


def test_a_good_basis_is_kept() -> None:
    raw = [{"kind": "area", "code": " initial_contact ", "count": 0, "total": 5, "extra": 1}]
    assert check_basis(raw) == [{"kind": "area", "code": "initial_contact", "count": 0, "total": 5}]


# --- The new sample counted as the report counts it ---------------------------------------------------

GRADES = [
    ("good", "Good"),
    ("requires_improvement", "Requires improvement"),
    ("inadequate", "Inadequate"),
]
AREAS = [("initial_contact", "Initial contact"), ("police_detention", "Police detention")]


def case(n: int, grades: dict[str, str], weaknesses: set[str]) -> GradedCase:
    return GradedCase(f"C{n}", "", "neglect", "North", "inadequate", grades, frozenset(weaknesses))


def test_counts_are_the_report_s_weakness_and_area_rows() -> None:
    cases = [
        case(1, {"initial_contact": "inadequate", "police_detention": "not_applicable"}, {"W04"}),
        case(
            2,
            {"initial_contact": "good", "police_detention": "requires_improvement"},
            {"W04", "W07"},
        ),
        case(3, {"initial_contact": "requires_improvement"}, set()),  # detention not graded
        case(4, {"initial_contact": "good", "police_detention": "good"}, {"W07"}),
    ]
    report = build_report(inspection={}, grades=GRADES, areas=AREAS, cases=cases, sample={})
    counts = counts_from_report(report, ["W04", "W07", "W11"])
    assert counts == {
        (WEAKNESS, "W04"): (2, 4),
        (WEAKNESS, "W07"): (2, 4),
        (WEAKNESS, "W11"): (0, 4),  # a weakness of the framework no case showed
        (AREA, "initial_contact"): (2, 4),
        (AREA, "police_detention"): (1, 2),  # of the 2 cases graded in it
    }
    doc = report.to_json()
    assert {w["code"]: (w["count"], w["total"]) for w in doc["weaknesses"]} == {
        c: v for (k, c), v in counts.items() if k == WEAKNESS and v[0]
    }


# --- Properties -------------------------------------------------------------------------------------

counts_pair = st.integers(1, 150).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


@st.composite
def judged(draw: Any) -> tuple[dict[int, list[BasisItem]], dict[tuple[str, str], tuple[int, int]]]:
    codes = draw(
        st.lists(
            st.sampled_from(["W01", "W02", "W04", "W07", "W09"]),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    then = {c: draw(counts_pair) for c in codes}
    now = {(WEAKNESS, c): draw(counts_pair) for c in codes}
    bases = {
        rec: [
            item(WEAKNESS, c, *then[c])
            for c in draw(st.lists(st.sampled_from(codes), min_size=1, unique=True))
        ]
        for rec in range(draw(st.integers(1, 3)))
    }
    return bases, now


# statsmodels' Holm collects garbage on every call (about 0.05 s here): a few dozen examples say enough.
@settings(max_examples=40)
@given(judged())
def test_adjusted_p_is_never_below_the_test_s_own_and_the_proposal_follows_the_items(
    case_: tuple[dict[int, list[BasisItem]], dict[tuple[str, str], tuple[int, int]]],
) -> None:
    bases, now = case_
    found = evidence_for_all(bases, now)
    for rec, evidence in found.items():
        directions = [e.direction for e in evidence.items]
        for e in evidence.items:
            assert e.p_value is not None and e.adjusted_p_value is not None
            assert e.p_value - 1e-12 <= e.adjusted_p_value <= 1
            assert (e.direction != "no significant change") == (e.adjusted_p_value < 0.05)
        better = directions.count("better")
        told = not all(e.inconclusive for e in evidence.items)
        expected = (
            NOT_MET
            if "worse" in directions
            else MET
            if better == len(directions)
            else PARTLY_MET
            if better
            else NOT_MET
            if told
            else None
        )
        assert evidence.proposal == expected == propose(evidence.items)[0]
        assert ("significantly worse" in evidence.reason) == ("worse" in directions)
        # Inconclusive: not better, not worse, and the sample could not tell (or it halved unseen).
        for e in evidence.items:
            then, now_ = e.share_then or 0.0, e.share_now or 0.0
            halved = then > 0 and now_ <= then * 0.5
            unsure = (e.power_to_halve or 0.0) < 0.8 or halved
            assert e.inconclusive == (e.direction == "no significant change" and unsure)
        assert (
            Evidence.from_dict(json.loads(json.dumps(evidence.as_dict(), allow_nan=False)))
            == evidence
        )
        assert len(evidence.items) == len(bases[rec])
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", " ".join(e.words for e in evidence.items))


TEMPLATE = evidence_for([item(WEAKNESS, "W04", 65, 135)], {(WEAKNESS, "W04"): (62, 130)}).items[0]


@given(
    st.lists(
        st.sampled_from(["better", "worse", "no significant change", None]), min_size=1, max_size=6
    )
)
def test_propose_is_none_when_any_item_is_not_compared(directions: list[str | None]) -> None:
    items = [replace(TEMPLATE, direction=d, why_not="" if d else "x") for d in directions]
    proposal, reason = propose(items)
    if None in directions:
        assert proposal is None and reason.startswith("No proposal")
    elif "worse" in directions:
        assert proposal == NOT_MET
    elif all(d == "better" for d in directions):
        assert proposal == MET
    elif "better" in directions:
        assert proposal == PARTLY_MET
    else:  # the template could tell (65 of 135 then, 130 now): not met
        assert not TEMPLATE.inconclusive and proposal == NOT_MET


# --- Review 24, items 13, 14, 19: a sample too small to tell; design weights; many modest falls -----------


def test_a_sample_too_small_to_tell_proposes_nothing_and_says_what_met_would_need() -> None:
    """Review item 13: 55 of 135 then (40.7%), 4 of 20 now (20%): not significant (p = 0.075), and 20 cases
    had only about 40% power to see the weakness halve. "Not met" would claim what the numbers cannot."""
    basis = [item(WEAKNESS, "W04", 55, 135)]
    small = evidence_for(basis, {(WEAKNESS, "W04"): (4, 20)}, titles=TITLES)
    (e,) = small.items
    assert e.direction == "no significant change" and e.p_value == pytest.approx(
        independent_test((4, 20), (55, 135))[1]
    )
    assert e.p_value > 0.05
    assert small.proposal is None and small.proposal_words == "No proposal"
    assert e.inconclusive and small.inconclusive and small.as_dict()["inconclusive"] is True
    assert e.power_to_halve == pytest.approx(
        power_by_formula(55 / 135, 135, 55 / 270, 20, 0.05), abs=0.01
    )
    assert e.power_to_halve is not None and e.power_to_halve < 0.8
    # "Met" at 20 cases needs 3 or fewer: 3 of 20 is significant, 4 of 20 is not (worked out here).
    assert independent_test((3, 20), (55, 135))[1] < 0.05 <= independent_test((4, 20), (55, 135))[1]
    assert (e.met_count_now, e.met_share_now) == (3, 0.15)
    points = round((e.minimum_detectable_change or 0) * 100)
    assert points == 32
    assert small.reason == (
        "No proposal: the new sample is too small to tell: it could only detect a change of about 32 "
        "percentage points. The only weakness or area the finding rests on is not significantly better now, "
        'but a smaller improvement could well go unseen, so the numbers cannot say "not met" either. For '
        '"met" at this sample size: Child not seen or not spoken to (W04) would need to fall from 40.7% to '
        "15.0% or less (3 of 20 cases). It fell, but not by enough to be sure. Judge from the evidence shown "
        "and what else you know."
    )
    # The same sample can show "met", after a large enough fall.
    assert evidence_for(basis, {(WEAKNESS, "W04"): (3, 20)}).proposal == MET
    # In a family of 6 the bar is higher (0.05 / 6): 30 cases now need 4 or fewer.
    family = evidence_for(basis, {(WEAKNESS, "W04"): (6, 30)}, family_size=6, titles=TITLES)
    assert family.proposal is None and "about 34 percentage points" in family.reason
    assert (
        independent_test((4, 30), (55, 135))[1]
        < 0.05 / 6
        <= independent_test((5, 30), (55, 135))[1]
    )
    assert family.items[0].met_count_now == 4
    # A sample large enough to see a halving: not met.
    large = evidence_for(basis, {(WEAKNESS, "W04"): (50, 130)}, titles=TITLES)
    assert large.proposal == NOT_MET and not large.items[0].inconclusive
    assert "large enough to tell" in large.reason


def test_many_modest_falls_are_said_and_the_small_sample_is_not_called_not_met() -> None:
    """Review item 19: six weaknesses each 40% → 30% of 100: none significant after Holm, all fell."""
    codes = [f"W0{i}" for i in range(1, 7)]
    evidence = evidence_for(
        [item(WEAKNESS, c, 40, 100) for c in codes], {(WEAKNESS, c): (30, 100) for c in codes}
    )
    assert {e.direction for e in evidence.items} == {"no significant change"}
    assert "All 6 fell, none by enough to be sure." in evidence.reason
    assert evidence.proposal is None  # 100 cases at 0.05 / 6 cannot see 40% halve
    mixed = evidence_for(
        [item(WEAKNESS, c, 40, 100) for c in codes[:2]],
        {(WEAKNESS, "W01"): (35, 100), (WEAKNESS, "W02"): (45, 100)},
    )
    assert "1 of the 2 fell, none by enough to be sure." in mixed.reason


def _weighted_world() -> tuple[list[GradedCase], dict[str, Any]]:
    """The review's illustration: strata of 900 and 100 cases, 30 and 100 sampled (every case of the second),
    W04 in 15 and 10; initial contact graded in 20 (12 of concern) and 50 (5 of concern)."""
    cases = []
    for i in range(30):
        grade = "not_applicable" if i >= 20 else ("inadequate" if i < 12 else "good")
        weak = frozenset({"W04"}) if i < 15 else frozenset()
        cases.append(
            GradedCase(f"A{i}", "A", "cse", "north", "good", {"initial_contact": grade}, weak)
        )
    for i in range(100):
        grade = "not_applicable" if i >= 50 else ("requires_improvement" if i < 5 else "good")
        weak = frozenset({"W04"}) if i < 10 else frozenset()
        cases.append(
            GradedCase(f"B{i}", "B", "da", "south", "good", {"initial_contact": grade}, weak)
        )
    sample = {
        "strata": [
            {"label": "A", "frame_size": 900, "sampled": 30},
            {"label": "B", "frame_size": 100, "sampled": 100},
        ],
        "proportional": False,
    }
    return cases, sample


SCALE = ["good", "requires_improvement", "inadequate"]


def test_a_disproportionate_sample_is_compared_on_its_design_weighted_shares_as_the_report_does() -> (
    None
):
    """Review item 14: unweighted, W04 is 25 of 130 (19.2%) and "better" than 40.7%; design-weighted it is
    0.9 × 50% + 0.1 × 10% = 46.0%, no better at all."""
    cases, sample = _weighted_world()
    weighted = weighted_shares(
        cases, sample, grades=SCALE, weakness_codes=["W04", "W07"], areas=["initial_contact"]
    )
    assert weighted is not None
    share, se, effective = weighted[(WEAKNESS, "W04")]
    # Written out: the stratified share and variance (the census stratum adds none).
    variance = 0.9**2 * (1 - 30 / 900) * 0.5 * 0.5 / 29
    assert share == pytest.approx(0.46) and se == pytest.approx(math.sqrt(variance))
    assert effective == pytest.approx(min(130, 0.46 * 0.54 / variance))
    assert weighted[(WEAKNESS, "W07")][0] == 0.0  # shown by no case
    # The area: a ratio of weighted counts, 900/30 × 12 + 1 × 5 of 900/30 × 20 + 1 × 50.
    assert weighted[(AREA, "initial_contact")][0] == pytest.approx(365 / 650)
    # The same figure the report gives its weakness row.
    report = build_report(
        inspection={"id": 1, "name": "Q2"},
        grades=[(g, g) for g in SCALE],
        areas=[("initial_contact", "Initial contact")],
        cases=cases,
        sample=sample,
        weakness_titles={"W04": "Child not seen or not spoken to"},
    )
    (row,) = [r for r in report.weaknesses if r.code == "W04"]
    assert row.design_weighted is not None
    assert (row.design_weighted.share, row.design_weighted.standard_error) == pytest.approx(
        (share, se)
    )

    basis = [item(WEAKNESS, "W04", 55, 135)]
    now = counts_from_report(report, ["W04"])
    unweighted = evidence_for(basis, now, titles=TITLES)
    assert unweighted.items[0].direction == "better" and unweighted.proposal == MET
    found = evidence_for(basis, now, titles=TITLES, weighted=weighted, disproportionate=True)
    (e,) = found.items
    assert e.design_weighted and found.as_dict()["design_weighted"] is True
    assert (e.count_now, e.total_now, e.share_now_unweighted) == (25, 130, pytest.approx(25 / 130))
    assert e.share_now == pytest.approx(0.46) and e.effective_now == pytest.approx(effective)
    # The Wald test with the report's floor, written out.
    then = 55 / 135
    pooled = (effective * 0.46 + 135 * then) / (effective + 135)
    v_now = max(variance, pooled * (1 - pooled) / effective)
    v_then = max(then * (1 - then) / 135, pooled * (1 - pooled) / 135)
    z = (0.46 - then) / math.sqrt(v_now + v_then)
    assert e.p_value == pytest.approx(2 * NormalDist().cdf(-abs(z)))
    assert e.test is not None and e.test.startswith("Wald test")
    assert e.direction == "no significant change" and found.proposal != MET
    assert "46.0% now, design-weighted" in e.words and "25 of 130 cases as sampled" in e.words
    # Told the sample was disproportionate but given no weights: no comparison, no proposal.
    bare = evidence_for(basis, now, titles=TITLES, disproportionate=True)
    assert bare.proposal is None and "not drawn in proportion" in bare.reason
    assert bare.items[0].p_value is None
    # A proportional sample needs none.
    assert weighted_shares(cases, {**sample, "proportional": True}, grades=SCALE) is None
