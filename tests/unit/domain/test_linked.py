"""The linked disclosure model: the auditor against brute force, protection, the known leaks, bands."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from casereview.domain.linked import (
    PROTECTED_ABOVE,
    Audit,
    LinkedTables,
    Protection,
    Ratio,
    _close,
    audit,
    primary,
    protect,
    sensitive,
)

from .linked_attack import (
    SMALL,
    Built,
    TooBig,
    brute_ranges,
    expected_sensitive,
    linked_tables,
    one_decimal_share,
)

FEW = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def naive(tables: LinkedTables, hidden: set[str], ratios: tuple[Ratio, ...] = ()) -> Protection:
    """A protection that hides exactly ``hidden`` and withholds nothing (what a table-by-table
    suppression would publish)."""
    return Protection(frozenset(hidden), frozenset(primary(tables)), frozenset(), ratios)


def failing(result: Audit) -> set[str]:
    return {r.name for r in result.failures}


def ranges(result: Audit) -> dict[str, tuple[int, int | None]]:
    return {r.name: (r.low, r.high) for r in result.ranges}


# ---------------------------------------------------------------------------------------------
# 1. The auditor's ranges are exactly the brute-force ranges
# ---------------------------------------------------------------------------------------------


@st.composite
def hidden_tables(draw: st.DrawFn) -> tuple[Built, set[str], tuple[Ratio, ...]]:
    """Random linked tables with every grand total shown (so every hidden cell is bounded by one),
    the primary cells and a few others hidden, and the ratios that the auditor models today."""
    built = draw(linked_tables())
    t = built.tables
    grands = set(built.grands)
    candidates = sorted(set(t.values) - grands)
    extra = draw(st.sets(st.sampled_from(candidates), max_size=4)) if candidates else set()
    hidden = (primary(t) - grands) | extra
    return built, hidden, tuple(built.ratios)


@FEW
@given(hidden_tables())
def test_audit_ranges_are_the_brute_force_ranges(case: tuple[Built, set[str], tuple[Ratio, ...]]):
    built, hidden, ratios = case
    t = built.tables
    cap = max(t.values[g] for g in built.grands)
    wanted = expected_sensitive(t)
    quantities = dict(wanted)
    for k in hidden:
        quantities.setdefault(k, ((k,), ()))
    try:
        brute = brute_ranges(t, hidden, ratios, quantities, cap=cap)
    except TooBig:
        reject()
    result = audit(t, naive(t, hidden, ratios))
    assert {s.name for s in sensitive(t)} == set(wanted)
    assert {r.name for r in result.ranges} == set(quantities)
    assert {r.name for r in result.ranges if r.sensitive} == set(wanted)
    for r in result.ranges:
        assert (r.low, r.high) == brute[r.name], r.name
        if r.sensitive:
            assert r.protected == (r.low <= 0 and r.high >= PROTECTED_ABOVE)


def test_brute_force_finds_a_unique_cell_and_a_free_one():
    """The brute force itself, on a table worked by hand: 7 = a + b with b shown is a = 4 exactly;
    with b hidden too, a is anything from 0 to 7."""
    t = LinkedTables()
    for k, v in {"a": 4, "b": 3, "T": 7}.items():
        t.cell(k, v)
    t.line("T", ["a", "b"])
    assert brute_ranges(t, {"a"}, (), {"a": (("a",), ())}, cap=7) == {"a": (4, 4)}
    assert brute_ranges(t, {"a", "b"}, (), {"a": (("a",), ())}, cap=7) == {"a": (0, 7)}


def test_a_hidden_count_tied_to_nothing_shown_has_no_upper_limit():
    t = LinkedTables()
    for k, v in {"a": 2, "b": 9, "T": 11, "G": 20, "U": 9}.items():
        t.cell(k, v)
    t.line("T", ["a", "b"])
    t.line("G", ["T", "U"])
    result = audit(t, naive(t, {"a", "b", "T", "G"}))
    assert ranges(result)["a"] == (0, None)
    assert ranges(result)["T"] == (0, None)
    assert result.passed
    # G shown again: T is 11 exactly, and a is anything from 0 to 11.
    shown_g = audit(t, naive(t, {"a", "b", "T"}))
    assert ranges(shown_g)["T"] == (11, 11)
    assert ranges(shown_g)["a"] == (0, 11)


def test_a_ratio_between_two_separately_hidden_groups_is_solved_jointly():
    t = LinkedTables()
    for k, v in {"a": 3, "b": 7, "S": 10, "c": 6, "d": 4, "U": 10}.items():
        t.cell(k, v)
    t.line("S", ["a", "b"])
    t.line("U", ["c", "d"])
    ratio = Ratio("a per c", "a", "c", 0.4, 0.6)  # printed "a is 40% to 60% of c"
    hidden = {"a", "b", "c", "d"}
    quantities = {k: ((k,), ()) for k in hidden}
    brute = brute_ranges(t, hidden, (ratio,), quantities, cap=10)
    assert brute["a"] == (0, 6)  # c = 10, a = 6; c = 0, a = 0
    result = audit(t, naive(t, hidden, (ratio,)))
    assert ranges(result)["a"] == brute["a"]  # today: (3, 3), from c's true value 6


# ---------------------------------------------------------------------------------------------
# 2. Protection
# ---------------------------------------------------------------------------------------------


@st.composite
def tables_with_figures(draw: st.DrawFn) -> Built:
    built = draw(linked_tables(share_ratios_only=True, implicit=True))
    t = built.tables
    keys = sorted(t.values)
    for n in range(draw(st.integers(0, 3))):
        t.derive(f"figure {n}", draw(st.lists(st.sampled_from(keys), min_size=1, max_size=3)))
    for k in sorted(t.implicit):
        if draw(st.booleans()):
            t.derive(f"figure using {k}", [k, draw(st.sampled_from(keys))])
    return built


@FEW
@given(tables_with_figures())
def test_protect_passes_its_own_audit(built: Built):
    t = built.tables
    protection = protect(t, ratios=built.ratios)
    result = audit(t, protection)
    assert result.passed, result.reasons()
    hidden = protection.hidden
    # Every primary cell is hidden: each count 1 to 4, each non-zero part with a complement 1 to 4.
    assert protection.primary == primary(t)
    assert protection.primary <= hidden
    small = {k for k, v in t.values.items() if v in SMALL}
    complements = {
        p
        for line in t.lines
        if len(line.parts) > 1
        for p in line.parts
        if t.values[line.total] - t.values[p] in SMALL and t.values[p] > 0
    }
    assert small | complements <= protection.primary
    # Zeros: the primary rule never hides one; only an implicit cell no shown figure reveals is.
    for k in hidden:
        if t.values[k] == 0:
            assert k in t.implicit, k
    # Derived figures: withheld exactly when an input is hidden.
    assert protection.withheld == {
        n for n, inputs in t.derived.items() if any(k in hidden for k in inputs)
    }
    # An implicit cell is either hidden or given away by a figure that is shown (and so known).
    shown_inputs = {k for n, ins in t.derived.items() if n not in protection.withheld for k in ins}
    assert all(k in hidden or k in shown_inputs for k in t.implicit)
    # Every sensitive quantity's range reaches 0 and 5.
    for r in result.ranges:
        if r.sensitive:
            assert r.low <= 0
            assert r.high is None or r.high >= PROTECTED_ABOVE


def test_the_primary_rule_never_hides_a_zero():
    t = LinkedTables()
    for k, v in {"yes": 3, "no": 0, "cases": 3}.items():
        t.cell(k, v)
    t.line("cases", ["yes", "no"])
    assert "no" not in primary(t)


def test_a_kept_cell_is_not_chosen_while_another_will_do():
    t = LinkedTables()
    for k, v in {"small": 2, "kept": 8, "other": 9, "total": 19}.items():
        t.cell(k, v)
    t.line("total", ["small", "kept", "other"])
    assert protect(t).hidden == {"small", "kept"}  # the cheapest partner
    protection = protect(t, keep=["kept"])
    assert audit(t, protection).passed
    assert protection.hidden == {"small", "other"}


# ---------------------------------------------------------------------------------------------
# 3. The known leaks: the auditor finds each, and protect closes it
# ---------------------------------------------------------------------------------------------


def test_leak_a_hidden_count_with_its_denominator_in_a_two_part_line():
    """Inspection A: 3 of 3 cases graded requires improvement; "<5 of 3" gives the 3 back."""
    t = LinkedTables()
    cells = {"A ri": 3, "A other": 0, "A cases": 3, "B ri": 30, "B other": 10, "B cases": 40}
    cells |= {"ri": 33, "other": 10, "cases": 43}
    for k, v in cells.items():
        t.cell(k, v)
    t.line("A cases", ["A ri", "A other"])
    t.line("B cases", ["B ri", "B other"])
    t.line("ri", ["A ri", "B ri"])
    t.line("other", ["A other", "B other"])
    t.line("cases", ["A cases", "B cases"])
    t.line("cases", ["ri", "other"])
    leaky = audit(t, naive(t, {"A ri"}))
    assert not leaky.passed
    assert "A ri" in failing(leaky)
    assert ranges(leaky)["A ri"] == (3, 3)
    assert "A cases" in failing(leaky)  # the denominator 3 is itself a small count, shown
    fixed = protect(t)
    assert {"A ri", "A cases"} <= fixed.hidden
    result = audit(t, fixed)
    assert result.passed, result.reasons()


def test_leak_b_a_shown_count_gives_back_its_hidden_denominator_through_its_share():
    """Unit 1: 10 concerns printed with "50.0%", its 20 cases hidden; 23 cases in all; unit 2: 3."""
    t = LinkedTables()
    for k, v in {
        "u1 cases": 20,
        "u2 cases": 3,
        "cases": 23,
        "u1 concern": 10,
        "u2 concern": 1,
    }.items():
        t.cell(k, v)
    t.line("cases", ["u1 cases", "u2 cases"])
    share = one_decimal_share("u1 share", "u1 concern", "u1 cases", t.values)
    assert (share.low, share.high) == (0.4995, 0.5005)
    leaky = audit(t, naive(t, {"u1 cases", "u2 cases", "u2 concern"}, (share,)))
    assert not leaky.passed
    assert ranges(leaky)["u1 cases"] == (20, 20)
    assert ranges(leaky)["u2 cases"] == (3, 3)
    assert "u2 cases" in failing(leaky)
    # Without the share the same hiding holds.
    assert audit(t, naive(t, {"u1 cases", "u2 cases", "u2 concern"})).passed
    fixed = protect(t, ratios=[share])
    assert {"u2 cases", "u2 concern"} <= fixed.hidden
    result = audit(t, fixed)
    assert result.passed, result.reasons()


def _strata() -> LinkedTables:
    """Three strata: sample sizes printed, concern counts printed nowhere (implicit) but used by the
    design-weighted share and its standard error, which are printed."""
    t = LinkedTables()
    sizes, concerns = {"s1": 12, "s2": 15, "s3": 20}, {"s1": 2, "s2": 6, "s3": 9}
    inputs = []
    for s in sizes:
        t.cell(f"{s} frame", 100 * int(s[1]))
        t.cell(f"{s} sample", sizes[s])
        t.cell(f"{s} concern", concerns[s], implicit=True)
        t.cell(f"{s} other", sizes[s] - concerns[s], implicit=True)
        t.line(f"{s} sample", [f"{s} concern", f"{s} other"])
        inputs += [f"{s} frame", f"{s} sample", f"{s} concern"]
    t.derive("weighted share", inputs)
    t.derive("weighted share standard error", inputs)
    t.derive("frame total", ["s1 frame", "s2 frame", "s3 frame"])
    return t


def test_leak_c_a_derived_figure_is_withheld_when_any_input_is_hidden():
    t = _strata()
    hidden = set(primary(t))
    assert hidden == {"s1 concern", "s1 other"}
    withheld = _close(t, hidden)
    assert withheld == {"weighted share", "weighted share standard error"}
    # With the estimates withheld, nothing reveals the other strata's concern counts: hidden too.
    assert {"s2 concern", "s3 concern", "s2 other", "s3 other"} <= hidden
    protection = protect(t)
    assert protection.withheld == {"weighted share", "weighted share standard error"}
    assert protection.shows("frame total")
    assert "s1 concern" in protection.hidden
    result = audit(t, protection)
    assert result.passed, result.reasons()
    assert ranges(result)["s1 concern"] == (0, 12)


def test_leak_c_the_auditor_flags_a_shown_estimate_computed_from_a_hidden_count():
    t = _strata()
    leaky = naive(t, {"s1 concern", "s1 other"})  # the weighted share and its error still shown
    assert leaky.shows("weighted share")
    result = audit(t, leaky)
    assert not result.passed
    assert "s1 concern" in failing(result)


def test_leak_d_the_same_count_in_two_tables_suppressed_differently():
    """Table A hides x and, as its own secondary, u; table B prints u: u is published, x = 3."""
    t = LinkedTables()
    for k, v in {"x": 3, "y": 7, "u": 6, "A": 16, "v": 7, "B": 13}.items():
        t.cell(k, v)
    t.line("A", ["x", "y", "u"])
    t.line("B", ["u", "v"])
    with pytest.raises(ValueError):
        t.cell("u", 5)  # the same count cannot be printed as two numbers
    # Table by table: A hides {x, u}; B hides nothing.  Published: every key shown somewhere.
    hidden_in = {"A": {"x", "u"}, "B": set()}
    printed_in = {"x": ["A"], "y": ["A"], "u": ["A", "B"], "A": ["A"], "v": ["B"], "B": ["B"]}
    hidden = {k for k, tables in printed_in.items() if all(k in hidden_in[n] for n in tables)}
    assert hidden == {"x"}
    leaky = audit(t, naive(t, hidden))
    assert ranges(leaky)["x"] == (3, 3)
    assert "x" in failing(leaky)
    # Table A on its own: hiding x and u was enough there.
    alone = LinkedTables()
    for k in ("x", "y", "u", "A"):
        alone.cell(k, t.values[k])
    alone.line("A", ["x", "y", "u"])
    assert audit(alone, naive(alone, {"x", "u"})).passed
    fixed = protect(t)
    assert "x" in fixed.hidden
    for line in t.lines:
        assert sum(k in fixed.hidden for k in line.members) != 1
    result = audit(t, fixed)
    assert result.passed, result.reasons()


def test_leak_e_complements_no_table_protects():
    """A weakness in 38 of 40 cases (2 without); 12 send backs with 10 open (2 closed)."""
    t = LinkedTables()
    t.cell("cases", 40)
    t.cell("weakness", 38)
    t.cell("no weakness", 2, implicit=True)
    t.line("cases", ["weakness", "no weakness"])
    t.cell("send backs", 12)
    t.cell("open", 10)
    t.cell("closed", 2, implicit=True)
    t.line("send backs", ["open", "closed"])
    wanted = {"no weakness", "cases less weakness", "closed", "send backs less open"}
    assert wanted <= {s.name for s in sensitive(t)}
    leaky = audit(t, naive(t, {"no weakness", "closed"}))
    assert wanted <= failing(leaky)
    assert ranges(leaky)["cases less weakness"] == (2, 2)
    fixed = protect(t)
    assert {"weakness", "no weakness", "open", "closed"} <= fixed.hidden
    result = audit(t, fixed)
    assert result.passed, result.reasons()
    assert ranges(result)["cases less weakness"] == (0, 40)
    assert ranges(result)["send backs less open"] == (0, 12)


# ---------------------------------------------------------------------------------------------
# 4. Bands: the 24-case headline
# ---------------------------------------------------------------------------------------------


def _headline() -> LinkedTables:
    t = LinkedTables()
    for k, v in {"N": 24, "good": 2, "RI": 12, "I": 10, "C": 22}.items():
        t.cell(k, v)
    t.line("N", ["good", "RI", "I"])
    t.line("C", ["RI", "I"])
    t.line("N", ["good", "C"])
    return t


@pytest.mark.parametrize(
    ("low", "passes", "good"),
    [(0.75, True, (0, 6)), (0.85, False, (0, 3))],
)
def test_the_24_case_headline_band(low: float, passes: bool, good: tuple[int, int]):
    t = _headline()
    band = Ratio("headline band", "C", "N", low, 1.0)
    # The published hiding: good and its complement C (22 = 24 - 2), and I to keep the line closed.
    hidden = {"good", "C", "I"}
    assert primary(t) == {"good", "C"}
    result = audit(t, naive(t, hidden, (band,)))
    assert result.passed is passes
    assert ranges(result)["good"] == good
    assert ranges(result)["N less C"] == good
    if not passes:
        assert {"good", "N less C"} <= failing(result)
        assert result.reasons()
    # protect keeps N (the headline's denominator) when the band is wide enough.
    protection = protect(t, ratios=[band], keep=["N"])
    assert audit(t, protection).passed
    assert protection.primary <= protection.hidden
    if passes:
        assert protection.shown("N")


def test_the_audit_record_names_each_failure_and_its_digest_follows_the_ranges():
    t = _headline()
    hidden = {"good", "C", "I"}
    tight = audit(t, naive(t, hidden, (Ratio("band", "C", "N", 0.85, 1.0),)))
    wide = audit(t, naive(t, hidden, (Ratio("band", "C", "N", 0.75, 1.0),)))
    record = tight.to_json()
    assert record["passed"] is False
    rows = {row["cell"]: row for row in record["hidden"]}
    assert rows["good"] == {
        "cell": "good",
        "low": 0,
        "high": 3,
        "primary": True,
        "protected": False,
    }
    assert rows["I"]["primary"] is False and rows["I"]["protected"] is True
    assert any(reason.startswith("good can be proven") for reason in tight.reasons())
    assert record["sha256"] != wide.to_json()["sha256"]
    assert record["sha256"] == tight.to_json()["sha256"]
    # A yes-or-no attack stops at the first failure.
    first = audit(t, naive(t, hidden, (Ratio("band", "C", "N", 0.85, 1.0),)), until_failure=True)
    assert not first.passed
    assert len(first.ranges) <= len(tight.ranges)
    assert not first.ranges[-1].protected
    assert all(r.protected for r in first.ranges[:-1])
    only = audit(t, naive(t, hidden), only=["I", "no such cell"])
    assert [r.name for r in only.ranges] == ["I"]
