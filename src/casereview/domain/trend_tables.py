"""The linked tables of a national trend: every count a cell, every figure derived from the cells it uses.

``_tables`` turns the document ``trends.national_trend`` makes into the cells and derived figures that
``trend_publication.published_trend`` protects and audits.

The cells (``linked.LinkedTables``):

* per body, per inspection point: the reviews graded, the count requiring improvement or inadequate, and
  the count graded good (never printed: ``implicit``), tied by the line reviews = count + good;
* per quarter, nationally: the reviews, the count and the good count, each the total of the points of
  that quarter (lines), and reviews = count + good.  Frame sizes are not printed.

Derived figures (shown only when every cell they use is shown):

* a point's share and Wilson interval (its count, reviews and good);
* a point's change from the body's previous inspection (both points' cells): counts then and now are
  printed as cells, the shares, test, p value, direction and wording as figures;
* a quarter's stratified estimate (every cell of every point of the quarter: with the frame sizes, which
  published reports print, it would solve for a hidden count) and, when that is withheld or the quarter
  has an unknown frame, the pooled share of the national cells with its Wilson interval.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .linked import LinkedTables
from .trends import POOLED, WEIGHTED

#: A constant every reader knows, so that "a listed inspection graded at least one case" can be stated to the
#: auditor as a ratio (reviews / 1000 >= 1/1000): the trend lists only inspections with graded cases.
_UNIT = "(the constant 1000)"
_UNIT_VALUE = 1000

# Weights steer secondary suppression (lowest first): the national counts, the national reviews, then a
# body's count, then its reviews.
_NATIONAL, _NATIONAL_REVIEWS, _COUNT, _REVIEWS = 1, 2, 4, 5


@dataclass(frozen=True)
class _Point:
    body: str
    index: int
    quarter: str
    reviews: str
    count: str
    good: str
    interval: str
    change: str | None
    strata: tuple[
        str, ...
    ] = ()  # a design-weighted point's stratum cells (graded, concern, good each)


@dataclass(frozen=True)
class _Quarter:
    name: str
    reviews: str
    count: str
    good: str
    pooled: str
    weighted: str | None  # None: the trend itself pooled (no frame size is known)
    change: str | None = None  # the change over the bodies in both quarters (None: not tested)

    @property
    def estimate(self) -> str:
        """The figure the quarter's estimate (and its national change) rests on."""
        return self.weighted or self.pooled


def _key(body: str, point: Mapping[str, Any], what: str) -> str:
    return f"{body} {point['inspection']} ({point['period_end']}): {what}"


def _tables(trend: Mapping[str, Any]) -> tuple[LinkedTables, list[_Point], list[_Quarter]]:
    tables = LinkedTables()
    tables.cell(_UNIT, _UNIT_VALUE)
    points: list[_Point] = []
    for b in trend["bodies"]:
        body = b["body"]
        previous: _Point | None = None
        for i, p in enumerate(b["series"]):
            reviews, count = int(p["reviews"]), int(p["count"])
            # Two inspections of a body may share a name and a date: the index keeps their keys apart.
            suffix = "" if _key(body, p, "reviews") not in tables.values else f" #{i + 1}"
            r = tables.cell(_key(body, p, "reviews" + suffix), reviews, weight=_REVIEWS)
            c = tables.cell(
                _key(body, p, "requires improvement or inadequate" + suffix), count, weight=_COUNT
            )
            g = tables.cell(
                _key(body, p, "good" + suffix), reviews - count, weight=_COUNT, implicit=True
            )
            tables.line(r, [c, g])
            strata = _strata(tables, body, p, suffix, r, c)
            interval = tables.derive(
                _key(body, p, "share and interval" + suffix), [c, r, g, *strata]
            )
            change = None
            if previous is not None and p.get("change_from_previous"):
                change = tables.derive(
                    _key(body, p, "change from previous" + suffix),
                    [previous.count, previous.reviews, previous.good, *previous.strata, c, r, g]
                    + list(strata),
                )
            point = _Point(body, i, p["quarter"], r, c, g, interval, change, strata)
            points.append(point)
            previous = point
    quarters: list[_Quarter] = []
    for q in trend["quarters"]:
        name = q["quarter"]
        members = [p for p in points if p.quarter == name]
        reviews = sum(tables.values[p.reviews] for p in members)
        count = sum(tables.values[p.count] for p in members)
        r = tables.cell(f"national {name}: reviews", reviews, weight=_NATIONAL_REVIEWS)
        c = tables.cell(
            f"national {name}: requires improvement or inadequate", count, weight=_NATIONAL
        )
        g = tables.cell(f"national {name}: good", reviews - count, weight=_NATIONAL, implicit=True)
        tables.line(r, [p.reviews for p in members])
        tables.line(c, [p.count for p in members])
        tables.line(g, [p.good for p in members])
        tables.line(r, [c, g])
        pooled = tables.derive(f"national {name}: pooled share", [c, r, g])
        weighted = None
        if not _pooled(q):
            weighted = tables.derive(
                f"national {name}: weighted estimate",
                [k for p in members for k in (p.count, p.reviews, p.good, *p.strata)],
            )
        change = None
        tested = q.get("change_from_previous") or {}
        if tested.get("tested") and quarters:
            # Every cell of every point of the bodies in both quarters, in both: each body-quarter
            # estimate the change uses (with the frame sizes reports print, it would solve for a hidden one).
            both = set(tested.get("bodies_in_both") or ())
            change = tables.derive(
                f"national {name}: change among the bodies in both quarters",
                [
                    k
                    for p in points
                    if p.body in both and p.quarter in (quarters[-1].name, name)
                    for k in (p.count, p.reviews, p.good, *p.strata)
                ],
            )
        quarters.append(_Quarter(name, r, c, g, pooled, weighted, change))
    return tables, points, quarters


def _pooled(q: Mapping[str, Any]) -> bool:
    """Whether the trend itself gave the quarter as the pooled share (no frame size known)."""
    if "method_code" in q:
        return bool(q["method_code"] == POOLED)
    return str(q.get("method", "")).startswith("pooled")  # a document from before method_code


def _strata(
    tables: LinkedTables, body: str, p: Mapping[str, Any], suffix: str, reviews: str, count: str
) -> tuple[str, ...]:
    """A design-weighted point's strata as implicit cells (never printed: its weighted share uses them),
    tied to the point by reviews = Σ graded and count = Σ concern, and each graded = concern + good."""
    if p.get("method_code") != WEIGHTED or not p.get("strata"):
        return ()
    keys: list[str] = []
    graded_keys, concern_keys = [], []
    for s in p["strata"]:
        graded, concern = int(s["graded"]), int(s["concern"])
        what = f"stratum {s['label']}"
        g = tables.cell(
            _key(body, p, f"{what}: graded{suffix}"), graded, weight=_COUNT, implicit=True
        )
        c = tables.cell(
            _key(body, p, f"{what}: requires improvement or inadequate{suffix}"),
            concern,
            weight=_COUNT,
            implicit=True,
        )
        good = tables.cell(
            _key(body, p, f"{what}: good{suffix}"), graded - concern, weight=_COUNT, implicit=True
        )
        tables.line(g, [c, good])
        graded_keys.append(g)
        concern_keys.append(c)
        keys += [g, c, good]
    if sum(tables.values[k] for k in graded_keys) == tables.values[reviews]:
        tables.line(reviews, graded_keys)
        tables.line(count, concern_keys)
    return tuple(keys)
