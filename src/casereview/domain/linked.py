"""One disclosure model for a whole published report: linked tables, their protection, and an auditor.

Every number a published report prints is a *cell* (a count with a key that
names what it counts, the same key wherever the same count appears) or is
*derived* from cells (a share, an interval, a p value, a weighted estimate, a
median).  Cells are tied together by *lines*: a total equals the sum of its
parts, wherever the tables print it.  A coarsened figure (a share printed as
a band, a share printed to one decimal place) is a *ratio*: it tells an
attacker ``low <= numerator / denominator <= high``.

The rule (docs/reports.md, "Disclosure"):

* **primary**: a count from 1 to 4 is hidden, and so is a part of a line whose
  complement within that line's total (the total less the part) is from 1 to 4;
* **derived figures** are shown only when every cell they are computed from is
  shown; a cell that is printed nowhere itself (``implicit``) is known to an
  attacker exactly when a derived figure using it is shown;
* **secondary**: more cells are hidden, the least informative first (lowest
  weight, then smallest count), until the auditor cannot narrow any sensitive
  quantity too far;
* **protection**: a sensitive quantity (a primary cell, or a complement) is
  protected when the tightest range an attacker can prove for it, from every
  shown cell, every line and every ratio, with counts whole and not negative
  (and not below what any reader knows: a printed [c] is 1 or more, since
  zeros are shown; a listed row has at least 1), still reaches 5 or more and
  holds at least 5 values: nobody can prove it is from 1 to 4, nor pin it down.

``audit`` proves the ranges with an integer program per hidden quantity,
solved by HiGHS (``scipy.optimize.milp``), one connected group of hidden cells
at a time.  Everything here is pure: no Django, no files.

(Over the 600-line mark: the protection and the auditor share the program builder and its cache, and
splitting them would make the two import each other.)
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .language import Phrase, gettext_lazy, gettext_noop

SMALL = range(1, 5)
MARK = "[c]"  # every hidden count, small or not (the Government Analysis Function's shorthand)
PROTECTED_ABOVE = 5  # a sensitive quantity's proven range must reach this …
PROTECTED_SPAN = 5  # … and hold at least this many whole numbers
LEAST_HIDDEN = (
    1  # zeros are shown and nothing hides a zero: any reader knows a printed [c] is 1 or more
)
#: The rule in English (marked for the catalogue): the audit's JSON, whose digest names the audit in every
#: language, keeps it so; a document prints it in its own language (``say_word(RULE)``).
RULE = gettext_noop(
    "Counts from 1 to 4, and counts whose complement within a published total is from 1 to 4, are "
    "hidden; other counts are hidden until, for each of those, the tightest range that can be proven "
    "from everything published (totals, whole numbers, shares and bands as printed, that a hidden "
    "count is never 0 since zeros are shown, and that a listed row has at least 1) reaches 5 or more "
    "and holds at least 5 values. A share, interval, test or estimate is shown only when every count "
    "it is computed from is shown."
)
_UNBOUNDED = 10**7  # a hidden count tied to nothing shown can be any size; the solver needs a bound
_RELEASED = (
    4  # secondary cells this valuable (the headline's) are shown again when the proof allows
)
_NO_LIMIT = 10**6  # a proven upper end this high means nothing bounds the count

Key = str


@dataclass(frozen=True)
class Line:
    """``total`` = the sum of ``parts``, as the tables print it."""

    total: Key
    parts: tuple[Key, ...]

    @property
    def members(self) -> tuple[Key, ...]:
        return (self.total, *self.parts)


@dataclass(frozen=True)
class Ratio:
    """A published coarsened share: ``low <= numerator / denominator <= high``."""

    name: str
    numerator: Key
    denominator: Key
    low: float
    high: float


@dataclass
class LinkedTables:
    """The cells of a report's tables, what ties them, and what is derived from them."""

    values: dict[Key, int] = field(default_factory=dict)
    weights: dict[Key, int] = field(default_factory=dict)
    # What a reader knows without the count: a listed category has at least 1 review.
    floors: dict[Key, int] = field(default_factory=dict)
    implicit: set[Key] = field(default_factory=set)
    unprinted: set[Key] = field(default_factory=set)  # tied by lines, never printed (a complement)
    lines: list[Line] = field(default_factory=list)
    line_keys: set[tuple[Key, frozenset[Key]]] = field(
        default_factory=set, repr=False, compare=False
    )
    limits: list[Line] = field(
        default_factory=list
    )  # sum(parts) <= total: a part of a larger count
    derived: dict[str, tuple[Key, ...]] = field(default_factory=dict)
    # Ranges already proven, by (unknown cells, quantity, ratios): the same question is asked often.
    solved: dict[Any, tuple[int, int | None]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def cell(
        self,
        key: Key,
        value: int,
        *,
        weight: int = 1,
        implicit: bool = False,
        floor: int = 0,
        printed: bool | None = None,
    ) -> Key:
        """Add a cell (or check that the same key, printed again, has the same value).

        ``floor``: the least the count can be, as any reader knows (a listed row has at least 1).
        ``printed``: False for a count no table prints (a complement tied to its total by a line); by
        default an implicit cell is not printed, another is.  A printed cell hidden is ``[c]``, which any
        reader knows is not 0."""
        if printed is None:
            printed = not implicit
        self.solved.clear()
        value = int(value)
        if value < 0:
            raise ValueError(f"a count cannot be negative: {key} = {value}")
        known = self.values.get(key)
        if known is not None and known != value:
            raise ValueError(f"{key} is {known} in one table and {value} in another")
        if floor > value:
            raise ValueError(f"{key} is {value}, below the {floor} any reader knows it to be")
        self.values[key] = value
        self.weights[key] = max(weight, self.weights.get(key, weight))
        if floor:
            self.floors[key] = max(floor, self.floors.get(key, 0))
        if implicit and known is None:
            self.implicit.add(key)
        elif not implicit:
            self.implicit.discard(key)
        if not printed and known is None:
            self.unprinted.add(key)
        elif printed:
            self.unprinted.discard(key)
        return key

    def line(self, total: Key, parts: Iterable[Key]) -> None:
        """``total`` = sum of ``parts``; both must be cells already, and the sum must hold."""
        parts = tuple(parts)
        if not parts:
            return
        self.solved.clear()
        missing = [k for k in (total, *parts) if k not in self.values]
        if missing:
            raise KeyError(f"not cells: {missing}")
        if self.values[total] != sum(self.values[p] for p in parts):
            raise ValueError(f"{total} is not the sum of {parts}")
        # The same total of the same parts, met again in another table: one constraint (HiGHS has been
        # seen to call a program with repeated equality rows infeasible when it was not).
        same = (total, frozenset(parts))
        if same in self.line_keys:
            return
        self.line_keys.add(same)
        self.lines.append(Line(total, parts))

    def at_most(self, total: Key, parts: Iterable[Key]) -> None:
        """``parts`` add up to no more than ``total`` (a stratum's sampled cases are within its frame)."""
        parts = tuple(parts)
        missing = [k for k in (total, *parts) if k not in self.values]
        if missing:
            raise KeyError(f"not cells: {missing}")
        if not parts or sum(self.values[p] for p in parts) > self.values[total]:
            raise ValueError(f"{parts} add up to more than {total}")
        self.solved.clear()
        self.limits.append(Line(total, parts))

    def derive(self, name: str, inputs: Iterable[Key]) -> str:
        """A figure computed from ``inputs`` (all cells), shown only when all of them are."""
        inputs = tuple(inputs)
        missing = [k for k in inputs if k not in self.values]
        if missing:
            raise KeyError(f"not cells: {missing}")
        self.derived[name] = tuple(dict.fromkeys((*self.derived.get(name, ()), *inputs)))
        return name


@dataclass(frozen=True)
class Sensitive:
    """A quantity that must stay protected: a small cell, or a total less one of its parts."""

    name: str
    plus: tuple[Key, ...]
    minus: tuple[Key, ...] = ()

    def value(self, values: Mapping[Key, int]) -> int:
        return sum(values[k] for k in self.plus) - sum(values[k] for k in self.minus)


def sensitive(tables: LinkedTables) -> list[Sensitive]:
    """Every primary quantity: cells from 1 to 4, and a line's part whose complement is from 1 to 4."""
    out = [Sensitive(k, (k,)) for k, v in tables.values.items() if v in SMALL]
    seen = {s.name for s in out}
    for line in tables.lines:
        total = tables.values[line.total]
        for part in line.parts:
            name = f"{line.total} less {part}"
            # A zero part's complement is the total itself, a quantity of its own when small.
            if (
                tables.values[part] > 0
                and total - tables.values[part] in SMALL
                and name not in seen
                and len(line.parts) > 1
            ):
                seen.add(name)
                out.append(Sensitive(name, (line.total,), (part,)))
    return out


def primary(tables: LinkedTables) -> set[Key]:
    """The cells the primary rule hides: small ones, and parts whose complement is small."""
    hidden: set[Key] = set()
    for s in sensitive(tables):
        hidden.update(s.plus if len(s.plus) == 1 and not s.minus else s.minus)
    return hidden


@dataclass(frozen=True)
class Protection:
    """Which cells are hidden and which derived figures are withheld."""

    hidden: frozenset[Key]
    primary: frozenset[Key]
    withheld: frozenset[str]
    ratios: tuple[Ratio, ...] = ()

    def shown(self, key: Key) -> bool:
        return key not in self.hidden

    def shows(self, figure: str) -> bool:
        return figure not in self.withheld


def _close(tables: LinkedTables, hidden: set[Key]) -> set[str]:
    """Withhold derived figures that use a hidden cell; hide implicit cells no shown figure reveals.

    Repeats until nothing changes (``hidden`` grows in place); returns the withheld figures."""
    while True:
        withheld = {n for n, inputs in tables.derived.items() if any(k in hidden for k in inputs)}
        revealed = {k for n, inputs in tables.derived.items() if n not in withheld for k in inputs}
        # A zero stays shown: it reveals nothing, and a [c] is never 0.
        dark = {
            k
            for k in tables.implicit
            if k not in revealed and k not in hidden and tables.values[k] > 0
        }
        if not dark:
            return withheld
        hidden |= dark


def _cost(tables: LinkedTables, key: Key) -> tuple[int, int, int, Key]:
    uses = sum(key in inputs for inputs in tables.derived.values())
    is_total = any(line.total == key for line in tables.lines)
    return (tables.weights.get(key, 1), uses, tables.values[key] + (1 if is_total else 0), key)


def _lone_lines(tables: LinkedTables, hidden: set[Key], kept: set[Key]) -> bool:
    """Hide the cheapest other non-zero member of every line with exactly one hidden member."""
    changed = False
    for line in tables.lines:
        members = line.members
        if sum(k in hidden for k in members) != 1:
            continue
        candidates = {k for k in members if k not in hidden and tables.values[k] > 0}
        if candidates:
            hidden.add(min(candidates - kept or candidates, key=lambda k: _cost(tables, k)))
            changed = True
    return changed


def protect(
    tables: LinkedTables, *, ratios: Iterable[Ratio] = (), keep: Iterable[Key] = ()
) -> Protection:
    """Choose the cells to hide: the primary ones, then secondary ones until the auditor is satisfied.

    ``keep`` names cells not to hide as a secondary choice while another will do (the headline's)."""
    ratios = tuple(ratios)
    first = primary(tables)
    hidden = set(first)
    kept = set(keep)
    checking: set[str] | None = {s.name for s in sensitive(tables)}  # every one, the first time
    while True:
        _close(tables, hidden)
        while _lone_lines(tables, hidden, kept):
            _close(tables, hidden)
        withheld = _close(tables, hidden)
        protection = Protection(frozenset(hidden), frozenset(first), frozenset(withheld), ratios)
        # Hiding more only widens every range, so a quantity once protected stays protected: after the
        # first attack, only the ones that failed are attacked again.
        result = audit(tables, protection, only=checking)
        failing = [r for r in result.ranges if r.sensitive and not r.protected]
        checking = {r.name for r in failing}
        if not failing:
            return _release(tables, protection)
        added = False
        for r in failing:
            pick = _secondary_for(tables, hidden, r.keys, kept)
            if pick is not None and pick not in hidden:
                hidden.add(pick)
                added = True
        if not added:
            return protection  # nothing left to hide helps: the audit will say why


def _release(tables: LinkedTables, protection: Protection) -> Protection:
    """Show again, most valuable first, each secondary headline count (weight ``_RELEASED`` or more)
    that the auditor finds is not needed: the quick line rule hides more than the proof requires."""
    hidden = set(protection.hidden)
    spare = sorted(
        (k for k in hidden - protection.primary if tables.weights.get(k, 1) >= _RELEASED),
        key=lambda k: (-tables.weights.get(k, 1), -tables.values[k], k),
    )
    names = {s.name: s for s in sensitive(tables)}
    for key in spare:
        trial = hidden - {key}
        withheld = _close(tables, trial)
        group = joined(tables, trial | {key}, (key,), protection.ratios)
        only = [n for n, s in names.items() if group & {*s.plus, *s.minus}]
        attempt = Protection(
            frozenset(trial), protection.primary, frozenset(withheld), protection.ratios
        )
        if (
            trial >= protection.primary
            and audit(tables, attempt, only=only, until_failure=True).passed
        ):
            hidden = trial
    withheld = _close(tables, hidden)
    return Protection(frozenset(hidden), protection.primary, frozenset(withheld), protection.ratios)


def _secondary_for(
    tables: LinkedTables, hidden: set[Key], keys: tuple[Key, ...], kept: set[Key]
) -> Key | None:
    """The cheapest shown non-zero cell sharing a line with ``keys`` (then with their hidden neighbours)."""
    frontier = set(keys)
    seen: set[Key] = set()
    while frontier:
        seen |= frontier
        lines = [line for line in (*tables.lines, *tables.limits) if frontier & set(line.members)]
        candidates = {
            k for line in lines for k in line.members if k not in hidden and tables.values[k] > 0
        }
        if candidates:
            preferred = candidates - kept or candidates
            return min(preferred, key=lambda k: _cost(tables, k))
        frontier = {k for line in lines for k in line.members if k in hidden} - seen
    return None


@dataclass(frozen=True)
class Range:
    """What an attacker can prove about one hidden quantity: ``low`` to ``high`` (None: no upper bound)."""

    name: str
    keys: tuple[Key, ...]
    low: int
    high: int | None
    sensitive: bool
    floor: int = 0  # the least any reader knows it to be (a listed row has at least 1)

    @property
    def protected(self) -> bool:
        """Nobody can prove it is from 1 to 4, nor pin it to fewer than 5 values."""
        if not self.sensitive or self.high is None:
            return True
        return self.high >= PROTECTED_ABOVE and self.high - self.low + 1 >= PROTECTED_SPAN

    def to_json(self) -> dict[str, Any]:
        return {
            "cell": self.name,
            "low": self.low,
            "high": self.high,
            "floor": self.floor,
            "primary": self.sensitive,
            "protected": self.protected,
        }

    def words(self) -> str:
        high = "no upper limit" if self.high is None else f"{self.high:,}"
        state = "protected" if self.protected else "NOT protected"
        role = "primary" if self.sensitive else "secondary"
        return f"{self.name}: {self.low:,} to {high} ({role}, {state})"


@dataclass(frozen=True)
class Audit:
    """Every hidden quantity's proven range; ``passed`` when every sensitive one is protected."""

    ranges: tuple[Range, ...]

    @property
    def passed(self) -> bool:
        return all(r.protected for r in self.ranges)

    @property
    def failures(self) -> tuple[Range, ...]:
        return tuple(r for r in self.ranges if not r.protected)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "rule": RULE,
            "solver": "HiGHS (scipy.optimize.milp), one integer program per bound",
            "passed": self.passed,
            "hidden": [r.to_json() for r in self.ranges],
        }
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        return {**body, "sha256": digest}

    def reason_phrases(self) -> list[Phrase]:
        """Why the audit failed, a sentence for each quantity it could prove too closely (a page shows each in
        its reader's language; ``reasons`` is the English, for the command line and the journal)."""
        return [
            gettext_lazy(
                "%(name)s can be proven to lie between %(low)s and %(high)s: the range of a hidden count must "
                "reach %(above)s or more and hold at least %(span)s values",
                name=r.name,
                low=f"{r.low:,}",
                high=gettext_lazy("any number") if r.high is None else f"{r.high:,}",
                above=PROTECTED_ABOVE,
                span=PROTECTED_SPAN,
            )
            for r in self.failures
        ]

    def reasons(self) -> list[str]:
        return [str(reason) for reason in self.reason_phrases()]


def audit(
    tables: LinkedTables,
    protection: Protection,
    *,
    only: Collection[str] | None = None,
    until_failure: bool = False,
) -> Audit:
    """Attack the published tables: for every hidden cell and sensitive quantity, its tightest range.

    ``only`` limits the attack to the named quantities (a sensitive quantity's name, or a cell's key),
    attacked in its order; ``until_failure`` stops at the first unprotected one (a yes-or-no question)."""
    values = tables.values
    # A shown derived figure gives its inputs away, hidden or not: the attacker knows them.
    revealed = {
        k for n, inputs in tables.derived.items() if n not in protection.withheld for k in inputs
    }
    hidden = protection.hidden - revealed
    quantities: dict[str, tuple[tuple[Key, ...], tuple[Key, ...], bool]] = {}
    for s in sensitive(tables):
        quantities[s.name] = (s.plus, s.minus, True)
    for k in sorted(protection.hidden):
        quantities.setdefault(k, ((k,), (), False))
    groups = _groups(tables, hidden, protection.ratios)
    ranges: list[Range] = []
    names = list(quantities) if only is None else [n for n in only if n in quantities]
    for name in names:
        if until_failure and ranges and not ranges[-1].protected:
            break
        plus, minus, is_sensitive = quantities[name]
        floor = _least(tables, plus[0], hidden) if len(plus) == 1 and not minus else 0
        unknown = [k for k in (*plus, *minus) if k in hidden]
        if not unknown:
            v = sum(values[k] for k in plus) - sum(values[k] for k in minus)
            ranges.append(Range(name, (*plus, *minus), v, v, is_sensitive, floor))
            continue
        variables = sorted(set().union(*(groups[k] for k in unknown)))
        question = (tuple(variables), plus, minus, protection.ratios)  # the rest is known
        if question not in tables.solved:
            tables.solved[question] = _bounds(tables, protection, variables, plus, minus)
        low, high = tables.solved[question]
        ranges.append(Range(name, (*plus, *minus), low, high, is_sensitive, floor))
    return Audit(tuple(ranges))


def _least(tables: LinkedTables, key: Key, hidden: Collection[Key]) -> int:
    """The least a reader knows ``key`` to be: its floor, and 1 when it is printed as [c] (zeros are
    shown, and nothing hides a zero); a count printed nowhere can be 0."""
    floor = tables.floors.get(key, 0)
    if key in hidden and key not in tables.unprinted:
        floor = max(floor, min(tables.values[key], LEAST_HIDDEN))
    return floor


def _groups(
    tables: LinkedTables, hidden: frozenset[Key], ratios: Iterable[Ratio] = ()
) -> dict[Key, frozenset[Key]]:
    """Hidden cells joined when a line or a ratio ties them: each group can be solved on its own."""
    parent = {k: k for k in hidden}

    def find(k: Key) -> Key:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    ties = [line.members for line in (*tables.lines, *tables.limits)]
    ties += [(r.numerator, r.denominator) for r in ratios]
    for tie in ties:
        members = [k for k in tie if k in hidden]
        for a, b in zip(members, members[1:], strict=False):
            parent[find(a)] = find(b)
    out: dict[Key, set[Key]] = {}
    for k in hidden:
        out.setdefault(find(k), set()).add(k)
    return {k: frozenset(out[find(k)]) for k in hidden}


@dataclass(frozen=True)
class _Program:
    """One group's constraints, built once and asked many questions: ``A x`` between ``lows`` and
    ``highs``, every other cell held at its value."""

    index: dict[Key, int]
    matrix: Any
    lows: list[float]
    highs: list[float]
    floors: list[float]


def _program(tables: LinkedTables, protection: Protection, variables: list[Key]) -> _Program:
    import numpy as np  # scipy's own dependency

    key = ("program", tuple(variables), protection.ratios)
    cached = tables.solved.get(key)
    if isinstance(cached, _Program):
        return cached
    index = {k: i for i, k in enumerate(variables)}
    values = tables.values
    rows: list[Any] = []
    lows: list[float] = []
    highs: list[float] = []

    def add(terms: list[tuple[Key, float]], low: float, high: float) -> None:
        row = np.zeros(len(variables))
        constant = 0.0
        for k, sign in terms:
            if k in index:
                row[index[k]] += sign
            else:
                constant += sign * values[k]
        rows.append(row)
        lows.append(low - constant)
        highs.append(high - constant)

    for line in tables.lines:
        if any(k in index for k in line.members):
            add([(line.total, 1.0), *((p, -1.0) for p in line.parts)], 0.0, 0.0)
    for line in tables.limits:
        if any(k in index for k in line.members):
            add([(line.total, 1.0), *((p, -1.0) for p in line.parts)], 0.0, math.inf)
    for ratio in protection.ratios:
        if ratio.numerator in index or ratio.denominator in index:
            # numerator - low * denominator >= 0 and numerator - high * denominator <= 0
            add([(ratio.numerator, 1.0), (ratio.denominator, -ratio.low)], 0.0, math.inf)
            add([(ratio.numerator, 1.0), (ratio.denominator, -ratio.high)], -math.inf, 0.0)
    floors = [float(_least(tables, k, frozenset(variables))) for k in variables]
    rows, lows, highs = _independent(rows, lows, highs)
    made = _Program(index, np.array(rows) if rows else None, lows, highs, floors)
    tables.solved[key] = made  # type: ignore[assignment]
    return made


def _independent(
    rows: list[Any], lows: list[float], highs: list[float]
) -> tuple[list[Any], list[float], list[float]]:
    """The rows less every equality that the other equalities imply (the same total reached through two
    tables: grades = concern + good and concern = inadequate + ...). HiGHS's integer presolve has been
    seen to call such a program infeasible when the true counts satisfy it; the implied rows add
    nothing, so they go. The lines hold for the true counts, so what is dropped is consistent."""
    import numpy as np  # scipy's own dependency
    from scipy.linalg import qr  # deferred: heavy, needed only here

    equal = [i for i, (lo, hi) in enumerate(zip(lows, highs, strict=True)) if lo == hi]
    if len(equal) < 2:
        return rows, lows, highs
    # Column-pivoted QR of the equalities as columns: the first ``rank`` pivots are independent.
    _, r, pivots = qr(np.array([rows[i] for i in equal]).T, mode="economic", pivoting=True)
    rank = int(np.sum(np.abs(np.diag(r)) > 1e-9 * max(1.0, abs(r[0, 0]))))
    dropped = {equal[p] for p in pivots[rank:]}
    kept = [i for i in range(len(rows)) if i not in dropped]
    return [rows[i] for i in kept], [lows[i] for i in kept], [highs[i] for i in kept]


def _bounds(
    tables: LinkedTables,
    protection: Protection,
    variables: list[Key],
    plus: tuple[Key, ...],
    minus: tuple[Key, ...],
) -> tuple[int, int | None]:
    """Minimise and maximise sum(plus) - sum(minus) over the hidden ``variables``, everything else known."""
    import numpy as np  # scipy's own dependency
    from scipy.optimize import Bounds, LinearConstraint, milp  # deferred: heavy, needed only here

    program = _program(tables, protection, variables)
    objective = np.zeros(len(variables))
    constant = 0.0
    for k, sign in (*((p, 1.0) for p in plus), *((m, -1.0) for m in minus)):
        if k in program.index:
            objective[program.index[k]] += sign
        else:
            constant += sign * tables.values[k]
    constraints = (
        [LinearConstraint(program.matrix, program.lows, program.highs)]
        if program.matrix is not None
        else []
    )
    bounds = Bounds(np.array(program.floors), np.full(len(variables), float(_UNBOUNDED)))
    integral = np.ones(len(variables))
    # The true counts satisfy every constraint, so each optimum must reach at least as far as the truth
    # does. HiGHS's presolve has been seen to call such a program infeasible (or to cut it short): an
    # answer that does not reach the truth is a solver's error, and the program is solved again with
    # presolve off, which has always agreed with brute force.
    truth = float(objective @ np.array([float(tables.values[k]) for k in variables]))
    found = []
    for direction in (1.0, -1.0):
        message = ""
        for options in ({}, {"presolve": False}):
            # The linear relaxation first: when its optimum is whole numbers it is the integer optimum
            # too (the relaxation can only do as well or better); otherwise the integer program decides.
            result = milp(
                direction * objective, constraints=constraints, bounds=bounds, options=options
            )
            if result.x is None or np.any(np.abs(result.x - np.round(result.x)) > 1e-6):
                result = milp(
                    direction * objective,
                    constraints=constraints,
                    integrality=integral,
                    bounds=bounds,
                    options=options,
                )
            if (
                result.x is not None
                and direction * float(objective @ result.x) <= direction * truth + 1e-6
            ):
                break
            message = str(result.message)
        else:
            raise ArithmeticError(
                f"the published tables contradict themselves (or the solver failed): {message}"
            )
        found.append(round(float(objective @ result.x) + constant))
    low, high = found
    # Far beyond any count a report holds: nothing bounds it (the solver may stop short of its bound).
    return low, (None if high >= _NO_LIMIT else high)


def joined(
    tables: LinkedTables, hidden: Collection[Key], keys: Iterable[Key], ratios: Iterable[Ratio] = ()
) -> set[Key]:
    """The hidden cells that lines (and ``ratios``) join to any of ``keys``: the group an extra
    constraint on them touches."""
    groups = _groups(tables, frozenset(hidden), ratios)
    return set().union(*(groups[k] for k in keys if k in groups))
