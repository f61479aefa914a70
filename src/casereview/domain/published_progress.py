"""The published version of the report's "Progress against earlier recommendations" section (issue 24).

``published_progress`` writes the published version from the published tables:

* a count **now** is printed only when it is derived from cells the published weakness and area tables
  print (a weakness: its row's count and the number of reviews; an area: the sum of its grade cells), and
  neither it nor its complement is from 1 to 4 (``linked.SMALL``, the report's rule); otherwise it is
  ``[c]`` (a zero stays a zero), with its share, interval, test and p value withheld (null);
* a count **then** is the earlier report's, already published: printed where neither it, its complement
  nor its total is small (``published_document.safe_earlier``, the rule for every earlier result);
* a comparison is printed only when both sides are, and its p value is adjusted again over the printed
  comparisons, each withheld one counting as p = 1 (as ``multiplicity.readjust`` does for the report's
  comparisons), so that nothing printed rests on a hidden count;
* the rationale (free text, written at judging) and the proposal's reason are dropped, as the published
  report drops free text of every kind; the recommendation's own text was published with its finding.

Nothing here adds a cell to the linked model: the section prints only what the tables already print, or
figures computed from it, so the auditor's proof covers it unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from .linked import MARK, SMALL
from .published_document import safe_earlier
from .report_model_progress import Progress, ProgressItem
from .statistics import ALPHA, adjusted, direction_of

__all__ = ["now_from_tables", "published_progress"]


# -- the published version --------------------------------------------------------------------------

#: (kind, code) -> the published count and total of that weakness or area now (a count, ``[c]``), or None
#: when the published tables have no such figure.
NowCells = Callable[[str, str], tuple[int | str, int | str] | None]


def now_from_tables(document: Mapping[str, Any], concern: Sequence[str]) -> NowCells:
    """The published counts now, read from a published document's weakness and area tables (what a reader
    of the published report can work out): a weakness's count of the reviews; an area's cases graded in a
    ``concern`` grade, of the cases graded in it (each a sum of printed cells, ``[c]`` when any is hidden).
    A weakness the table does not list was found in no case: 0 of the reviews."""
    weaknesses = {w["code"]: w for w in document.get("weaknesses") or []}
    areas = {a["area"]: a for a in document.get("areas") or []}
    reviews = document.get("reviews")

    def total_of(values: Sequence[Any]) -> int | str:
        counts = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
        return sum(counts) if len(counts) == len(values) else MARK

    def cells(kind: str, code: str) -> tuple[int | str, int | str] | None:
        if kind == "weakness":
            row = weaknesses.get(code)
            count = 0 if row is None else row.get("count")
            return (count if isinstance(count, int) else MARK, total_of([reviews]))
        if kind == "area" and code in areas:
            grades = areas[code].get("grades") or {}
            return (
                total_of([n for g, n in grades.items() if g in concern]),
                total_of(list(grades.values())),
            )
        return None

    return cells


def _now_printed(item: ProgressItem, cells: NowCells) -> tuple[int | str | None, int | str | None]:
    """The count and total now as published: each as the tables give it, the count ``[c]`` unless both
    are printed, equal to the section's, and neither the count nor its complement is small."""
    if item.count_now is None or item.total_now is None:
        return item.count_now, item.total_now
    found = cells(item.kind, item.code)
    count, total = found if found is not None else (MARK, MARK)
    safe = (
        isinstance(count, int)
        and isinstance(total, int)
        and (count, total) == (item.count_now, item.total_now)
        and count not in SMALL
        and total - count not in SMALL
    )
    if safe:
        return count, total
    zero = item.count_now == 0 and isinstance(count, int) and count == 0
    return (0 if zero else MARK), (total if isinstance(total, int) else MARK)


def _published_item(item: ProgressItem, cells: NowCells) -> tuple[ProgressItem, bool]:
    """The item as published, and whether its comparison is printed."""
    count_now, total_now = _now_printed(item, cells)
    now_shown = (
        isinstance(count_now, int)
        and isinstance(total_now, int)
        and (count_now, total_now) == (item.count_now, item.total_now)
        and (count_now not in SMALL and total_now - count_now not in SMALL)
    )
    then_shown = isinstance(item.count_then, int) and isinstance(item.total_then, int)
    then_shown = then_shown and safe_earlier(int(item.count_then), int(item.total_then))
    compared = now_shown and then_shown and item.p_value is not None
    out = replace(
        item,
        count_then=item.count_then if then_shown else (MARK if item.count_then else 0),
        total_then=item.total_then if then_shown else MARK,
        share_then=item.share_then if then_shown else None,
        ci_low_then=item.ci_low_then if then_shown else None,
        ci_high_then=item.ci_high_then if then_shown else None,
        count_now=count_now,
        total_now=total_now,
        share_now=item.share_now if now_shown else None,
        ci_low_now=item.ci_low_now if now_shown else None,
        ci_high_now=item.ci_high_now if now_shown else None,
        test=item.test if compared else None,
        p_value=item.p_value if compared else None,
        adjusted_p_value=None,  # adjusted again over the printed comparisons
        direction=None,
        minimum_detectable_change=item.minimum_detectable_change if compared else None,
        words="",
        suppressed=not (now_shown and then_shown) and item.count_now is not None,
    )
    return out, compared


#: What an item whose comparison is not printed leaves out (its direction stays, null).
WITHHELD_TEST = ("test", "p_value", "adjusted_p_value", "minimum_detectable_change")


def _test_key(item: ProgressItem) -> tuple[str, str, Any, Any]:
    return (item.kind, item.code, item.count_then, item.total_then)


def published_progress(progress: Progress | None, cells: NowCells) -> dict[str, Any] | None:
    """The section as the published report prints it (see the module's description)."""
    if progress is None:
        return None
    written = [
        (rec, [(_published_item(i, cells), i) for i in rec.items])
        for rec in progress.recommendations
    ]
    # One Holm family as in the full report; each comparison not printed counts as p = 1.
    printed: dict[tuple[str, str, Any, Any], float] = {}
    for _, items in written:
        for (item, compared), _full in items:
            if compared and item.p_value is not None:
                printed.setdefault(_test_key(item), item.p_value)
    hidden = max(progress.family_tests - len(printed), 0)
    again = adjusted([*printed.values(), *([None] * hidden)], "holm")
    by_key = {k: float(p) for k, p in zip(printed, again, strict=False) if p is not None}
    recommendations = []
    for rec, items in written:
        out_items = []
        for (item, compared), full in items:
            if compared and _test_key(item) in by_key:
                q = by_key[_test_key(item)]
                rose = (full.share_now or 0.0) > (full.share_then or 0.0)
                item = replace(
                    item, adjusted_p_value=q, direction=direction_of(q, rose, alpha=ALPHA)
                )
            written_item = item.to_json()
            if not compared:  # as a withheld comparison of the report: no test, no p value at all
                for key in WITHHELD_TEST:
                    written_item.pop(key, None)
            out_items.append(written_item)
        recommendations.append(
            {
                **{
                    k: v
                    for k, v in rec.to_json().items()
                    if k not in ("rationale", "proposal", "proposal_reason", "items")
                },
                "items": out_items,
            }
        )
    return {
        "recommendations": recommendations,
        "counts": dict(progress.counts),
        "family_tests": progress.family_tests,
        "printed_tests": len(printed),
        "adjustment": progress.adjustment,
        "method": progress.method,
    }
