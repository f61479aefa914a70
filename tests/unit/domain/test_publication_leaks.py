"""The five ways an attack recovered hidden counts from a published report (issue 20), each closed.

Every test builds a full report with ``build_report``, publishes it, and reads only the published
document, as an attacker would.  ``derivations`` is an independent check, written without the
disclosure model: wherever the document prints a share, interval, comparison or estimate, every count
it is computed from must be printed too (else the figure gives the count back).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casereview.domain.agreement import PairAgreement
from casereview.domain.publication import publish, published
from casereview.domain.report import GradedCase, HistoryPoint, SendBackFact, build_report

GRADES = [
    ("good", "Good"),
    ("requires_improvement", "Requires improvement"),
    ("inadequate", "Inadequate"),
]
MARK = "[c]"


def cases_of(
    spec: list[tuple[int, str, str, str]], weaknesses: frozenset[str] = frozenset()
) -> list[GradedCase]:
    """(n, grade, category, unit) → n graded cases, stratified by category."""
    out = []
    for n, grade, category, unit in spec:
        for i in range(n):
            ref = f"{category}-{unit}-{grade}-{i}"
            out.append(GradedCase(ref, category, category, unit, grade, {"a": grade}, weaknesses))
    return out


def full(cases: list[GradedCase], **over: Any) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for c in cases:
        counts[c.category] = counts.get(c.category, 0) + 1
    args: dict[str, Any] = {
        "inspection": {"id": 1, "name": "Q", "period": ["2024-01-01", "2024-03-31"]},
        "grades": GRADES,
        "areas": [("a", "Area")],
        "cases": cases,
        "sample": {
            "frame_size": sum(100 * n for n in counts.values()),
            "plan": {"size": len(cases), "strata": ["category"], "allocation": "proportional"},
            "strata": [
                {"label": c, "frame_size": 100 * n, "sampled": n} for c, n in sorted(counts.items())
            ],
            "proportional": True,
            "replacements": [],
        },
    }
    args.update(over)
    return build_report(**args).to_json()  # type: ignore[no-any-return]


def intervals(document: Any) -> Iterator[dict[str, Any]]:
    """Every object of the document that prints a share of a count in a total."""
    if isinstance(document, dict):
        if "share" in document and "count" in document and "total" in document:
            yield document
        for value in document.values():
            yield from intervals(value)
    elif isinstance(document, list):
        for value in document:
            yield from intervals(value)


def comparisons(document: Any) -> Iterator[dict[str, Any]]:
    if isinstance(document, dict):
        if "against" in document and "direction" in document:
            yield document
        for value in document.values():
            yield from comparisons(value)
    elif isinstance(document, list):
        for value in document:
            yield from comparisons(value)


def derivations(document: dict[str, Any]) -> list[str]:
    """Printed figures computed from a count the document hides (each one a way back to it)."""
    problems = []
    for item in intervals(document):
        if item["share"] is not None and (item["count"] == MARK or item["total"] == MARK):
            problems.append(f"a share beside a hidden count: {item}")
        if item["count"] != MARK and item["total"] == MARK and item.get("share") is not None:
            problems.append(f"a shown count with a hidden total and its share: {item}")
    for c in comparisons(document):
        if "p_value" in c and MARK in (c.get("count_now"), c.get("total_now")):
            problems.append(f"a comparison of a hidden count: {c}")
    return problems


def ints(document: Any) -> list[int]:
    if isinstance(document, bool):
        return []
    if isinstance(document, int):
        return [document]
    if isinstance(document, dict):
        return [n for v in document.values() for n in ints(v)]
    if isinstance(document, list):
        return [n for v in document for n in ints(v)]
    return []


# -- 1. a hidden count's row keeps its denominator -----------------------------------------------


def test_a_three_case_inspection_prints_its_three_nowhere() -> None:
    cases = cases_of([(1, "good", "neglect", "North"), (2, "inadequate", "neglect", "North")])
    out = published(full(cases))
    assert out["reviews"] == MARK
    counts = {k: v for k, v in out.items() if k not in ("inspection", "reproducibility")}
    assert 3 not in ints(counts), json.dumps(counts)[:2000]
    assert 2 not in ints(counts) and 1 not in ints(counts)
    assert not derivations(out)


# -- 2. a shown count with a hidden denominator -----------------------------------------------------


def test_no_share_interval_or_comparison_is_printed_beside_a_hidden_count() -> None:
    cases = cases_of(
        [
            (30, "good", "missing_child", "North"),
            (25, "inadequate", "missing_child", "South"),
            (6, "inadequate", "neglect", "North"),
            (3, "good", "neglect", "South"),
        ]
    )
    history = [
        HistoryPoint(
            "Earlier",
            "2023-12-31",
            "inspection",
            30,
            60,
            by_category={"neglect": (4, 9), "missing_child": (26, 51)},
        )
    ]
    publication = publish(full(cases, history=history))
    assert publication.audit.passed
    assert not derivations(publication.document)
    neglect = next(r for r in publication.document["by_category"] if r["category"] == "neglect")
    assert MARK in (neglect["good"], neglect["reviews"])


# -- 3. the design-weighted share and its standard error ------------------------------------------


def test_the_design_weighted_estimate_is_withheld_when_a_stratum_count_is_hidden() -> None:
    cases = cases_of(
        [
            (10, "good", "neglect", "North"),
            (3, "inadequate", "neglect", "North"),
            (20, "good", "missing_child", "North"),
            (20, "inadequate", "missing_child", "North"),
            (2, "requires_improvement", "cse", "North"),
            (10, "good", "cse", "North"),
        ]
    )
    report = full(cases)
    report["sample"]["proportional"] = False  # rebuilt below with the weights
    args_sample = {**report["sample"], "proportional": False}
    again = build_report(
        inspection=report["inspection"],
        grades=GRADES,
        areas=[("a", "Area")],
        cases=cases,
        sample=args_sample,
    ).to_json()
    assert again["design_weighted"] is not None  # the full report has it
    out = published(again)
    assert out["design_weighted"] is None
    assert "strata" not in json.dumps(out["design_weighted"])


def test_the_design_weighted_estimate_is_published_when_every_stratum_count_is_safe() -> None:
    cases = cases_of(
        [
            (10, "good", "neglect", "North"),
            (8, "inadequate", "neglect", "North"),
            (20, "good", "missing_child", "North"),
            (20, "inadequate", "missing_child", "North"),
        ]
    )
    report = full(cases)
    again = build_report(
        inspection=report["inspection"],
        grades=GRADES,
        areas=[("a", "Area")],
        cases=cases,
        sample={**report["sample"], "proportional": False},
    ).to_json()
    publication = publish(again)
    weighted = publication.document["design_weighted"]
    assert weighted is not None and "strata" not in weighted
    assert publication.audit.passed


# -- 4. the same count in two tables --------------------------------------------------------------


def test_a_stratum_and_its_category_are_one_cell_treated_alike() -> None:
    cases = cases_of(
        [
            (3, "inadequate", "neglect", "North"),
            (30, "good", "missing_child", "North"),
            (30, "inadequate", "missing_child", "South"),
            (12, "good", "cse", "South"),
        ]
    )
    out = published(full(cases))
    strata = {s["label"]: s["sampled"] for s in out["sample"]["strata"]}
    rows = {r["category"]: r["reviews"] for r in out["by_category"]}
    for label, sampled in strata.items():
        assert sampled == rows[label], label  # hidden in both or shown in both, never one of each
    assert out["sample"]["plan"]["size"] == out["reviews"]


def test_fixed_counts_in_the_plan_are_the_strata_they_fix() -> None:
    cases = cases_of(
        [(4, "inadequate", "neglect", "North"), (40, "good", "missing_child", "North")]
    )
    report = full(cases)
    report["sample"]["plan"]["fixed"] = {"counts": {"neglect": 4, "missing_child": 40}}
    out = published(report)
    assert out["sample"]["plan"]["fixed"]["counts"]["neglect"] == MARK
    assert out["sample"]["strata"][1]["sampled"] == MARK  # neglect, in label order


# -- 5. complements no table protected ------------------------------------------------------------


def test_a_weakness_in_38_of_40_cases_hides_its_38() -> None:
    cases = cases_of([(38, "inadequate", "neglect", "North")], weaknesses=frozenset({"W01"}))
    cases += cases_of([(2, "good", "cse", "North")])
    out = published(full(cases))
    w01 = next(w for w in out["weaknesses"] if w["code"] == "W01")
    assert MARK in (w01["count"], w01["total"])
    assert w01["share"] is None


def test_send_backs_with_two_closed_hide_the_open_count() -> None:
    cases = cases_of([(30, "inadequate", "neglect", "North"), (30, "good", "cse", "North")])
    facts = [SendBackFact("routine", "opened", False, None) for _ in range(10)]
    facts += [
        SendBackFact("routine", "closed", False, 3.0),
        SendBackFact("routine", "closed", False, 9.0),
    ]
    out = published(full(cases, send_backs=facts))["send_backs"]
    assert MARK in (out["count"], out["open"])  # 12 and 10 would give 2 closed
    assert out["median_days_to_response"] is None  # a median of two response times
    assert out["responses"] == MARK


def test_agreement_pairs_with_a_small_disagreement_withhold_the_percentage() -> None:
    cases = cases_of([(30, "inadequate", "neglect", "North"), (30, "good", "cse", "North")])
    out = published(full(cases, agreement=[PairAgreement(("team", ""), 20, 0.9, 0.8, 0.8)]))
    assert out["agreement"]["percent_agreement"] is None  # 18 of 20: the 2 disagreements
    assert out["agreement"]["cohen_kappa"] is None


def test_one_replacement_is_hidden() -> None:
    cases = cases_of([(30, "inadequate", "neglect", "North"), (30, "good", "cse", "North")])
    report = full(cases)
    report["sample"]["replacements"] = [{"case_ref": "R1", "replaced_by": "R2", "reason": "moved"}]
    out = published(report)
    assert out["sample"]["replacements"] == MARK
    assert "R1" not in json.dumps(out) and "moved" not in json.dumps(out)


# -- the headline is always published --------------------------------------------------------------


def test_a_24_case_inspection_with_2_good_publishes_its_headline_as_a_band() -> None:
    cases = cases_of(
        [
            (2, "good", "neglect", "North"),
            (12, "requires_improvement", "neglect", "North"),
            (10, "inadequate", "missing_child", "South"),
        ]
    )
    publication = publish(full(cases))
    headline = publication.document["requires_improvement_or_inadequate"]
    assert headline["count"] == MARK
    assert headline["band"]["words"] == "75% or more"  # 22 of 24 is 91.7%; 19 of 24 is 79.2%
    assert publication.audit.passed
    now = publication.document["trend"][-1]
    assert now["band"] == headline["band"] and now["share"] is None


def test_a_shown_headline_has_no_band() -> None:
    cases = cases_of([(20, "good", "neglect", "North"), (20, "inadequate", "cse", "North")])
    headline = published(full(cases))["requires_improvement_or_inadequate"]
    assert headline["count"] == 20 and headline["band"] is None


# -- random inspections -------------------------------------------------------------------------------


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 12),
            st.sampled_from([g for g, _ in GRADES]),
            st.sampled_from(["neglect", "missing_child", "cse"]),
            st.sampled_from(["North", "South"]),
            st.sets(st.sampled_from(["W01", "W02"])),
        ),
        min_size=1,
        max_size=6,
    ),
    st.lists(st.tuples(st.sampled_from(["routine", "priority"]), st.booleans()), max_size=8),
    st.lists(st.tuples(st.integers(5, 60), st.integers(0, 60)), max_size=2),
    st.booleans(),
)
def test_any_inspection_publishes_a_document_its_auditor_passes(
    spec: list[tuple[int, str, str, str, set[str]]],
    send_backs: list[tuple[str, bool]],
    earlier: list[tuple[int, int]],
    proportional: bool,
) -> None:
    cases = [c for n, g, cat, u, w in spec for c in cases_of([(n, g, cat, u)], frozenset(w))]
    facts = [
        SendBackFact(u, "closed" if c else "opened", False, 2.0 if c else None)
        for u, c in send_backs
    ]
    history = [
        HistoryPoint(
            f"Earlier {i}",
            f"2023-0{i + 1}-28",
            "baseline",
            min(c, t),
            t,
            weaknesses={"W01": min(c, t)},
        )
        for i, (t, c) in enumerate(earlier)
    ]
    report = full(cases, send_backs=facts, history=history)
    if not proportional:  # a disproportionate sample: the design-weighted estimate is computed
        report = full(
            cases,
            send_backs=facts,
            history=history,
            sample={**report["sample"], "proportional": False},
        )
    publication = publish(report)
    assert publication.audit.passed, publication.audit.reasons()
    out = publication.document
    assert not derivations(out)
    headline = out["requires_improvement_or_inadequate"]
    assert headline["count"] != MARK or headline["band"] is not None or out["reviews"] == MARK
    hidden = {r.name for r in publication.audit.ranges if not r.sensitive}
    assert hidden <= publication.protection.hidden
