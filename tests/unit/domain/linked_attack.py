"""An independent attacker for ``casereview.domain.linked``: random linked tables and brute force.

The brute force knows nothing of HiGHS: it enumerates every whole-number assignment of the hidden
cells that agrees with the shown cells, every line and every ratio (read at the decimal precision it
was printed) and what any reader knows without the numbers (zeros are always shown and nothing hides
a zero, so a count printed as [c] is 1 or more; a listed row has at least its floor), by bounds
propagation and branching, and reports the smallest and largest value of each quantity over all of
them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from hypothesis import strategies as st

from casereview.domain.linked import LinkedTables, Ratio

SMALL = range(1, 5)


class TooBig(Exception):
    """The enumeration would visit more assignments than the budget allows."""


# ---------------------------------------------------------------------------------------------
# Random linked tables
# ---------------------------------------------------------------------------------------------


@dataclass
class Built:
    tables: LinkedTables
    grands: list[str] = field(default_factory=list)  # each table's grand total
    members: dict[str, set[str]] = field(default_factory=dict)  # grand total -> keys in its table
    ratios: list[Ratio] = field(default_factory=list)


def one_decimal_share(
    name: str, numerator: str, denominator: str, values: Mapping[str, int]
) -> Ratio:
    """The share as a one-decimal percentage says ``p - 0.05% <= n / d <= p + 0.05%``."""
    n, d = values[numerator], values[denominator]
    tenths = (2000 * n + d) // (2 * d)  # round half up, exactly: the printed per-mille
    return Ratio(name, numerator, denominator, (2 * tenths - 1) / 2000, (2 * tenths + 1) / 2000)


def band(
    name: str, numerator: str, denominator: str, values: Mapping[str, int], width: int
) -> Ratio:
    """The share as a band of ``1/width`` (quarters, say), which the true share lies in."""
    n, d = values[numerator], values[denominator]
    step = min(n * width // d, width - 1)
    return Ratio(name, numerator, denominator, step / width, (step + 1) / width)


@st.composite
def linked_tables(
    draw: st.DrawFn,
    *,
    max_tables: int = 3,
    max_ratios: int = 3,
    share_ratios_only: bool = False,
    implicit: bool = False,
    largest: int = 9,
    floors: bool = False,
    unprinted: bool = False,
    band_only: bool = False,
) -> Built:
    """1 to ``max_tables`` tables of up to 3 x 3 with their margins; later tables may print a count an
    earlier one printed (the same key); some ratios (one-decimal shares or bands, or bands only).

    ``floors``: some non-zero inner cells are listed rows (a reader knows they are at least 1);
    ``unprinted``: some inner cells are printed nowhere (tied by lines only, so possibly 0)."""
    t = LinkedTables()
    built = Built(t)
    earlier: list[str] = []  # keys any later table may print again (not grand totals)
    line_list: list[tuple[str, tuple[str, ...]]] = []
    for n in range(draw(st.integers(1, max_tables))):
        rows = draw(st.integers(1, 3))
        cols = draw(st.integers(2 if rows == 1 else 1, 3))
        used: set[str] = set()
        grid: list[list[str]] = []
        for i in range(rows):
            row: list[str] = []
            for j in range(cols):
                choices = [k for k in earlier if k not in used]
                if choices and draw(st.integers(0, 4)) == 0:
                    key = draw(st.sampled_from(choices))
                else:
                    key = f"t{n}r{i}c{j}"
                    value = draw(st.one_of(st.integers(0, 4), st.integers(0, largest)))
                    hide = implicit and draw(st.integers(0, 3)) == 0
                    floor = 1 if floors and value > 0 and draw(st.integers(0, 2)) == 0 else 0
                    printed = not (unprinted and draw(st.integers(0, 3)) == 0)
                    t.cell(key, value, implicit=hide, floor=floor, printed=printed)
                used.add(key)
                row.append(key)
            grid.append(row)
        grand = f"t{n}total"
        cells = [k for row in grid for k in row]
        mine = set(cells)
        if rows > 1 and cols > 1:
            row_totals = []
            for i, row in enumerate(grid):
                key = t.cell(f"t{n}r{i}total", sum(t.values[k] for k in row))
                t.line(key, row)
                line_list.append((key, tuple(row)))
                row_totals.append(key)
            col_totals = []
            for j in range(cols):
                column = [grid[i][j] for i in range(rows)]
                key = t.cell(f"t{n}c{j}total", sum(t.values[k] for k in column))
                t.line(key, column)
                line_list.append((key, tuple(column)))
                col_totals.append(key)
            t.cell(grand, sum(t.values[k] for k in cells))
            t.line(grand, row_totals)
            t.line(grand, col_totals)
            line_list += [(grand, tuple(row_totals)), (grand, tuple(col_totals))]
            mine |= {*row_totals, *col_totals}
            earlier += [*row_totals, *col_totals]
        else:
            t.cell(grand, sum(t.values[k] for k in cells))
            t.line(grand, cells)
            line_list.append((grand, tuple(cells)))
        earlier += [k for k in cells if k not in earlier]
        mine.add(grand)
        built.grands.append(grand)
        built.members[grand] = mine
    for r in range(draw(st.integers(0, max_ratios))):
        if share_ratios_only or draw(st.booleans()):
            total, parts = draw(st.sampled_from(line_list))
            numerator, denominator = draw(st.sampled_from(parts)), total
        else:
            keys = sorted(t.values)
            numerator, denominator = draw(st.sampled_from(keys)), draw(st.sampled_from(keys))
        if t.values[denominator] == 0 or numerator == denominator:
            continue
        if t.values[numerator] > t.values[denominator] or (not band_only and draw(st.booleans())):
            ratio = one_decimal_share(f"share {r}", numerator, denominator, t.values)
        else:
            width = draw(st.sampled_from([2, 4, 10]))
            ratio = band(f"band {r}", numerator, denominator, t.values, width)
        built.ratios.append(ratio)
    return built


# ---------------------------------------------------------------------------------------------
# What the rule says is sensitive, computed again from the words of the rule
# ---------------------------------------------------------------------------------------------


def expected_sensitive(tables: LinkedTables) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Every count from 1 to 4, and every (total less a non-zero part) from 1 to 4 in a line of two or
    more parts (a zero part's complement is the total itself)."""
    out: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for k, v in tables.values.items():
        if v in SMALL:
            out[k] = ((k,), ())
    for line in tables.lines:
        if len(line.parts) < 2:
            continue
        for part in line.parts:
            if tables.values[part] > 0 and tables.values[line.total] - tables.values[part] in SMALL:
                out.setdefault(f"{line.total} less {part}", ((line.total,), (part,)))
    return out


def known_least(tables: LinkedTables, hidden: Iterable[str]) -> dict[str, int]:
    """The least any reader knows each hidden cell to be, from the rule's words: its floor (a listed
    row has at least 1), and 1 for a count printed as [c] (zeros are shown, nothing hides a zero).
    A count printed nowhere (a complement, or an implicit input to a figure) may be 0.  A hidden
    cell whose true value is 0 keeps 0 (the true values are always one consistent assignment)."""
    out = {}
    for k in hidden:
        least = tables.floors.get(k, 0)
        if k not in tables.unprinted and k not in tables.implicit and tables.values[k] > 0:
            least = max(least, 1)
        out[k] = least
    return out


def line_groups(tables: LinkedTables, hidden: Iterable[str]) -> dict[str, int]:
    """Hidden cells joined through lines only (an independent union-find), numbered."""
    hidden = set(hidden)
    parent = {k: k for k in hidden}

    def find(k: str) -> str:
        while parent[k] != k:
            k = parent[k]
        return k

    for line in tables.lines:
        members = [k for k in line.members if k in hidden]
        for a in members[1:]:
            parent[find(a)] = find(members[0])
    roots = sorted({find(k) for k in hidden})
    return {k: roots.index(find(k)) for k in hidden}


# ---------------------------------------------------------------------------------------------
# Brute force
# ---------------------------------------------------------------------------------------------

# A constraint: sum(coefficient * variable) + constant (==, >=) 0, in whole numbers.
Constraint = tuple[tuple[tuple[str, int], ...], int, str]


def _constraints(
    tables: LinkedTables, hidden: set[str], ratios: Sequence[Ratio]
) -> list[Constraint]:
    values = tables.values
    out: list[Constraint] = []

    def linear(signed: Iterable[tuple[str, Fraction]], op: str) -> None:
        coefficients: dict[str, Fraction] = {}
        constant = Fraction(0)
        for key, sign in signed:
            if key in hidden:
                coefficients[key] = coefficients.get(key, Fraction(0)) + sign
            else:
                constant += sign * values[key]
        terms = {k: c for k, c in coefficients.items() if c != 0}
        if not terms:
            ok = constant == 0 if op == "==" else constant >= 0
            if not ok:
                raise AssertionError("the shown cells break a line or a ratio")
            return
        scale = math.lcm(constant.denominator, *(c.denominator for c in terms.values()))
        whole = tuple((k, int(c * scale)) for k, c in terms.items())
        out.append((whole, int(constant * scale), op))

    one = Fraction(1)
    for line in tables.lines:
        linear([(line.total, one), *((p, -one) for p in line.parts)], "==")
    for ratio in ratios:
        # printed at a decimal precision: read the bounds as the decimals they stand for
        low, high = Fraction(str(ratio.low)), Fraction(str(ratio.high))
        linear([(ratio.numerator, one), (ratio.denominator, -low)], ">=")
        linear([(ratio.numerator, -one), (ratio.denominator, high)], ">=")
    return out


def _ceil(a: int, b: int) -> int:
    return -((-a) // b)


def _propagate(lo: dict[str, int], hi: dict[str, int], constraints: list[Constraint]) -> bool:
    """Narrow every variable's bounds until each constraint agrees with them; False: none can."""
    changed = True
    while changed:
        changed = False
        for terms, constant, op in constraints:
            least = constant + sum(c * (lo[v] if c > 0 else hi[v]) for v, c in terms)
            most = constant + sum(c * (hi[v] if c > 0 else lo[v]) for v, c in terms)
            if most < 0 or (op == "==" and least > 0):
                return False
            for v, c in terms:
                # sum >= 0 needs c*v >= -(the most the others can give)
                rest_most = most - c * (hi[v] if c > 0 else lo[v])
                if c > 0:
                    new = _ceil(-rest_most, c)
                    if new > lo[v]:
                        lo[v], changed = new, True
                else:
                    new = (-rest_most) // c
                    if new < hi[v]:
                        hi[v], changed = new, True
                if op == "==":  # and sum <= 0 needs c*v <= -(the least the others can give)
                    rest_least = least - c * (lo[v] if c > 0 else hi[v])
                    if c > 0:
                        new = (-rest_least) // c
                        if new < hi[v]:
                            hi[v], changed = new, True
                    else:
                        new = _ceil(-rest_least, c)
                        if new > lo[v]:
                            lo[v], changed = new, True
                if lo[v] > hi[v]:
                    return False
            if changed:
                break  # the sums again, with the narrowed bounds
    return True


def enumerate_solutions(
    constraints: list[Constraint],
    variables: Iterable[str],
    *,
    cap: int,
    budget: int = 20_000,
    least: Mapping[str, int] | None = None,
) -> list[dict[str, int]]:
    """Every assignment of ``variables``, each from its ``least`` (0 unless given) to ``cap``,
    meeting every constraint."""
    solutions: list[dict[str, int]] = []
    visited = 0

    def search(lo: dict[str, int], hi: dict[str, int]) -> None:
        nonlocal visited
        visited += 1
        if visited > budget:
            raise TooBig
        if not _propagate(lo, hi, constraints):
            return
        open_ = [k for k in lo if lo[k] < hi[k]]
        if not open_:
            solutions.append(dict(lo))
            return
        pick = min(open_, key=lambda k: (hi[k] - lo[k], k))
        for value in range(lo[pick], hi[pick] + 1):
            lo2, hi2 = dict(lo), dict(hi)
            lo2[pick] = hi2[pick] = value
            search(lo2, hi2)

    names = sorted(variables)
    least = least or {}
    search({k: least.get(k, 0) for k in names}, {k: cap for k in names})
    return solutions


def brute_ranges(
    tables: LinkedTables,
    hidden: Iterable[str],
    ratios: Sequence[Ratio],
    quantities: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]],
    *,
    cap: int,
    budget: int = 20_000,
    knowledge: bool = True,
) -> dict[str, tuple[int, int]]:
    """The smallest and largest value of each quantity over every consistent assignment.

    With ``knowledge`` each hidden cell starts at ``known_least`` (what any reader knows); without
    it, at 0.

    Hidden cells that no line or ratio ties together are enumerated apart (their assignments are
    independent), so a quantity's extremes are the sums of its parts' extremes in each group."""
    hidden = set(hidden)
    least = known_least(tables, hidden) if knowledge else {}
    constraints = _constraints(tables, hidden, ratios)
    parent = {k: k for k in hidden}

    def find(k: str) -> str:
        while parent[k] != k:
            k = parent[k]
        return k

    for terms, _, _ in constraints:
        for v, _c in terms[1:]:
            parent[find(v)] = find(terms[0][0])
    groups: dict[str, set[str]] = {}
    for k in hidden:
        groups.setdefault(find(k), set()).add(k)
    solved: dict[str, list[dict[str, int]]] = {}
    for root, members in groups.items():
        mine = [c for c in constraints if find(c[0][0][0]) == root]
        solved[root] = enumerate_solutions(mine, members, cap=cap, budget=budget, least=least)
        assert solved[root], "the true values must be one of the assignments"
    out: dict[str, tuple[int, int]] = {}
    for name, (plus, minus) in quantities.items():
        signed: dict[str, int] = {}
        constant = 0
        for keys, sign in ((plus, 1), (minus, -1)):
            for k in keys:
                if k in hidden:
                    signed[k] = signed.get(k, 0) + sign
                else:
                    constant += sign * tables.values[k]
        low = high = constant
        for root in {find(k) for k in signed}:
            seen = [sum(c * s[k] for k, c in signed.items() if k in s) for s in solved[root]]
            low, high = low + min(seen), high + max(seen)
        out[name] = (low, high)
    return out
