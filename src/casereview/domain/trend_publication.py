"""The national trend's published version: every count a cell of one set of linked tables, audited.

``published_trend`` takes the document ``trends.national_trend`` makes and returns the version that may be
published, with the audit that proves it (``linked.protect`` then ``linked.audit``).

The cells, and the figures derived from them (each shown only when every cell it uses is shown), are
those of ``trend_tables``.

A design-weighted point's strata are implicit cells (graded, concern, good; never printed) tied to its reviews
and count: its weighted share and interval, and a change or a quarter's estimate using them, are shown only
when all of them are.  Frame sizes, a point's strata and a quarter's imputed frame are never printed.  A
quarter's national change, over the bodies inspected in both quarters, is shown only when every body-quarter
estimate it uses is (every cell of those bodies' points in both quarters), whatever the quarters' own
estimates; a change the trend did not test (no body in both) prints that.  Each family of tests (quarter to
quarter; point to point) is adjusted again over what is printed, a hidden test counting as p = 1 in the full
family (``trends.adjust_family``).  The funnel plot is redrawn from the published points (only bodies whose
latest point is shown, the centre Σ n·p / Σ n over them).

Two attackers are audited: one who reads only the trend (``linked.protect`` chooses the cells to hide
against them), and one who also reads every body's own published report, where a body's figures are
shown unless that inspection's own small numbers hide them (issue 20: "the same count in two tables").
Against the second, more national cells are hidden until every range holds; its ranges are the ones the
returned audit lists (it knows more, so what holds against it holds against the first).  It also knows
that a listed inspection graded at least one case: a hidden count that knowledge holds below 5 fails (lower
bounds are checked without it, since listing alone says reviews are not 0).

A share withheld whose denominator is shown is then offered as a band (10 points wide, then 25, then 50)
and kept only when the audit, with the band as a ratio constraint, still passes: the published trend still
says something about a small body and a quarter with one.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import linked
from .funnel import funnel
from .language import gettext_lazy, gettext_noop, say, say_word
from .linked import Audit, LinkedTables, Protection, Ratio
from .statistics import wilson
from .trend_tables import _UNIT, _UNIT_VALUE, _Point, _Quarter, _tables
from .trends import NATIONAL_FAMILY, POINT_FAMILY, adjust_family

MARKER = linked.MARK
#: The fixed words, English here (marked for the catalogue); the published trend says them in the language it
#: is made in (``say_word``).
NOTE = gettext_noop(
    "[c] marks a count that is not published: it is from 1 to 4, or it would let such a count be "
    "worked out from the other figures. A share, interval or comparison that would need a hidden count "
    "is not published either ([c] in tables, null in the data), or is given as a range of percentages "
    "when that range reveals nothing."
)
BAND_WIDTHS = (0.1, 0.25, 0.5)
POOLED_METHOD = gettext_noop("pooled share of all reviews with a Wilson interval")
WITHHELD_METHOD = gettext_noop(
    "the weighted estimate is not published: with the published frame sizes it would let a hidden "
    "count be worked out"
)

WITHHELD_POOLED = "pooled_weighted_withheld"
WITHHELD = "withheld"
BANDED = "pooled_range"
#: What a withheld estimate prints: nothing of it.
_WITHHELD_ESTIMATE: dict[str, Any] = {
    "share": None,
    "ci_low": None,
    "ci_high": None,
    "standard_error": None,
    "effective_n": None,
}
#: In the trend but never in its published version: frame sizes (they would solve for a hidden count with
#: the weighted share) and a design-weighted point's strata.
_NEVER_PRINTED = frozenset({"strata", "frame", "covered_frame", "imputed_frame"})


def _band(share: float, width: float) -> tuple[float, float]:
    """The band of ``width`` holding ``share``: [k·width, (k+1)·width], within [0, 1]."""
    steps = round(1 / width)
    k = min(math.floor(share * steps + 1e-9), steps - 1)
    return round(k / steps, 4), round((k + 1) / steps, 4)


def band_words(low: float, high: float) -> str:
    """A band as people read it: "75% to 100%" (in the document's language)."""
    return say(
        gettext_lazy("%(low)s%% to %(high)s%%", low=f"{low * 100:g}", high=f"{high * 100:g}")
    )


def _own_hidden(tables: LinkedTables, points: list[_Point]) -> set[str]:
    """The cells each point's own figures hide on their own, as its published report's headline does and,
    for a design-weighted point, its strata too (the report's cells for them, tied as in the trend: a hidden
    stratum count takes a second with it, so the headline count less the others cannot give it back)."""
    hidden: set[str] = set()
    for p in points:
        triples = [(p.reviews, p.count, p.good)]
        triples += [
            (p.strata[i], p.strata[i + 1], p.strata[i + 2]) for i in range(0, len(p.strata), 3)
        ]
        if not any(tables.values[k] in linked.SMALL for triple in triples for k in triple):
            continue
        alone = LinkedTables()
        for total, count, good in triples:
            alone.cell(total, tables.values[total])
            alone.cell(count, tables.values[count])
            alone.cell(good, tables.values[good], implicit=True)
            alone.line(total, [count, good])
        if p.strata:
            graded = [t[0] for t in triples[1:]]
            if sum(tables.values[k] for k in graded) == tables.values[p.reviews]:
                alone.line(p.reviews, graded)
                alone.line(p.count, [t[1] for t in triples[1:]])
        alone.derive(p.interval, [k for triple in triples for k in triple])
        hidden |= linked.protect(alone).hidden
    return hidden


@dataclass
class _Model:
    """What the trend hides, and what an attacker who also reads every body's own report cannot see."""

    tables: LinkedTables
    primary: frozenset[str]
    national: frozenset[str]
    own: frozenset[str]
    listing: tuple[Ratio, ...]  # each point's reviews are at least 1

    def attack(self, protection: Protection, tables: LinkedTables | None = None) -> Audit:
        """``linked.audit``, then again knowing that every listed inspection graded a case.

        The second audit can only raise lower bounds (a number of reviews can never be 0) and lower upper
        ones: a hidden count it holds below 5 fails; its lower bounds are those of listing, not of the
        published figures, so the first audit's are the ones checked against 0."""
        tables = tables or self.tables
        plain = linked.audit(tables, protection)
        listed = tuple(r for r in self.listing if r.numerator in protection.hidden)
        if not plain.passed or not listed:
            return plain
        strict = linked.audit(
            tables, dataclasses.replace(protection, ratios=(*protection.ratios, *listed))
        )
        short = {
            r.name: r
            for r in strict.ranges
            if r.sensitive and r.high is not None and r.high < linked.PROTECTED_ABOVE
        }
        return Audit(tuple(short.get(r.name, r) for r in plain.ranges))

    def closed(self, hidden: set[str]) -> frozenset[str]:
        """Withhold derived figures using a hidden cell, hide implicit cells nothing shown reveals, and give
        every line with one hidden member a second (a national cell when there is one); returns the withheld."""
        tables = self.tables
        while True:
            withheld = {n for n, ins in tables.derived.items() if any(k in hidden for k in ins)}
            revealed = {k for n, ins in tables.derived.items() if n not in withheld for k in ins}
            grown = {k for k in tables.implicit if k not in revealed} - hidden
            for line in tables.lines:
                if sum(k in hidden for k in line.members) != 1:
                    continue
                others = [k for k in line.members if k not in hidden and tables.values[k] > 0]
                if others:
                    grown.add(
                        min(
                            others,
                            key=lambda k: (
                                k not in self.national,
                                tables.weights[k],
                                tables.values[k],
                                k,
                            ),
                        )
                    )
            if not grown - hidden:
                return frozenset(withheld)
            hidden |= grown

    def check(self, hidden: set[str], ratios: tuple[Ratio, ...]) -> tuple[Protection, Audit]:
        """The trend's protection (``hidden`` closed in place) and the audit of an attacker who also reads
        every body's own report.  That attacker knows more than one who reads only the trend (every cell
        hidden from it is hidden in the trend), so when its audit passes the trend's own audit passes."""
        withheld = self.closed(hidden)
        protection = Protection(frozenset(hidden), self.primary, withheld, ratios)
        attacker = Protection(
            frozenset((self.own | self.national) & hidden), self.primary, withheld, ratios
        )
        return protection, self.attack(attacker)


def _merged(own: Audit, attacker: Audit) -> Audit:
    """Every hidden quantity of the trend, with the tighter range where the attacker who reads the reports
    proves one (a cell the reports print is known to that attacker: its trend-only range is listed)."""
    tighter = {r.name: r for r in attacker.ranges}
    return Audit(tuple(tighter.get(r.name, r) for r in own.ranges))


def _protected(model: _Model, start: frozenset[str]) -> tuple[Protection, Audit]:
    """Hide national cells until the attacker who also reads every body's report is held off too."""
    hidden = set(start)
    tables = model.tables
    while True:
        protection, attacker = model.check(hidden, ())
        add = set()
        for r in attacker.failures:
            candidates = {
                k
                for line in tables.lines
                if set(r.keys) & set(line.members)
                for k in line.members
                if k in model.national and k not in hidden and tables.values[k] > 0
            }
            if candidates:
                add.add(min(candidates, key=lambda k: (tables.weights[k], tables.values[k], k)))
        if not add:
            return protection, attacker
        hidden |= add


def _band_safe(model: _Model, protection: Protection, ratio: Ratio) -> bool:
    """Whether the attacker who reads the reports is still held off with ``ratio`` published too.

        Only the hidden cells tied to the ratio's numerator can move, so only their quantities are proven
        again, over the lines that touch them (every other range is as the last full audit found it).  A band
        that by itself holds a small numerator, or a small complement, away from 0 or below 5 fails at once, and
    so does one that leaves the count a single value."""
    total, part = model.tables.values[ratio.denominator], model.tables.values[ratio.numerator]
    most, least = math.floor(ratio.high * total + 1e-9), math.ceil(ratio.low * total - 1e-9)
    if most <= least:
        return False  # it would print the hidden count itself, as a range of one value
    if part in linked.SMALL and not (least <= 0 and most >= linked.PROTECTED_ABOVE):
        return False
    if total - part in linked.SMALL and not (
        total - most <= 0 and total - least >= linked.PROTECTED_ABOVE
    ):
        return False
    hidden = (model.own | model.national) & protection.hidden
    group = linked.joined(model.tables, hidden, (ratio.numerator,)) | {ratio.numerator}
    tied = LinkedTables(
        values=model.tables.values,
        weights=model.tables.weights,
        lines=[line for line in model.tables.lines if group & set(line.members)],
    )
    ratios = tuple(r for r in (*protection.ratios, ratio) if {r.numerator, r.denominator} & group)
    checked = model.attack(
        Protection(frozenset(group), protection.primary, protection.withheld, ratios), tied
    )
    return all(r.protected for r in checked.ranges if group & set(r.keys))


def _with_bands(
    model: _Model, protection: Protection, attacker: Audit, wanted: list[tuple[str, str, str]]
) -> tuple[Protection, Audit, dict[str, tuple[float, float]]]:
    """Offer each withheld share (name, numerator, denominator) as a band; keep the first the audit accepts.

    Returns the protection with the bands kept as ratios, the trend's audit merged with the attacker's
    (both proven again over everything), and the bands."""
    bands: dict[str, tuple[float, float]] = {}
    tables = model.tables
    for name, numerator, denominator in wanted if attacker.passed else []:
        total = tables.values[denominator]
        if total <= 0 or not protection.shown(denominator) or protection.shown(numerator):
            continue
        share = tables.values[numerator] / total
        for width in BAND_WIDTHS:
            low, high = _band(share, width)
            ratio = Ratio(name, numerator, denominator, low, high)
            if _band_safe(model, protection, ratio):
                protection = Protection(
                    protection.hidden,
                    protection.primary,
                    protection.withheld,
                    (*protection.ratios, ratio),
                )
                bands[name] = (low, high)
                break
    _, attacker = model.check(set(protection.hidden), protection.ratios)
    return protection, _merged(linked.audit(tables, protection), attacker), bands


#: What a withheld national change still prints: which quarter and bodies it is about, and its test.
_CHANGE_PUBLIC = ("against", "bodies_in_both", "covers", "tested", "test")


def _change_withheld(
    protection: Protection, quarters: list[_Quarter], index: int, change: Mapping[str, Any]
) -> bool:
    """Whether a quarter's national change is withheld: one over the bodies in both quarters, when an
    estimate of theirs it uses is; one from a document made before (no ``tested``), when either quarter's
    estimate is.  An untested change prints only that it was not tested."""
    if "tested" in change:
        shown = quarters[index].change
        return bool(change["tested"]) and (shown is None or not protection.shows(shown))
    before, now = quarters[index - 1], quarters[index]
    return not (protection.shows(before.estimate) and protection.shows(now.estimate))


def _cell(tables: LinkedTables, protection: Protection, key: str) -> int | str:
    return tables.values[key] if protection.shown(key) else MARKER


def _band_json(band: tuple[float, float] | None) -> dict[str, Any] | None:
    if band is None:
        return None
    return {"low": band[0], "high": band[1], "wording": band_words(*band)}


def published_trend(trend: Mapping[str, Any]) -> tuple[dict[str, Any], Audit]:
    """The national trend as it may be published, and the audit of everything it prints."""
    tables, points, quarters = _tables(trend)
    keep = {k for p in points for k in (p.count, p.reviews)}
    first = linked.protect(tables, keep=keep)
    model = _Model(
        tables,
        first.primary,
        frozenset(k for q in quarters for k in (q.reviews, q.count, q.good)),
        frozenset(_own_hidden(tables, points)),
        tuple(
            Ratio(f"{p.reviews} is at least 1", p.reviews, _UNIT, 1 / _UNIT_VALUE, 10_000)
            for p in points
        ),
    )
    protection, attacker = _protected(model, first.hidden)
    wanted = [(q.pooled, q.count, q.reviews) for q in quarters if not protection.shown(q.count)]
    # A band is of the plain share (count over reviews): never offered for a design-weighted point.
    wanted += [
        (p.interval, p.count, p.reviews)
        for p in points
        if not protection.shown(p.count) and not p.strata
    ]
    protection, result, bands = _with_bands(model, protection, attacker, wanted)

    document: dict[str, Any] = {
        "published": True,
        "note": say_word(NOTE),
        "quarters": [],
        "bodies": [],
    }
    for q, source in zip(quarters, trend["quarters"], strict=True):
        row = {
            **{k: v for k, v in copy.deepcopy(dict(source)).items() if k not in _NEVER_PRINTED},
            "reviews": _cell(tables, protection, q.reviews),
            "count": _cell(tables, protection, q.count),
            "band": None,
        }
        weighted_shown = q.weighted is not None and protection.shows(q.weighted)
        if q.weighted is not None and not weighted_shown:
            row.update(**_WITHHELD_ESTIMATE)
            if protection.shows(q.pooled):
                w = wilson(tables.values[q.count], tables.values[q.reviews])
                row.update(share=w.share, ci_low=w.low, ci_high=w.high)
                row["method"] = say(
                    gettext_lazy(
                        "%(pooled)s (%(withheld)s)",
                        pooled=say_word(POOLED_METHOD),
                        withheld=say_word(WITHHELD_METHOD),
                    )
                )
                row["method_code"] = WITHHELD_POOLED
            else:
                row["method"] = say_word(WITHHELD_METHOD)
                row["method_code"] = WITHHELD
        elif q.weighted is None and not protection.shows(q.pooled):
            row.update(**_WITHHELD_ESTIMATE)
        if row["share"] is None and q.pooled in bands:
            row["band"] = _band_json(bands[q.pooled])
            row["method"] = say(
                gettext_lazy("%(pooled)s, published as a range", pooled=say_word(POOLED_METHOD))
            )
            row["method_code"] = BANDED
        change = row.get("change_from_previous")
        if change and _change_withheld(protection, quarters, len(document["quarters"]), change):
            row["change_from_previous"] = {
                **{k: None for k in change},
                **{k: change[k] for k in _CHANGE_PUBLIC if k in change},
                "suppressed": True,
            }
        document["quarters"].append(row)
    by_body: dict[str, list[_Point]] = {}
    for p in points:
        by_body.setdefault(p.body, []).append(p)
    for b in trend["bodies"]:
        series = []
        for p, source in zip(by_body.get(b["body"], []), b["series"], strict=True):
            shown = protection.shows(p.interval)
            point = {
                **{k: v for k, v in copy.deepcopy(dict(source)).items() if k not in _NEVER_PRINTED},
                "reviews": _cell(tables, protection, p.reviews),
                "count": _cell(tables, protection, p.count),
                "total": _cell(tables, protection, p.reviews),
                "band": None if shown else _band_json(bands.get(p.interval)),
            }
            if not shown:
                point.update(**_WITHHELD_ESTIMATE)
                if "unweighted_share" in point:
                    point["unweighted_share"] = None
            change = source.get("change_from_previous")
            if change and p.change is not None:
                previous = by_body[p.body][p.index - 1]
                figures = dict(change)
                figures.update(
                    count_then=_cell(tables, protection, previous.count),
                    total_then=_cell(tables, protection, previous.reviews),
                    count_now=_cell(tables, protection, p.count),
                    total_now=_cell(tables, protection, p.reviews),
                )
                if not protection.shows(p.change):
                    figures.update(
                        share_then=None,
                        share_now=None,
                        test=None,
                        p_value=None,
                        direction=None,
                        wording=None,
                        suppressed=True,
                    )
                point["change_from_previous"] = figures
            series.append(point)
        document["bodies"].append({"body": b["body"], "series": series})
    # Each family adjusted again over what is printed: a hidden test counts as p = 1 in the full family.
    adjust_family(
        [
            c
            for q in document["quarters"]
            if (c := q.get("change_from_previous")) and c.get("tested", True)
        ],
        NATIONAL_FAMILY,
    )
    adjust_family(
        [
            c
            for b in document["bodies"]
            for p in b["series"]
            if (c := p.get("change_from_previous"))
        ],
        POINT_FAMILY,
    )
    # Drawn from the published points alone: a body whose latest point is hidden is not on it, and the
    # centre is Σ n·p / Σ n over the latest points shown (every figure of it printed above).
    document["funnel"] = funnel(document["bodies"])
    audit_json = result.to_json()
    document["disclosure"] = {
        "rule": say_word(linked.RULE),
        "marker": MARKER,
        "audit": {"passed": audit_json["passed"], "sha256": audit_json["sha256"]},
    }
    return document, result


def restricted_to(document: Mapping[str, Any], bodies: set[str]) -> dict[str, Any]:
    """A published trend with only these bodies' series; the national quarters stay as published.

    Taken from the published trend of every body, so it prints nothing the whole one hides (a trend
    published for a few bodies on its own would have national totals that give back the others)."""
    out = copy.deepcopy(dict(document))
    out["bodies"] = [b for b in out["bodies"] if b["body"] in bodies]
    if out.get("funnel"):
        out["funnel"]["points"] = [p for p in out["funnel"]["points"] if p["body"] in bodies]
    return out
