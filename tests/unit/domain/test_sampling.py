from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import random

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casereview.domain.allocation import ALLOCATION, ALLOCATION_V1, allocate
from casereview.domain.plans import (
    Allocation,
    Frame,
    PlanError,
    SamplePlan,
    parse_plan,
    plan_from_mapping,
)
from casereview.domain.power import margin_for, sample_size
from casereview.domain.sampling import (
    FrameDates,
    draw,
    in_period,
    manifest,
    rank_key,
    strata_sizes,
    verify_manifest,
)
from casereview.synthetic import write_register

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


def test_a_small_stratum_gives_all_it_has_and_the_rest_goes_to_the_others() -> None:
    plan = SamplePlan(size=10, allocation=Allocation.EQUAL)
    result = {a.label: a for a in allocate({"a": 100, "b": 2}, plan)}
    assert (result["b"].wanted, result["b"].allocated, result["b"].short) == (2, 2, 0)
    assert result["a"].allocated == 8  # the size is kept: b's shortfall moves to a
    # allocation-rules/1 (kept for verifying old manifests) left the shortfall unfilled.
    old = {a.label: a for a in allocate({"a": 100, "b": 2}, plan, version=ALLOCATION_V1)}
    assert (old["b"].wanted, old["b"].allocated, old["b"].short) == (5, 2, 3)
    assert old["a"].allocated == 5
    # fixed counts are taken as given: a stratum short of them says so
    fixed = allocate(
        {"a": 100, "b": 2}, SamplePlan(size=1, allocation=Allocation.FIXED, counts={"b": 4})
    )
    assert [(a.label, a.wanted, a.allocated, a.short) for a in fixed] == [
        ("a", 0, 0, 0),
        ("b", 4, 2, 2),
    ]


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
    plan = SamplePlan(size=total, minimum_per_stratum=minimum, allocation=rule)
    result = allocate(sizes, plan)
    assert all(0 <= a.allocated == a.wanted <= a.frame_size for a in result)
    low = {k: min(minimum, n) for k, n in sizes.items()}
    if rule is Allocation.NEYMAN:  # every non-empty stratum at least one case
        low = {k: max(low[k], min(1, n)) for k, n in sizes.items()}
    assert all(a.allocated >= low[a.label] for a in result)
    # the size, unless the frame is smaller or the minimums add up to more
    assert sum(a.allocated for a in result) == max(
        min(total, sum(sizes.values())), sum(low.values())
    )
    old = allocate(sizes, plan, version=ALLOCATION_V1)
    assert all(0 <= a.allocated <= a.frame_size and a.allocated <= a.wanted for a in old)
    base = sum(min(minimum, n) for n in sizes.values())
    assert sum(a.wanted for a in old) == max(total, base) or sum(sizes.values()) == 0


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


# --- allocation-rules/2: minimums the standard way, Neyman's floor, versions in manifests (issue 21) -----


def allocated(sizes: dict[str, int], plan: SamplePlan, version: str = ALLOCATION) -> dict[str, int]:
    return {a.label: a.allocated for a in allocate(sizes, plan, version=version)}


def stratified_variance(sizes: dict[str, int], counts: dict[str, int], p: float = 0.5) -> float:
    """Variance of the stratified share with the finite population correction, p in every stratum."""
    whole = sum(sizes.values())
    return sum(
        (sizes[k] / whole) ** 2 * p * (1 - p) / counts[k] * (1 - counts[k] / sizes[k])
        for k in sizes
    )


def synthetic_strata(rows: int) -> dict[str, int]:
    """Category frame sizes of a synthetic register (the generator's own shares)."""
    frame = pl.read_csv(io.StringIO(_register_text(rows)), columns=["category"], infer_schema=False)
    return strata_sizes(frame.rename({"category": "_label"}))


def _register_text(rows: int) -> str:
    out = io.StringIO()
    write_register(out, rows=rows, seed=7)
    return out.getvalue()


def test_the_minimum_no_longer_unbalances_the_other_strata() -> None:
    """The finding: v1 gave every stratum the minimum and split the rest over all strata."""
    sizes = synthetic_strata(5000)
    plan = SamplePlan(size=120, minimum_per_stratum=5)
    new, old = allocated(sizes, plan), allocated(sizes, plan, ALLOCATION_V1)
    assert sum(new.values()) == sum(old.values()) == 120
    # Strata held at 5 take what they need; the rest is split in proportion among the others,
    # so the biggest stratum gets its share of what is left, where v1 gave it noticeably less.
    held = [k for k in sizes if new[k] == min(5, sizes[k])]
    assert held and len(held) < len(sizes)
    biggest = max(sizes, key=sizes.__getitem__)
    free = sum(n for k, n in sizes.items() if k not in held)
    share = (120 - sum(new[k] for k in held)) * sizes[biggest] / free
    assert abs(new[biggest] - share) < 1 and old[biggest] < share - 2
    # ... and so more variance than the standard rule (the audit found 5-9%).
    excess = stratified_variance(sizes, old) / stratified_variance(sizes, new) - 1
    assert excess > 0.05


@settings(max_examples=150, deadline=None)
@given(
    sizes=st.dictionaries(
        st.sampled_from("abcdefgh"), st.integers(1, 3000), min_size=2, max_size=8
    ),
    total=st.integers(1, 600),
    minimum=st.integers(1, 30),
)
def test_strata_above_the_minimum_stay_proportional_among_themselves(
    sizes: dict[str, int], total: int, minimum: int
) -> None:
    counts = allocated(sizes, SamplePlan(size=total, minimum_per_stratum=minimum))
    low = {k: min(minimum, n) for k, n in sizes.items()}
    assert all(low[k] <= counts[k] <= sizes[k] for k in sizes)
    assert sum(counts.values()) == max(min(total, sum(sizes.values())), sum(low.values()))
    free = [k for k in sizes if low[k] < counts[k] < sizes[k]]
    if not free:
        return
    # One rate λ fits every stratum above its minimum within rounding: |n_h - λ·N_h| < 1.
    least = max((counts[k] - 1) / sizes[k] for k in free)
    most = min((counts[k] + 1) / sizes[k] for k in free)
    assert least <= most
    # A stratum held at its minimum would not have had more than the minimum at that rate.
    for k in sizes:
        if counts[k] == low[k] < sizes[k]:
            assert least * sizes[k] <= low[k] + 1


def test_neyman_never_leaves_a_stratum_out_unless_the_plan_says_so() -> None:
    sizes = {"a": 100, "b": 100, "c": 50}
    plan = SamplePlan(size=10, allocation=Allocation.NEYMAN, expected={"a": 0.0, "b": 1.0})
    # The finding: an expected share of 0 or 1 gave a non-empty stratum no case.
    assert allocated(sizes, plan, ALLOCATION_V1) == {"a": 0, "b": 0, "c": 10}
    now = allocated(sizes, plan)
    assert sum(now.values()) == 10 and min(now.values()) >= 1
    # Shares are clipped to [0.05, 0.95]: 0 and 1 weigh as 0.05 and 0.95 do.
    clipped = SamplePlan(size=10, allocation=Allocation.NEYMAN, expected={"a": 0.05, "b": 0.95})
    assert allocated(sizes, clipped) == now
    # Even a stratum whose quota rounds to nothing keeps one case.
    tiny = allocated({"a": 10_000, "b": 3}, SamplePlan(size=20, allocation=Allocation.NEYMAN))
    assert tiny == {"a": 19, "b": 1}
    # allow_zero: the shares as given and no case guaranteed.
    allowed = parse_plan(
        'size = 10\nallocation = "neyman"\n[neyman]\nallow_zero = true\n'
        "[neyman.expected]\na = 0.0\nb = 1.0\n"
    )
    assert allowed.neyman_allow_zero
    assert allocated(sizes, allowed) == {"a": 0, "b": 0, "c": 10}
    assert plan_from_mapping(allowed.as_dict()) == allowed


def test_plans_declare_headline_comparisons_and_their_problems_are_named() -> None:
    plan = parse_plan(
        'size = 10\nheadline = ["category:missing_child", "unit: Ashgrove", "weakness:W02"]\n'
    )
    assert plan.headline == ("category:missing_child", "unit:Ashgrove", "weakness:W02")
    assert plan.as_dict()["headline"] == ["category:missing_child", "unit:Ashgrove", "weakness:W02"]
    assert plan_from_mapping(plan.as_dict()) == plan
    assert SamplePlan(size=1).as_dict()["headline"] == []
    with pytest.raises(PlanError) as caught:
        parse_plan(
            'size = 10\nheadline = ["area:x", "unit:", "category:burglary", 3, '
            '"weakness:W02", "weakness:W02"]\n[neyman]\nallow_zero = "yes"\nfloor = 1\n'
        )
    text = str(caught.value)
    for fragment in (
        "'area:x'",
        "'unit:'",
        "'burglary' is not a category",
        "3",
        "weakness:W02 twice",
        "neyman.allow_zero",
        "'floor'",
    ):
        assert fragment in text, fragment
    with pytest.raises(PlanError, match="headline must be a list"):
        parse_plan('size = 10\nheadline = "unit:Ashgrove"\n')


def test_the_frame_is_the_inspections_period_unless_the_plan_says_otherwise() -> None:
    start, end = dt.date(2026, 7, 1), dt.date(2026, 9, 30)
    plan, dates = in_period(SamplePlan(size=5), start, end)
    assert (plan.frame.reported_from, plan.frame.reported_to) == (start, end)
    assert dates == FrameDates(start, end, default=True)
    assert dates.words() == "cases reported 1 July to 30 September 2026"
    assert dates.as_dict() == {"from": "2026-07-01", "to": "2026-09-30", "default": True}
    assert FrameDates.from_dict(dates.as_dict()) == dates
    chosen = parse_plan("size = 5\n[frame]\nreported_from = 2025-12-01\n")
    plan, dates = in_period(chosen, start, end)
    assert (plan.frame.reported_from, plan.frame.reported_to) == (dt.date(2025, 12, 1), end)
    assert not dates.default
    assert dates.words() == "cases reported 1 December 2025 to 30 September 2026"
    assert FrameDates(start, dt.date(2026, 7, 31), False).words() == (
        "cases reported 1 to 31 July 2026"
    )
    every = parse_plan("size = 5\n[frame]\nany_date = true\n")
    plan, dates = in_period(every, start, end)
    assert plan == every and plan.as_dict()["frame"] == {"any_date": True}
    assert dates.words() == "cases reported on any date" and not dates.default
    with pytest.raises(PlanError, match="give both dates"):
        in_period(parse_plan("size = 5\n[frame]\nreported_from = 2026-10-05\n"), start, end)
    with pytest.raises(PlanError, match="any_date"):
        parse_plan("size = 5\n[frame]\nany_date = true\nreported_to = 2026-01-01\n")
    # The settled plan draws only cases reported in the period.
    frame = cases(400)
    q1, _ = in_period(SamplePlan(size=10, strata=()), dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    drawn = draw(frame, seed=SEED, plan=q1)
    in_q1 = frame.filter(pl.col("reported_on") <= dt.date(2024, 3, 31))
    assert drawn[0].frame_size == in_q1.height < frame.height
    assert set(drawn[0].sample) <= set(in_q1["case_ref"].to_list())
    assert Frame(any_date=True) == every.frame


def test_manifests_record_their_allocation_and_old_ones_still_verify() -> None:
    everything = cases(600)  # neglect made small: the minimum binds there only
    frame = everything.filter((pl.col("category") != "neglect") | (pl.col("case_ref") < "C00100"))
    plan = SamplePlan(size=40, minimum_per_stratum=8, reserve=1)
    new = doc(frame, plan)
    assert new["allocation"] == ALLOCATION == "allocation-rules/2"
    assert verify_manifest(new, cases=frame, register_sha256="abc") is None
    # A manifest issued before allocations were versioned: drawn by the old rule, no "allocation".
    old = manifest(
        strata=draw(frame, seed=SEED, plan=plan, allocation=ALLOCATION_V1),
        seed=SEED,
        committed_at="t",
        register_sha256="abc",
        register_imported_at="t",
        plan=plan,
        late_commitment=False,
    )
    del old["allocation"]
    counts = [[s["allocated"] for s in d["strata"]] for d in (old, new)]  # type: ignore[attr-defined]
    assert counts[0] != counts[1]
    assert verify_manifest(old, cases=frame, register_sha256="abc") is None
    # Each is checked by its own rule: the old sample under the new label does not verify.
    relabelled = {**old, "allocation": ALLOCATION}
    assert "should" in str(verify_manifest(relabelled, cases=frame, register_sha256="abc"))
    unknown = {**new, "allocation": "allocation-rules/9"}
    assert "unknown allocation" in str(verify_manifest(unknown, cases=frame, register_sha256="abc"))
    with pytest.raises(PlanError, match="unknown allocation"):
        allocate({"a": 1}, plan, version="allocation-rules/9")
