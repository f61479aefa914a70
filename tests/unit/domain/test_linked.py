"""The linked disclosure model: the auditor against brute force, protection, the known leaks, bands."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from casereview.domain.linked import (
    Audit,
    LinkedTables,
    Protection,
    Range,
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
    band,
    brute_ranges,
    expected_sensitive,
    known_least,
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


def by_the_rule(low: int, high: int | None) -> bool:
    """The protection rule in its own words: no upper limit, or reaching 5 or more and holding at
    least 5 whole numbers."""
    return high is None or (high >= 5 and len(range(low, high + 1)) >= 5)


# ---------------------------------------------------------------------------------------------
# 1. The auditor's ranges are exactly the brute-force ranges
# ---------------------------------------------------------------------------------------------


@st.composite
def hidden_tables(draw: st.DrawFn) -> tuple[Built, set[str], tuple[Ratio, ...]]:
    """Random linked tables with every grand total shown (so every hidden cell is bounded by one),
    the primary cells and a few others hidden (zeros among them sometimes), listed rows (floor 1) and
    counts printed nowhere among them, and the ratios."""
    built = draw(linked_tables(floors=True, unprinted=True))
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
    least = known_least(t, hidden)
    for r in result.ranges:
        assert (r.low, r.high) == brute[r.name], r.name
        assert r.protected == (not r.sensitive or by_the_rule(r.low, r.high)), r.name
        if r.name in hidden:
            assert r.floor == least[r.name], r.name


def test_brute_force_finds_a_unique_cell_and_a_free_one():
    """The brute force itself, on a table worked by hand: 7 = a + b with b shown is a = 4 exactly;
    with b hidden too, a is anything from 1 to 6 (b, printed as [c], is 1 or more), or from 0 to 7
    to a reader who did not know that zeros are shown."""
    t = LinkedTables()
    for k, v in {"a": 4, "b": 3, "T": 7}.items():
        t.cell(k, v)
    t.line("T", ["a", "b"])
    assert brute_ranges(t, {"a"}, (), {"a": (("a",), ())}, cap=7) == {"a": (4, 4)}
    assert brute_ranges(t, {"a", "b"}, (), {"a": (("a",), ())}, cap=7) == {"a": (1, 6)}
    both = brute_ranges(t, {"a", "b"}, (), {"a": (("a",), ())}, cap=7, knowledge=False)
    assert both == {"a": (0, 7)}
    assert ranges(audit(t, naive(t, {"a", "b"})))["a"] == (1, 6)


def test_a_hidden_count_tied_to_nothing_shown_has_no_upper_limit():
    t = LinkedTables()
    for k, v in {"a": 2, "b": 9, "T": 11, "G": 20, "U": 9}.items():
        t.cell(k, v)
    t.line("T", ["a", "b"])
    t.line("G", ["T", "U"])
    result = audit(t, naive(t, {"a", "b", "T", "G"}))
    assert ranges(result)["a"] == (1, None)  # printed as [c]: 1 or more
    assert ranges(result)["T"] == (2, None)  # a and b are each 1 or more
    assert result.passed
    # G shown again: T is 11 exactly, and a is anything from 1 to 10 (b is 1 or more).
    shown_g = audit(t, naive(t, {"a", "b", "T"}))
    assert ranges(shown_g)["T"] == (11, 11)
    assert ranges(shown_g)["a"] == (1, 10)


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
    # b, d 1 or more: c is at most 9 and a at most 0.6 * 9, so 5 (c = 9); a is 1 or more, and
    # a = 1 holds with c = 2.  The relaxation's least a is 0.4 (c = 1): fractional.
    assert brute["a"] == (1, 5)
    result = audit(t, naive(t, hidden, (ratio,)))
    assert ranges(result)["a"] == brute["a"]


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
    for k in built.grands:  # some headline counts, which protect shows again when it can
        if draw(st.booleans()):
            t.cell(k, t.values[k], weight=5, implicit=k in t.implicit, printed=k not in t.unprinted)
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
    # An implicit cell is hidden, or given away by a figure that is shown (and so known), or 0 (a zero
    # reveals nothing, and a [c] is never 0).
    shown_inputs = {k for n, ins in t.derived.items() if n not in protection.withheld for k in ins}
    assert all(k in hidden or k in shown_inputs or t.values[k] == 0 for k in t.implicit)
    # Every sensitive quantity's range is protected by the rule's own words.
    for r in result.ranges:
        if r.sensitive:
            assert by_the_rule(r.low, r.high), r.name
    # Released: every valuable secondary cell still hidden is needed (showing it alone fails).
    for k in sorted(hidden - protection.primary):
        if t.weights.get(k, 1) >= 4:
            trial = set(hidden - {k})
            withheld = _close(t, trial)
            attempt = Protection(
                frozenset(trial), protection.primary, frozenset(withheld), protection.ratios
            )
            assert not audit(t, attempt).passed, k


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
    # No weakness and closed are printed nowhere (0 is possible); weakness and open are [c] (1 or more).
    assert ranges(result)["cases less weakness"] == (0, 39)
    assert ranges(result)["send backs less open"] == (0, 11)


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
    # good + C = 24, C = 12 + I with I printed as [c] (1 or more), so C is 13 to 23 and good 1 to 11;
    # C >= 0.75 * 24 = 18 leaves good 1 to 6 (protected), C >= 0.85 * 24 = 20.4 leaves 1 to 3.
    [(0.75, True, (1, 6)), (0.85, False, (1, 3))],
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
        "low": 1,
        "high": 3,
        "floor": 1,
        "primary": True,
        "protected": False,
    }
    assert rows["I"]["primary"] is False and rows["I"]["protected"] is True
    assert any(reason.startswith("good can be proven") for reason in tight.reasons())
    assert any("hold at least 5 values" in reason for reason in tight.reasons())
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


# ---------------------------------------------------------------------------------------------
# 5. What any reader knows: floors, [c] is 1 or more, counts printed nowhere may be 0
# ---------------------------------------------------------------------------------------------


def test_a_listed_row_known_to_be_at_least_one_narrows_a_range():
    """T = 8 = a + b, both used by a figure but printed nowhere (implicit), both hidden: a is 0 to 8;
    when a reader knows b is a listed row (at least 1), a is 0 to 7."""
    quantities = {"a": (("a",), ()), "b": (("b",), ())}
    for floor, a_range, b_range in ((0, (0, 8), (0, 8)), (1, (0, 7), (1, 8))):
        t = LinkedTables()
        t.cell("a", 3, implicit=True)
        t.cell("b", 5, implicit=True, floor=floor)
        t.cell("T", 8)
        t.line("T", ["a", "b"])
        result = audit(t, naive(t, {"a", "b"}))
        assert ranges(result)["a"] == a_range
        assert ranges(result)["b"] == b_range
        assert brute_ranges(t, {"a", "b"}, (), quantities, cap=8) == {"a": a_range, "b": b_range}
        rows = {r.name: r for r in result.ranges}
        assert rows["b"].floor == floor
        assert rows["b"].to_json()["floor"] == floor


def test_a_floor_above_one_narrows_a_printed_hidden_count_further():
    t = LinkedTables()
    t.cell("a", 3)
    t.cell("b", 6, floor=4)  # say, a reader knows 4 of these cases from another source
    t.cell("T", 9)
    t.line("T", ["a", "b"])
    result = audit(t, naive(t, {"a", "b"}))
    assert ranges(result)["a"] == (1, 5)  # b is 4 to 8
    assert ranges(result)["b"] == (4, 8)
    assert result.passed  # a: 1 to 5 holds 5 values and reaches 5
    t.cell("b", 6, floor=5)  # printed again with more known: the larger floor holds
    assert t.floors["b"] == 5
    tighter = audit(t, naive(t, {"a", "b"}))
    assert ranges(tighter)["a"] == (1, 4)
    assert not tighter.passed


def test_cell_refuses_a_floor_above_its_value():
    t = LinkedTables()
    with pytest.raises(ValueError):
        t.cell("x", 2, floor=3)
    assert "x" not in t.values
    t.cell("x", 2, floor=2)
    assert t.floors["x"] == 2
    with pytest.raises(ValueError):
        t.cell("x", 2, floor=3)
    assert t.floors["x"] == 2


def test_a_count_printed_nowhere_may_be_zero_in_the_attack():
    """T = 7 = a + b, both hidden.  b printed as [c] is 1 or more, so a is 1 to 6; b printed nowhere
    (a complement) may be 0, so a is 1 to 7 and b 0 to 6."""
    quantities = {"a": (("a",), ()), "b": (("b",), ())}
    for printed, a_range, b_range in ((True, (1, 6), (1, 6)), (False, (1, 7), (0, 6))):
        t = LinkedTables()
        t.cell("a", 3)
        t.cell("b", 4, printed=printed)
        t.cell("T", 7)
        t.line("T", ["a", "b"])
        assert ("b" in t.unprinted) is not printed
        result = audit(t, naive(t, {"a", "b"}))
        assert ranges(result)["a"] == a_range
        assert ranges(result)["b"] == b_range
        assert brute_ranges(t, {"a", "b"}, (), quantities, cap=7) == {"a": a_range, "b": b_range}
    # Printed in one table and not in another: it is printed.
    t = LinkedTables()
    t.cell("b", 4)
    t.cell("b", 4, printed=False)
    assert "b" not in t.unprinted
    t.cell("c", 4, printed=False)
    t.cell("c", 4)
    assert "c" not in t.unprinted


# ---------------------------------------------------------------------------------------------
# 6. The protection rule: reaches 5 and holds 5 values
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "protected"),
    [
        (3, 7, True),
        (1, 5, True),
        (0, None, True),
        (2, 5, False),  # reaches 5 but holds only 4 values
        (1, 4, False),  # never reaches 5
        (0, 4, False),  # 5 values, yet provably 4 or less
        (3, 3, False),
    ],
)
def test_the_protection_rule(low: int, high: int | None, protected: bool):
    assert Range("x", ("x",), low, high, True).protected is protected
    assert Range("x", ("x",), low, high, False).protected  # a secondary cell needs nothing
    assert by_the_rule(low, high) is protected


@pytest.mark.parametrize(
    ("share", "x_range", "passes"),
    [((0.3, 0.7), (3, 7), True), ((0.2, 0.5), (2, 5), False), ((0.1, 0.4), (1, 4), False)],
)
def test_the_protection_rule_on_a_banded_share(
    share: tuple[float, float], x_range: tuple[int, int], passes: bool
):
    """x = 3 of T = 10, x and y hidden, x's share printed as a band: x lies in 10 times the band."""
    t = LinkedTables()
    for k, v in {"x": 3, "y": 7, "T": 10}.items():
        t.cell(k, v)
    t.line("T", ["x", "y"])
    ratio = Ratio("x share", "x", "T", *share)
    result = audit(t, naive(t, {"x", "y"}, (ratio,)))
    assert ranges(result)["x"] == x_range
    quantities = {"x": (("x",), ()), "T less y": (("T",), ("y",))}
    brute = brute_ranges(t, {"x", "y"}, (ratio,), quantities, cap=10)
    assert brute["x"] == x_range
    assert result.passed is passes
    assert ("x" in failing(result)) is not passes
    if not passes:
        assert "T less y" in failing(result)  # the complement of y is x itself
        assert all("hold at least 5 values" in reason for reason in result.reasons())
        protection = protect(t, ratios=[ratio])
        assert "T" in protection.hidden
        assert audit(t, protection).passed


# ---------------------------------------------------------------------------------------------
# 7. Release: a headline count the line rule hid needlessly is shown again
# ---------------------------------------------------------------------------------------------


def _needless() -> LinkedTables:
    """T = p + q + s, V = q + y + w, W = s + u (W and u headline counts, u used by a figure).

    The line rule hides, line by line: s for p (T's cheapest), q for y (V's cheapest), then W for s
    (s alone in W's line, u costlier as a figure uses it).  By then q is hidden in T's line too, so
    s pinned by W and u costs nothing: W was hidden needlessly."""
    t = LinkedTables()
    for k, v in {"p": 2, "q": 6, "s": 5, "T": 13, "y": 3, "w": 20, "V": 29}.items():
        t.cell(k, v)
    t.cell("u", 30, weight=5)
    t.cell("W", 35, weight=5)
    t.line("T", ["p", "q", "s"])
    t.line("V", ["q", "y", "w"])
    t.line("W", ["s", "u"])
    t.derive("u share", ["u", "W"])
    return t


def test_release_shows_a_needlessly_hidden_headline_count_again():
    t = _needless()
    assert primary(t) == {"p", "y"}
    # What the line rule alone hides: W among them, and the audit passes with W hidden too.
    lined = naive(t, {"p", "y", "s", "q", "W"})
    assert audit(t, lined).passed
    protection = protect(t)
    assert protection.hidden == {"p", "y", "s", "q"}
    assert protection.shown("W")
    assert protection.shows("u share")
    result = audit(t, protection)
    assert result.passed, result.reasons()
    # s = W - u = 5 known; p + q = 8 and q + y = 9 with each 1 or more: q 1 to 7, p 1 to 7, y 2 to 8.
    hidden = set(protection.hidden)
    quantities = {k: ((k,), ()) for k in hidden}
    brute = brute_ranges(t, hidden, (), quantities, cap=29)
    assert brute == {"p": (1, 7), "y": (2, 8), "q": (1, 7), "s": (5, 5)}
    assert {k: ranges(result)[k] for k in hidden} == brute


def test_release_keeps_a_headline_count_the_proof_needs():
    """W = s + u + v with s = 3 and u, v more valuable than W: the line rule hides W for s, and W is
    needed (shown, it gives s = W - u - v = 3 back), so it stays hidden."""
    t = LinkedTables()
    t.cell("s", 3)
    t.cell("u", 30, weight=6)
    t.cell("v", 20, weight=6)
    t.cell("W", 53, weight=5)
    t.line("W", ["s", "u", "v"])
    protection = protect(t)
    assert protection.hidden == {"s", "W"}
    result = audit(t, protection)
    assert result.passed, result.reasons()
    assert ranges(result)["s"] == (1, None)  # W is tied to nothing else shown
    shown = audit(t, naive(t, {"s"}))
    assert ranges(shown)["s"] == (3, 3)
    assert not shown.passed


# ---------------------------------------------------------------------------------------------
# 8. The linear relaxation, when fractional, gives way to the integer program
# ---------------------------------------------------------------------------------------------


def test_a_fractional_relaxation_is_not_taken_for_the_answer():
    """a = 3 of T = 10 printed as the band 25% to 50%: the relaxation's least a is 2.5, the least
    whole a is 3; b = T - a is 5 to 7."""
    t = LinkedTables()
    for k, v in {"a": 3, "b": 7, "T": 10}.items():
        t.cell(k, v)
    t.line("T", ["a", "b"])
    ratio = band("a band", "a", "T", t.values, 4)
    assert (ratio.low, ratio.high) == (0.25, 0.5)
    result = audit(t, naive(t, {"a", "b"}, (ratio,)))
    assert ranges(result)["a"] == (3, 5)
    assert ranges(result)["b"] == (5, 7)
    quantities = {"a": (("a",), ()), "b": (("b",), ())}
    assert brute_ranges(t, {"a", "b"}, (ratio,), quantities, cap=10) == {"a": (3, 5), "b": (5, 7)}


@FEW
@given(st.data())
def test_audit_ranges_with_bands_are_the_brute_force_ranges(data: st.DataObject):
    built = data.draw(linked_tables(max_tables=2, max_ratios=3, band_only=True, largest=25))
    t = built.tables
    grands = set(built.grands)
    candidates = sorted(set(t.values) - grands)
    extra = data.draw(st.sets(st.sampled_from(candidates), max_size=3)) if candidates else set()
    hidden = (primary(t) - grands) | extra
    ratios = tuple(built.ratios)
    quantities = dict(expected_sensitive(t))
    for k in hidden:
        quantities.setdefault(k, ((k,), ()))
    try:
        brute = brute_ranges(t, hidden, ratios, quantities, cap=max(t.values[g] for g in grands))
    except TooBig:
        reject()
    result = audit(t, naive(t, hidden, ratios))
    for r in result.ranges:
        assert (r.low, r.high) == brute[r.name], r.name


def test_a_fractional_relaxation_of_large_counts_is_not_taken_for_the_answer():
    """a = 100,000 of T = 200,001 printed as 50.0%: a lies in [99,900.4995, 100,100.5005], so the
    whole numbers 99,901 to 100,100; b = T - a the same."""
    t = LinkedTables()
    for k, v in {"a": 100_000, "b": 100_001, "T": 200_001}.items():
        t.cell(k, v)
    t.line("T", ["a", "b"])
    share = one_decimal_share("a share", "a", "T", t.values)
    assert (share.low, share.high) == (0.4995, 0.5005)
    result = audit(t, naive(t, {"a", "b"}, (share,)))
    assert ranges(result)["a"] == (99_901, 100_100)
    assert ranges(result)["b"] == (99_901, 100_100)


# ---------------------------------------------------------------------------------------------
# 9. Equalities implied by other equalities do not make the program look infeasible
# ---------------------------------------------------------------------------------------------


def every_range_holds_the_truth(t: LinkedTables, result: Audit) -> None:
    named = {s.name: s for s in sensitive(t)}
    for r in result.ranges:
        true = t.values[r.name] if r.name in t.values else named[r.name].value(t.values)
        assert r.low <= true and (r.high is None or true <= r.high), r.name


def _grades_categories_units(values: dict[str, int], units: tuple[str, ...]) -> LinkedTables:
    """A report's linked tables as the publication builds them: grades (good, RI, I; concern = RI + I),
    three categories and ``units`` (each split good / concern), and the categories' frames (implicit, each
    at least its category's reviews); a listed category or unit has at least 1."""
    t = LinkedTables()
    listed = {"cat/a", "cat/b", "cat/c", *(f"unit/{u}" for u in units)}
    for k, v in values.items():
        t.cell(k, v, implicit=k.startswith("frame/"), floor=1 if k in listed else 0)
    t.line("reviews", ["good", "RI", "I"])
    t.line("concern", ["RI", "I"])
    t.line("reviews", ["good", "concern"])
    for part in ("a", "b", "c"):
        t.line(f"cat/{part}", [f"cat/{part}/good", f"cat/{part}/concern"])
        t.at_most(f"frame/{part}", [f"cat/{part}"])
    t.line("reviews", ["cat/a", "cat/b", "cat/c"])
    t.line("good", ["cat/a/good", "cat/b/good", "cat/c/good"])
    t.line("concern", ["cat/a/concern", "cat/b/concern", "cat/c/concern"])
    for unit in units:
        t.line(f"unit/{unit}", [f"unit/{unit}/good", f"unit/{unit}/concern"])
    t.line("reviews", [f"unit/{u}" for u in units])
    t.line("good", [f"unit/{u}/good" for u in units])
    t.line("concern", [f"unit/{u}/concern" for u in units])
    t.line("frames", ["frame/a", "frame/b", "frame/c"])
    return t


def _a_report_whose_totals_meet_through_three_tables() -> tuple[LinkedTables, set[str]]:
    """The tables of a random published inspection (seed 100116 of the publication attack) on which
    HiGHS's integer presolve called the true counts infeasible: reviews = good + concern is implied
    by the grade line and the concern line, and the category, unit and frame lines repeat it again."""
    values = {
        "reviews": 23, "good": 3, "RI": 11, "I": 9, "concern": 20,
        "cat/a": 5, "cat/a/good": 2, "cat/a/concern": 3,
        "cat/b": 13, "cat/b/good": 1, "cat/b/concern": 12,
        "cat/c": 5, "cat/c/good": 0, "cat/c/concern": 5,
        "unit/E": 9, "unit/E/good": 2, "unit/E/concern": 7,
        "unit/N": 14, "unit/N/good": 1, "unit/N/concern": 13,
        "frames": 65, "frame/a": 44, "frame/b": 13, "frame/c": 8,
    }  # fmt: skip
    t = _grades_categories_units(values, ("E", "N"))
    hidden = {"good", "I", "concern", "frame/a", "frame/b", "frame/c"}
    hidden |= {k for k in values if k.startswith("cat/") and k != "cat/c/good"}
    hidden |= {k for k in values if k.startswith("unit/") and "/" in k[5:]}
    return t, hidden


def test_equalities_implied_by_others_leave_the_true_counts_feasible():
    t, hidden = _a_report_whose_totals_meet_through_three_tables()
    band = Ratio("headline band", "concern", "reviews", 0.85, 1.0)
    result = audit(t, naive(t, hidden, (band,)))  # raised "contradict themselves" before
    found = ranges(result)
    # concern >= 0.85 * 23 = 19.55 so 20 or more; good = 23 - concern is the sum of two printed [c]
    # (1 or more each), so good is 2 or more and concern 21 or less.
    assert found["concern"] == (20, 21)
    assert found["good"] == (2, 3)
    every_range_holds_the_truth(t, result)


def _three_units_and_a_large_frame() -> tuple[LinkedTables, set[str]]:
    """Seed 100309 of the publication attack: HiGHS's presolve called the true counts infeasible with no
    band at all (three units, a frame of 249 hidden beside two small ones, nothing implied twice)."""
    values = {
        "reviews": 13, "good": 3, "RI": 10, "I": 0, "concern": 10,
        "cat/a": 5, "cat/a/good": 1, "cat/a/concern": 4,
        "cat/b": 5, "cat/b/good": 2, "cat/b/concern": 3,
        "cat/c": 3, "cat/c/good": 0, "cat/c/concern": 3,
        "unit/E": 4, "unit/E/good": 0, "unit/E/concern": 4,
        "unit/N": 6, "unit/N/good": 2, "unit/N/concern": 4,
        "unit/S": 3, "unit/S/good": 1, "unit/S/concern": 2,
        "frames": 267, "frame/a": 249, "frame/b": 14, "frame/c": 4,
    }  # fmt: skip
    t = _grades_categories_units(values, ("E", "N", "S"))
    hidden = {"good", "RI", "concern", "frame/a", "frame/b", "frame/c", "unit/E", "unit/S"}
    hidden |= {k for k in values if k.startswith("cat/") and k != "cat/c/good"}
    hidden |= {"unit/E/concern", "unit/N/good", "unit/N/concern", "unit/S/good", "unit/S/concern"}
    return t, hidden


@pytest.mark.parametrize("band", [None, (0.75, 1.0)])
def test_a_program_highs_presolve_misjudged_is_solved_and_every_range_holds_the_truth(band):
    t, hidden = _three_units_and_a_large_frame()
    ratios = () if band is None else (Ratio("headline band", "concern", "reviews", *band),)
    result = audit(t, naive(t, hidden, ratios))  # raised "contradict themselves" before
    every_range_holds_the_truth(t, result)
    # concern = RI + 0 and good + concern = 13: with the band concern >= 9.75, so 10 to 13 less what
    # the two printed [c] goods (1 or more each, adding to good) leave: good >= 2, concern <= 11.
    if band is not None:
        assert ranges(result)["concern"] == (10, 11)
