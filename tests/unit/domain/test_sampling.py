from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import random

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casereview.domain.sampling import (
    Allocation,
    PlanError,
    SamplePlan,
    allocate,
    draw,
    manifest,
    margin_for,
    parse_plan,
    plan_from_mapping,
    rank_key,
    sample_size,
    verify_manifest,
)

SEED = bytes(range(32))


def cases(n: int, seed: int = 1) -> pl.DataFrame:
    rng = random.Random(seed)
    return pl.DataFrame(
        {
            "case_ref": [f"C{i:05d}" for i in range(n)],
            "category": [
                rng.choice(["missing_child", "domestic_abuse", "neglect"]) for _ in range(n)
            ],
            "reported_on": [
                dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(200)) for _ in range(n)
            ],
            "unit": [rng.choice(["North", "South"]) for _ in range(n)],
            "risk_level": ["high"] * n,
            "status": ["open"] * n,
            "outcome": [None] * n,
            "child_age": [7] * n,
        },
        schema_overrides={"outcome": pl.String, "child_age": pl.Int16},
    )


def test_the_sample_size_formula_matches_the_domain_brief() -> None:
    assert sample_size(margin=0.05, confidence=0.95, proportion=0.5) == 385
    assert sample_size(margin=0.05, confidence=0.95, proportion=0.5, population=10_000) == 370
    assert sample_size(margin=0.1, confidence=0.95, proportion=0.5, population=135) == 57
    assert margin_for(
        size=370, confidence=0.95, proportion=0.5, population=10_000
    ) == pytest.approx(0.05, abs=1e-3)
    with pytest.raises(PlanError):
        sample_size(margin=0, confidence=0.95, proportion=0.5)


def test_proportional_allocation_uses_largest_remainders_and_minimums() -> None:
    plan = SamplePlan(size=10, minimum_per_stratum=0)
    got = {a.label: a.allocated for a in allocate({"a": 5, "b": 3, "c": 2}, plan)}
    assert got == {"a": 5, "b": 3, "c": 2}
    got = {
        a.label: a.allocated for a in allocate({"a": 700, "b": 200, "c": 100}, SamplePlan(size=10))
    }
    assert got == {"a": 7, "b": 2, "c": 1}
    got = {a.label: a.wanted for a in allocate({"a": 650, "b": 250, "c": 100}, SamplePlan(size=11))}
    assert got == {
        "a": 7,
        "b": 3,
        "c": 1,
    }  # 7.15, 2.75, 1.1: the largest remainder (b) gets the spare case
    got = {
        a.label: a.allocated
        for a in allocate({"a": 980, "b": 10, "c": 10}, SamplePlan(size=20, minimum_per_stratum=5))
    }
    assert got == {"a": 10, "b": 5, "c": 5}


def test_a_small_stratum_gives_all_it_has_and_says_so() -> None:
    result = {
        a.label: a
        for a in allocate({"a": 100, "b": 2}, SamplePlan(size=10, allocation=Allocation.EQUAL))
    }
    assert (result["b"].wanted, result["b"].allocated, result["b"].short) == (5, 2, 3)
    assert result["a"].allocated == 5


def test_neyman_and_fixed_allocation() -> None:
    plan = SamplePlan(size=10, allocation=Allocation.NEYMAN, expected={"a": 0.5, "b": 0.1})
    got = {a.label: a.allocated for a in allocate({"a": 100, "b": 100}, plan)}
    assert got == {"a": 6, "b": 4}  # weights 50 and 30
    fixed = SamplePlan(size=10, allocation=Allocation.FIXED, counts={"a": 3})
    assert {a.label: a.allocated for a in allocate({"a": 100, "b": 100}, fixed)} == {"a": 3, "b": 0}
    with pytest.raises(PlanError, match="'zz'"):
        allocate({"a": 1}, SamplePlan(size=1, allocation=Allocation.FIXED, counts={"zz": 1}))


def test_plans_are_parsed_and_every_problem_is_named() -> None:
    plan = parse_plan(
        'size = 120\nstrata = ["category", "unit"]\nallocation = "equal"\nreserve = 2\n'
        '[frame]\nreported_from = 2024-01-01\ncategories = ["missing_child"]\n'
    )
    assert plan.strata == ("category", "unit") and plan.frame.reported_from == dt.date(2024, 1, 1)
    with pytest.raises(PlanError) as caught:
        parse_plan(
            'size = 0\nstrata = ["ethnicity"]\nallocation = "best"\n[frame]\ncategories = ["burglary"]\n'
        )
    text = str(caught.value)
    for fragment in ("size", "'ethnicity'", "allocation", "'burglary'"):
        assert fragment in text


def test_the_rank_key_is_hmac_sha256_of_the_trimmed_reference() -> None:
    assert rank_key(SEED, " C1 ") == hmac.new(SEED, b"C1", hashlib.sha256).digest()


def test_the_sample_is_the_lowest_keys_per_stratum_whatever_the_row_order() -> None:
    frame = cases(500)
    plan = SamplePlan(size=30, strata=("category",), reserve=4)
    first = draw(frame, seed=SEED, plan=plan)
    shuffled = draw(frame.sample(fraction=1.0, shuffle=True, seed=9), seed=SEED, plan=plan)
    assert first == shuffled
    for stratum in first:
        refs = frame.filter(pl.col("category") == stratum.label)["case_ref"].to_list()
        expected = sorted(refs, key=lambda r: rank_key(SEED, r))
        assert stratum.sample == expected[: stratum.allocated]
        assert stratum.reserve == expected[stratum.allocated : stratum.allocated + 4]
    assert sum(len(s.sample) for s in first) == 30


def test_another_seed_gives_another_sample() -> None:
    plan = SamplePlan(size=20)
    assert draw(cases(300), seed=SEED, plan=plan) != draw(cases(300), seed=bytes(32), plan=plan)


def test_the_frame_filter_and_unknown_strata_values() -> None:
    plan = plan_from_mapping(
        {"size": 10, "strata": ["unit"], "frame": {"reported_to": "2024-01-31", "units": ["North"]}}
    )
    result = draw(cases(400), seed=SEED, plan=plan)
    assert [s.label for s in result] == ["North"]
    frame = cases(400).filter(
        (pl.col("reported_on") <= dt.date(2024, 1, 31)) & (pl.col("unit") == "North")
    )
    assert result[0].frame_size == frame.height


def doc(frame: pl.DataFrame, plan: SamplePlan) -> dict[str, object]:
    return manifest(
        strata=draw(frame, seed=SEED, plan=plan),
        seed=SEED,
        committed_at="t",
        register_sha256="abc",
        register_imported_at="t",
        plan=plan,
        late_commitment=False,
    )


def test_verification_passes_and_names_the_first_difference() -> None:
    frame, plan = cases(300), SamplePlan(size=15, reserve=2)
    good = doc(frame, plan)
    assert verify_manifest(good, cases=frame, register_sha256="abc") is None
    assert "SHA-256" in str(verify_manifest(good, cases=frame, register_sha256="other"))
    forged = {**good, "commitment": "0" * 64}
    assert (
        verify_manifest(forged, cases=frame, register_sha256="abc")
        == "the commitment does not match the seed"
    )
    strata = [dict(s) for s in good["strata"]]  # type: ignore[attr-defined]
    strata[0]["sample"] = ["C99999", *strata[0]["sample"][1:]]
    message = verify_manifest({**good, "strata": strata}, cases=frame, register_sha256="abc")
    assert message is not None and "should be in the sample" in message


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.dictionaries(st.sampled_from("abcdef"), st.integers(0, 500), min_size=1, max_size=6),
    total=st.integers(1, 400),
    minimum=st.integers(0, 10),
    rule=st.sampled_from([Allocation.PROPORTIONAL, Allocation.EQUAL, Allocation.NEYMAN]),
)
def test_allocations_never_exceed_a_stratum_and_add_up(
    sizes: dict[str, int], total: int, minimum: int, rule: Allocation
) -> None:
    result = allocate(sizes, SamplePlan(size=total, minimum_per_stratum=minimum, allocation=rule))
    assert all(0 <= a.allocated <= a.frame_size and a.allocated <= a.wanted for a in result)
    base = sum(min(minimum, n) for n in sizes.values())
    assert sum(a.wanted for a in result) == max(total, base) or sum(sizes.values()) == 0


def test_a_stratum_allocated_nothing_still_appears_with_its_frame_size() -> None:
    result = draw(cases(200), seed=SEED, plan=SamplePlan(size=1, reserve=0))
    assert sum(len(s.sample) for s in result) == 1
    assert {s.label for s in result} == {"missing_child", "domestic_abuse", "neglect"}
    assert all(s.key == {"category": s.label} for s in result)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 120),
    size=st.integers(1, 150),
    reserve=st.one_of(st.none(), st.integers(0, 5)),
    minimum=st.integers(0, 4),
    strata=st.sampled_from([(), ("category",), ("category", "unit")]),
)
def test_any_plan_draws_disjoint_samples_and_reserves_within_each_stratum(
    n: int, size: int, reserve: int | None, minimum: int, strata: tuple[str, ...]
) -> None:
    frame = cases(n, seed=n)
    plan = SamplePlan(size=size, reserve=reserve, minimum_per_stratum=minimum, strata=strata)
    result = draw(frame, seed=SEED, plan=plan)
    assert sum(s.frame_size for s in result) == n
    for s in result:
        assert len(s.sample) == s.allocated <= s.frame_size
        assert not set(s.sample) & set(s.reserve)
        assert len(s.reserve) == min(
            s.frame_size - s.allocated, s.allocated if reserve is None else reserve
        )
