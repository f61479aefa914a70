"""An independent attack on a published report (issue 20), reading nothing but the published JSON.

Written without ``domain.linked`` or ``domain.publication``: it knows only what a reader of the
document knows — its keys, the documented methods (95% Wilson intervals, the z/Fisher comparisons of
``domain.statistics``, the design-weighted estimate) and the arithmetic that ties the tables together.

``constraints(document)`` turns the document into an integer model: one variable per count the
document names (printed, hidden as ``[c]``, or never printed but implied, such as the cases without a
weakness), every printed count fixed, and every relation a reader can justify:

* lines — grades sum to the reviews, the worse grades to the combined figure, category and unit rows
  (good + concern = reviews) and their columns (the rows cover every review), areas, send backs by
  urgency, open/closed, overdue/in time, answered/unanswered, agreement pairs, the sample's strata;
* order and presence — a listed category, unit or urgency has a case; ``recurring`` says a weakness
  was found now and then; ``overdue ≤ open``; a weakness ≤ the reviews;
* printed derived figures — a share is count/total to float precision, a Wilson interval fixes
  count and total together, a comparison's shares and p value fix its four counts, a band bounds the
  combined share, the design-weighted share is linear in the stratum counts (its standard error is
  checked by enumeration).

``attack(document)`` then minimises and maximises every variable with scipy's HiGHS MILP (our own
model, not the auditor's) and returns each hidden quantity's proven range.  A *leak* is a hidden
quantity proven to lie between 1 and 4.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

MARK = "[c]"
BIG = 100_000  # an upper bound for a count nothing else bounds
TOL = 1e-9  # printed floats are full double precision: a candidate must match to this (relative)


def _hidden(value: Any) -> bool:
    return value == MARK or (isinstance(value, str) and value.startswith("<"))


def _count(value: Any) -> int | None:
    """A printed whole number, else None (hidden or absent)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= TOL * max(1.0, abs(a), abs(b))


@lru_cache(maxsize=200_000)
def wilson(count: int, total: int) -> tuple[float, float]:
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(count, total, alpha=0.05, method="wilson")
    return float(low), float(high)


@lru_cache(maxsize=200_000)
def p_value(cn: int, tn: int, ct: int, tt: int) -> float:
    from casereview.domain.statistics import compare

    return compare(cn, tn, ct, tt).p_value


@dataclass
class Model:
    """Integer variables (by name) with linear constraints and table constraints."""

    index: dict[str, int] = field(default_factory=dict)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    rows: list[tuple[dict[str, float], float, float]] = field(default_factory=list)
    tables: list[tuple[tuple[str, ...], list[tuple[int, ...]]]] = field(default_factory=list)
    hidden: set[str] = field(default_factory=set)  # printed as [c] somewhere, or never printed
    shown: dict[str, int] = field(default_factory=dict)
    families: dict[str, set[str]] = field(default_factory=dict)  # which attack touched a variable
    infeasible: list[str] = field(default_factory=list)
    off: frozenset[str] = frozenset()  # attack families left out (to tell which one a leak needs)

    def var(self, name: str, *, ub: int = BIG) -> str:
        if name not in self.index:
            self.index[name] = len(self.index)
            self.lower.append(0)
            self.upper.append(ub)
        else:
            i = self.index[name]
            self.upper[i] = min(self.upper[i], ub)
        return name

    def cell(self, name: str, value: Any, *, implied: bool = False) -> str:
        """A count printed (fixed), hidden ([c]: a variable) or implied (never printed)."""
        self.var(name)
        printed = _count(value)
        if printed is not None:
            if name in self.shown and self.shown[name] != printed:
                self.infeasible.append(f"{name} printed as {self.shown[name]} and {printed}")
            self.shown[name] = printed
            self.fix(name, printed)
        elif _hidden(value) or implied or value is None:
            self.hidden.add(name)
            if _hidden(value) and "nonzero" not in self.off and not name.startswith("then/"):
                # the documented layout: zeros are shown, so a [c] is never 0 (not so for an earlier
                # result: its 0 of a total of 1 to 4 is hidden, see test_publication_attack)
                self.atleast(name, 1)
                self.families.setdefault("nonzero", set()).add(name)
        return name

    def fix(self, name: str, value: int) -> None:
        self.atleast(name, value)
        self.atmost(name, value)

    def atleast(self, name: str, value: int) -> None:
        i = self.index[self.var(name)]
        self.lower[i] = max(self.lower[i], value)
        if self.lower[i] > self.upper[i]:
            self.infeasible.append(f"{name} at least {value} and at most {self.upper[i]}")

    def atmost(self, name: str, value: int) -> None:
        i = self.index[self.var(name)]
        self.upper[i] = min(self.upper[i], value)
        if self.lower[i] > self.upper[i]:
            self.infeasible.append(f"{name} at most {value} and at least {self.lower[i]}")

    def eq(self, terms: Mapping[str, float], rhs: float = 0, family: str = "lines") -> None:
        for n in terms:
            self.var(n)
            self.families.setdefault(family, set()).add(n)
        self.rows.append((dict(terms), rhs, rhs))

    def le(self, terms: Mapping[str, float], rhs: float = 0, family: str = "lines") -> None:
        for n in terms:
            self.var(n)
            self.families.setdefault(family, set()).add(n)
        self.rows.append((dict(terms), -np.inf, rhs))

    def total(self, whole: str, parts: Iterable[str], family: str = "lines") -> None:
        terms: dict[str, float] = {whole: -1}
        for p in parts:
            terms[p] = terms.get(p, 0) + 1
        self.eq(terms, 0, family)

    def table(
        self, names: tuple[str, ...], allowed: Iterable[tuple[int, ...]], family: str
    ) -> None:
        allowed = sorted(set(allowed))
        for n in names:
            self.var(n)
            self.families.setdefault(family, set()).add(n)
        if not allowed:
            self.infeasible.append(f"{family}: no values of {names} give what is printed")
        self.tables.append((names, allowed))

    def bounds_of(self, name: str) -> tuple[int, int]:
        i = self.index[name]
        return int(self.lower[i]), int(self.upper[i])


# -- derived figures: the candidates a printed figure allows -------------------------------------


def _totals(model: Model, name: str, cap: int) -> range:
    lo, hi = model.bounds_of(name)
    return range(max(lo, 1), min(hi, cap) + 1)


def interval_pairs(
    model: Model, count: str, total: str, item: Mapping[str, Any], cap: int
) -> list[tuple[int, int]] | None:
    """Every (count, total) whose share and Wilson interval are the ones printed (None: nothing printed)."""
    share, low, high = item.get("share"), item.get("ci_low"), item.get("ci_high")
    if share is None and low is None and high is None:
        return None
    clo, chi = model.bounds_of(count)
    out = []
    for t in _totals(model, total, cap):
        if share is not None:
            c0 = round(share * t)
            candidates = [c for c in (c0 - 1, c0, c0 + 1) if 0 <= c <= t and _same(c / t, share)]
        else:
            candidates = list(range(0, t + 1))
        for c in candidates:
            if not clo <= c <= chi:
                continue
            if low is not None or high is not None:
                w_low, w_high = wilson(c, t)
                if low is not None and not _same(w_low, low):
                    continue
                if high is not None and not _same(w_high, high):
                    continue
            out.append((c, t))
    return out


def add_interval(
    model: Model, count: str, total: str, item: Mapping[str, Any], cap: int, family: str = "shares"
) -> None:
    model.le({count: 1, total: -1})
    if (
        model.bounds_of(count)[0] == model.bounds_of(count)[1]
        and model.bounds_of(total)[0] == (model.bounds_of(total)[1])
    ):
        return  # both printed: the share says nothing more
    pairs = interval_pairs(model, count, total, item, cap)
    if pairs is not None:
        model.table((count, total), pairs, family)


def add_comparison(
    model: Model, names: tuple[str, str, str, str], c: Mapping[str, Any], cap: int
) -> None:
    """``names`` = (count_now, total_now, count_then, total_then) variables of a printed comparison."""
    cn, tn, ct, tt = names
    for name, key in zip(
        names, ("count_now", "total_now", "count_then", "total_then"), strict=True
    ):
        model.cell(name, c.get(key))
    model.le({cn: 1, tn: -1})
    model.le({ct: 1, tt: -1})
    if all(model.bounds_of(n)[0] == model.bounds_of(n)[1] for n in names):
        return
    now = interval_pairs(model, cn, tn, {"share": c.get("share_now")}, cap)
    then = interval_pairs(model, ct, tt, {"share": c.get("share_then")}, cap)
    if now is None:
        now = [(a, b) for b in _totals(model, tn, 60) for a in range(b + 1)]
    if then is None:
        then = [(a, b) for b in _totals(model, tt, 60) for a in range(b + 1)]
    # A Wald test on design-weighted shares rests on the strata's counts, not on these four.
    wald = str(c.get("test") or "").startswith("Wald test")
    if c.get("p_value") is None or wald or len(now) * len(then) > 20_000:
        model.table((cn, tn), now, "comparisons")
        model.table((ct, tt), then, "comparisons")
        return
    p = float(c["p_value"])
    allowed = [(a, b, x, y) for a, b in now for x, y in then if _same(p_value(a, b, x, y), p)]
    model.table(names, allowed, "comparisons")


# -- the document ------------------------------------------------------------------------------


def _grade_count(row: Mapping[str, Any], code: str) -> Any:
    if code in row:
        return row[code]
    return (row.get("grades") or {}).get(code, {}).get("count")


def constraints(doc: Mapping[str, Any], off: frozenset[str] = frozenset()) -> Model:  # noqa: C901, PLR0912, PLR0915 - one walk over the document
    m = Model(off=off)
    reviews_ = m.cell("reviews", doc.get("reviews"))
    params = (doc.get("reproducibility") or {}).get("parameters") or {}
    grades = doc.get("grades") or {}
    codes = list(grades)
    concern_codes = list(params.get("concern_grades") or codes[1:])
    best = next((c for c in codes if c not in concern_codes), codes[0] if codes else "good")
    cap = max(60, m.shown.get("reviews", 0))
    frame = _count((doc.get("sample") or {}).get("frame_size"))
    cap = max(cap, frame or 0) if frame is not None and frame < 5000 else max(cap, 2000)

    # grades and the combined figure
    for code, g in grades.items():
        m.cell(f"grade/{code}", g.get("count"))
        m.cell(reviews_, g.get("total"))
    if grades:
        m.total(reviews_, [f"grade/{c}" for c in codes])
    concern_ = m.cell("concern", None, implied=True)
    if grades:
        m.total(concern_, [f"grade/{c}" for c in concern_codes if c in grades])
    head = doc.get("requires_improvement_or_inadequate") or {}
    m.cell(concern_, head.get("count"))
    m.cell(reviews_, head.get("total"))
    add_interval(m, concern_, reviews_, head, cap)
    for code, g in grades.items():
        add_interval(m, f"grade/{code}", reviews_, g, cap)
    if "bands" not in off:
        _band(m, concern_, reviews_, head.get("band"))

    # the trend and the comparisons with earlier results
    for point in doc.get("trend") or []:
        if point.get("now"):
            m.cell(concern_, point.get("count"))
            m.cell(reviews_, point.get("total"))
            add_interval(m, concern_, reviews_, point, cap)
            if "bands" not in off:
                _band(m, concern_, reviews_, point.get("band"))
        else:
            label = point.get("label")
            cn, tn = (
                m.cell(f"then/{label}/count", point.get("count")),
                m.cell(f"then/{label}/total", point.get("total")),
            )
            add_interval(m, cn, tn, point, cap)
    for c in doc.get("comparisons") or []:
        if "p_value" not in c and "count_now" not in c:
            continue
        label = c.get("against")
        add_comparison(
            m, (concern_, reviews_, f"then/{label}/count", f"then/{label}/total"), c, cap
        )

    # breakdowns by category and unit
    for key, section in (("category", "by_category"), ("unit", "by_unit")):
        rows = doc.get(section) or []
        if not rows:
            continue
        names = []
        for row in rows:
            name = row.get(key)
            base = f"{key}/{name}"
            names.append(base)
            rv = m.cell(f"{base}/reviews", row.get("reviews"))
            if "presence" not in off:
                m.atleast(rv, 1)  # a listed row has a case
            m.families.setdefault("presence", set()).add(rv)
            gd = m.cell(f"{base}/good", _grade_count(row, best))
            cc = m.cell(f"{base}/concern", None, implied=True)
            figure = row.get("requires_improvement_or_inadequate") or {}
            m.cell(cc, figure.get("count"))
            m.cell(rv, figure.get("total"))
            m.total(rv, [gd, cc])
            add_interval(m, cc, rv, figure, cap)
            for code in codes:
                if code != best and _count(_grade_count(row, code)) is not None:
                    m.cell(f"{base}/grade/{code}", _grade_count(row, code))
            for comp in row.get("comparisons") or []:
                if "p_value" not in comp and "count_now" not in comp:
                    continue
                label = comp.get("against")
                add_comparison(
                    m,
                    (cc, rv, f"then/{label}/{base}/count", f"then/{label}/{base}/total"),
                    comp,
                    cap,
                )
        m.total(reviews_, [f"{b}/reviews" for b in names])
        m.total(f"grade/{best}", [f"{b}/good" for b in names])
        m.total(concern_, [f"{b}/concern" for b in names])

    # areas
    for area in doc.get("areas") or []:
        base = f"area/{area.get('area')}"
        parts = [m.cell(f"{base}/{g}", v) for g, v in (area.get("grades") or {}).items()]
        parts.append(m.cell(f"{base}/not_applicable", area.get("not_applicable")))
        parts.append(m.cell(f"{base}/not_graded", area.get("not_graded")))
        m.total(reviews_, parts)

    # weaknesses: count ≤ reviews, the cases without, presence, recurrence, comparisons
    baseline = doc.get("weakness_baseline")
    for w in doc.get("weaknesses") or []:
        code = w.get("code")
        wn = m.cell(f"weakness/{code}", w.get("count"))
        m.cell(reviews_, w.get("total"))
        without = m.cell(f"weakness/{code}/without", None, implied=True)
        m.total(reviews_, [wn, without])
        add_interval(m, wn, reviews_, w, cap)
        if baseline is None:
            if "presence" not in off:
                m.atleast(
                    wn, 1
                )  # listed only when found now (or found in a baseline there is none of)
            m.families.setdefault("presence", set()).add(wn)
        if w.get("recurring") is True:
            m.atleast(wn, 1)
            m.families.setdefault("presence", set()).add(wn)
        for comp in w.get("recurrence") or []:
            label = comp.get("against")
            then = f"then/{label}/weakness/{code}"
            if "p_value" not in comp and "count_now" not in comp:
                continue
            add_comparison(m, (wn, reviews_, then, f"then/{label}/total"), comp, cap)
            if comp.get("against") == baseline:
                if _count(comp.get("count_then")) == 0:
                    m.atleast(wn, 1)  # listed, but not found then: found now
                if w.get("recurring") is False and (_count(comp.get("count_then")) or 0) > 0:
                    m.fix(wn, 0)

    # send backs
    sb = doc.get("send_backs") or {}
    if sb:
        n = m.cell("send_backs", sb.get("count"))
        by = sb.get("by_urgency") or {}
        urg = []
        for u, v in by.items():
            name = m.cell(f"send_backs/{u}", v)
            if "presence" not in off:
                m.atleast(name, 1)
            m.families.setdefault("presence", set()).add(name)
            urg.append(name)
        if by:
            m.total(n, urg)
        op = m.cell("send_backs/open", sb.get("open"))
        closed = m.cell("send_backs/closed", None, implied=True)
        m.total(n, [op, closed])
        if "overdue" in sb:
            od = m.cell("send_backs/overdue", sb.get("overdue"))
            intime = m.cell("send_backs/open_in_time", None, implied=True)
            m.total(op, [od, intime])
        if "responses" in sb and "responses" not in off:
            rs = m.cell("send_backs/responses", sb.get("responses"))
            m.total(n, [rs, m.cell("send_backs/unanswered", None, implied=True)])
            if sb.get("median_days_to_response") is not None:
                m.atleast(rs, 1)

    # agreement
    ag = doc.get("agreement") or {}
    if ag:
        pairs = m.cell("agreement/pairs", ag.get("pairs"))
        agreed = m.cell("agreement/agreed", None, implied=True)
        disagreed = m.cell("agreement/disagreed", None, implied=True)
        m.total(pairs, [agreed, disagreed])
        pct = ag.get("percent_agreement")
        if pct is not None:
            allowed = [
                (a, t)
                for t in _totals(m, pairs, cap)
                for a in {math.floor(pct * t / 100), math.ceil(pct * t / 100)}
                if 0 <= a <= t and _same(100 * a / t, pct)
            ]
            m.table((agreed, pairs), allowed, "agreement")

    # the sample
    sample = doc.get("sample") or {}
    strata = sample.get("strata") or []
    if strata:
        frames, sampled = [], []
        for s in strata:
            label = s.get("label")
            f = m.cell(f"stratum/{label}/frame_size", s.get("frame_size"))
            n_h = m.cell(f"stratum/{label}/sampled", s.get("sampled"))
            if "frame" not in off:
                m.le({n_h: 1, f: -1}, 0, "sample")
            frames.append(f)
            sampled.append(n_h)
        if "frame_size" in sample:
            m.total(m.cell("sample/frame_size", sample.get("frame_size")), frames, "sample")
        plan = sample.get("plan") or {}
        if "size" in plan:
            m.total(m.cell("sample/plan_size", plan.get("size")), sampled, "sample")
        # a published report is of a finished inspection: every sampled case is reviewed (a preview,
        # or a printed number of reviews short of the plan's size, says it is not finished)
        size, reviews = _count(plan.get("size")), _count(doc.get("reviews"))
        finished = "preview" not in doc and (size is None or reviews is None or size == reviews)
        if finished:
            m.total(reviews_, sampled, "sample")
        else:
            m.le({reviews_: 1, **{n: -1 for n in sampled}}, 0, "sample")
        fixed = (plan.get("fixed") or {}).get("counts") or {}
        for label, v in fixed.items():
            m.cell(f"stratum/{label}/sampled", v)
        if "allocation" not in off:
            _allocation(m, plan, strata)
        if list(plan.get("strata") or []) == ["category"] and doc.get("by_category"):
            listed = {r.get("category") for r in doc["by_category"]}
            for s in strata:
                label = s.get("label")
                terms = {f"stratum/{label}/sampled": 1, f"category/{label}/reviews": -1}
                if label in listed and finished:
                    m.eq(terms, 0, "sample")
                    concern = {f"stratum/{label}/concern": 1, f"category/{label}/concern": -1}
                    m.eq(concern, 0, "sample")
                elif label in listed:
                    m.le({k: -v for k, v in terms.items()}, 0, "sample")
                elif finished:
                    m.fix(f"stratum/{label}/sampled", 0)
    if "replacements" in sample:
        m.cell("sample/replacements", sample.get("replacements"))

    _design_weighted(m, doc.get("design_weighted"), strata)

    # links
    links = doc.get("links")
    if isinstance(links, dict):
        m.cell(reviews_, links.get("reviewed_cases"))
        wr = m.cell("links/with_related", links.get("with_related_cases"))
        wrw = m.cell(
            "links/with_related_and_weakness", links.get("with_related_cases_and_weakness")
        )
        wow = m.cell("links/weakness_without_related", links.get("weakness_without_related_cases"))
        m.le({wr: 1, reviews_: -1}, 0, "links")
        m.le({wrw: 1, wr: -1}, 0, "links")
        m.le({wow: 1, wr: 1, reviews_: -1}, 0, "links")
        without = m.cell("links/without_related", None, implied=True)
        m.total(reviews_, [wr, without], "links")
        for kind, v in (links.get("by_kind") or {}).items():
            # reviewed cases with a related case of this kind: among those with any related case
            m.le({m.cell(f"links/kind/{kind}", v): 1, wr: -1}, 0, "links")
        code = links.get("weakness")
        if any(w.get("code") == code for w in doc.get("weaknesses") or []):
            m.total(f"weakness/{code}", [wrw, wow], "links")
        elif baseline is None and "weaknesses" in doc:
            m.fix(wrw, 0)  # the weakness is not listed: no reviewed case has it
    if "volume" not in off:
        _volume(m, doc)
    return m


def _volume(m: Model, doc: Mapping[str, Any]) -> None:
    """A category's cases by quarter add up to no more than its stratum's frame when the frame is the whole
    register (the quarters shown need not cover all of it)."""
    volume, sample = doc.get("volume"), doc.get("sample") or {}
    links = doc.get("links") if isinstance(doc.get("links"), Mapping) else {}
    if not isinstance(volume, Mapping) or not links:
        return
    plan = sample.get("plan") or {}
    register = (links.get("register") or {}).get("register_cases")
    whole = (
        not (plan.get("frame") or {})
        and list(plan.get("strata") or []) == ["category"]
        and _count(register) is not None
        and register == _count(sample.get("frame_size"))
    )
    labels = {s.get("label") for s in sample.get("strata") or []}
    for category, row in (volume.get("categories") or {}).items():
        cells = [m.cell(f"volume/{category}/{q}", v) for q, v in enumerate(row)]
        if whole and category in labels:
            # the quarters shown need not cover the whole register: at most the stratum's frame
            m.le({**dict.fromkeys(cells, 1), f"stratum/{category}/frame_size": -1}, 0, "volume")


def _allocation(m: Model, plan: Mapping[str, Any], strata: list[Mapping[str, Any]]) -> None:
    """The documented allocation (largest remainder) recomputed from the printed frames and plan size."""
    from casereview.domain.allocation import allocate
    from casereview.domain.plans import Allocation, SamplePlan

    kind = plan.get("allocation")
    size = m.bounds_of(m.var("sample/plan_size")) if "size" in plan else None
    labels = [s.get("label") for s in strata]
    frames = {lab: m.bounds_of(f"stratum/{lab}/frame_size") for lab in labels}
    if kind not in ("proportional", "equal", "neyman") or size is None or size[0] != size[1]:
        return
    if any(lo != hi for lo, hi in frames.values()):
        return
    expected = ((plan.get("neyman") or {}).get("expected")) or {}
    made = SamplePlan(
        size=size[0],
        allocation=Allocation(kind),
        minimum_per_stratum=int(plan.get("minimum_per_stratum") or 0),
        expected=dict(expected),
    )
    for a in allocate({lab: lo for lab, (lo, _) in frames.items()}, made):
        name = f"stratum/{a.label}/sampled"
        m.fix(name, a.allocated)
        m.families.setdefault("allocation", set()).add(name)


def _band(m: Model, concern: str, reviews: str, band: Any) -> None:
    if not isinstance(band, Mapping):
        return
    low, high = band.get("low"), band.get("high")
    if low is not None:
        q = Fraction(str(low))
        m.le({reviews: q.numerator, concern: -q.denominator}, 0, "bands")
    if high is not None:
        q = Fraction(str(high))
        m.le({concern: q.denominator, reviews: -q.numerator}, 0, "bands")


def _design_weighted(m: Model, dw: Any, strata: list[Mapping[str, Any]]) -> None:
    """The share is linear in the stratum counts; the standard error is checked by enumeration."""
    if not isinstance(dw, Mapping) or dw.get("share") is None:
        return
    rows = dw.get("strata") or [
        {"label": s.get("label"), "frame_size": s.get("frame_size"), "graded": s.get("sampled")}
        for s in strata
    ]
    names = []
    for s in rows:
        label = s.get("label")
        f = m.cell(f"stratum/{label}/frame_size", s.get("frame_size"))
        g = m.cell(f"stratum/{label}/sampled", s.get("graded", s.get("sampled")))
        c = m.cell(f"stratum/{label}/concern", s.get("concern"), implied=True)
        m.le({c: 1, g: -1}, 0, "design")
        names.append((f, g, c))
    fixed = all(
        m.bounds_of(f)[0] == m.bounds_of(f)[1] and m.bounds_of(g)[0] == m.bounds_of(g)[1]
        for f, g, _ in names
    )
    if not fixed:
        return
    frames = [m.bounds_of(f)[0] for f, _, _ in names]
    graded = [m.bounds_of(g)[0] for _, g, _ in names]
    used = [i for i, n in enumerate(graded) if n > 0]
    total = sum(frames[i] for i in used)
    if total <= 0:
        return
    share, se = float(dw["share"]), dw.get("standard_error")
    # Σ (N_h / N n_h) c_h = share, to float precision
    terms = {names[i][2]: frames[i] / (total * graded[i]) for i in used}
    slack = 1e-9
    m.rows.append((terms, share - slack, share + slack))
    for _, _, c in names:
        m.families.setdefault("design", set()).add(c)
    # the standard error, by enumeration when the hidden strata are few
    open_ = [i for i in used if m.bounds_of(names[i][2])[0] != m.bounds_of(names[i][2])[1]]
    if se is None or not open_ or math.prod(graded[i] + 1 for i in open_) > 200_000:
        return
    import itertools

    known = {i: m.bounds_of(names[i][2])[0] for i in used if i not in open_}
    allowed = []
    for combo in itertools.product(*(range(graded[i] + 1) for i in open_)):
        counts = {**known, **dict(zip(open_, combo, strict=True))}
        p_total, var = 0.0, 0.0
        for i in used:
            w, p = frames[i] / total, counts[i] / graded[i]
            p_total += w * p
            if graded[i] > 1:
                fpc = 1 - graded[i] / frames[i] if frames[i] else 0.0
                var += w * w * fpc * p * (1 - p) / (graded[i] - 1)
        if _same(p_total, share) and _same(math.sqrt(var), float(se)):
            allowed.append(combo)
    m.table(tuple(names[i][2] for i in open_), allowed, "design")


# -- solving ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proven:
    name: str
    low: int
    high: int

    @property
    def leak(self) -> bool:
        """Proven to lie between 1 and 4."""
        return self.low >= 1 and self.high <= 4

    def fails_rule(self) -> bool:
        """The documented protection rule (docs/reports.md): the range reaches 5 or more and holds at
        least 5 values."""
        return self.high < 5 or self.high - self.low + 1 < 5


def _matrix(m: Model) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    n = len(m.index)
    extra = sum(len(allowed) for _, allowed in m.tables)
    width = n + extra
    rows, lows, highs = [], [], []
    for terms, lo, hi in m.rows:
        r = np.zeros(width)
        for k, v in terms.items():
            r[m.index[k]] += v
        rows.append(r)
        lows.append(lo)
        highs.append(hi)
    offset = n
    for names, allowed in m.tables:
        if not allowed:
            continue
        pick = np.zeros(width)
        pick[offset : offset + len(allowed)] = 1
        rows.append(pick)
        lows.append(1)
        highs.append(1)
        for j, name in enumerate(names):
            r = np.zeros(width)
            r[m.index[name]] = -1
            for t, values in enumerate(allowed):
                r[offset + t] = values[j]
            rows.append(r)
            lows.append(0)
            highs.append(0)
        offset += len(allowed)
    lower = np.array(m.lower + [0] * extra, dtype=float)
    upper = np.array(m.upper + [1] * extra, dtype=float)
    return (
        np.array(rows) if rows else np.zeros((0, width)),
        np.array(lows),
        np.array(highs),
        lower,
        upper,
        width,
    )


class Infeasible(Exception):
    """The document contradicts the attacker's model (a constraint the attacker assumed is false)."""


def attack(
    doc: Mapping[str, Any], only: Iterable[str] | None = None, off: frozenset[str] = frozenset()
) -> dict[str, Proven]:
    """Each hidden quantity's proven range (min and max over every whole-number assignment that fits)."""
    m = constraints(doc, off)
    return solve(m, only)


def solve(m: Model, only: Iterable[str] | None = None) -> dict[str, Proven]:
    if m.infeasible:
        raise Infeasible("; ".join(m.infeasible))
    a, lo, hi, lower, upper, width = _matrix(m)
    cons = [LinearConstraint(a, lo, hi)] if len(a) else []
    integrality = np.ones(width)
    targets = sorted(m.hidden if only is None else set(only) & set(m.index))
    out = {}
    for name in targets:
        i = m.index[name]
        ends = []
        for sign in (1, -1):
            c = np.zeros(width)
            c[i] = sign
            res = milp(c, constraints=cons, integrality=integrality, bounds=Bounds(lower, upper))
            if res.status != 0 or res.x is None:
                raise Infeasible(f"{name}: {res.message}")
            ends.append(round(res.x[i]))
        out[name] = Proven(name, ends[0], ends[1])
    return out


def truth(full_report: Mapping[str, Any]) -> dict[str, int]:
    """The true value of every quantity the attacker names, read from the full report (tests only)."""
    m = constraints(full_report)
    values = dict(m.shown)
    # the implied quantities (never printed) follow from the printed ones: solve the fixed model
    try:
        found = solve(m, set(m.index) - set(values))
    except Infeasible:
        return values
    for name, p in found.items():
        if p.low == p.high:
            values[name] = p.low
    return values


def leaks(doc: Mapping[str, Any], off: frozenset[str] = frozenset()) -> list[Proven]:
    """Hidden quantities proven to lie between 1 and 4."""
    return [p for p in attack(doc, off=off).values() if p.leak]


FAMILIES = ("presence", "nonzero", "responses", "frame", "allocation", "bands", "volume")


def needs(doc: Mapping[str, Any], name: str) -> list[str]:
    """The attack families without which the leak of ``name`` disappears (each left out alone)."""
    out = []
    for family in FAMILIES:
        found = attack(doc, only=[name], off=frozenset({family})).get(name)
        if found is None or not found.leak:
            out.append(family)
    return out
