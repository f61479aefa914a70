"""The independent attack (``tests/unit/domain/publication_attacker``) on the demo's real publications (issue 20).

The demo publishes its earlier quarter (40 cases, every one graded) and leaves the current quarter part
way; the attacker reads the stored published document only, and proves each hidden count's range.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from casereview.demo import load_demo
from casereview.domain.publication import as_preview, published
from casereview.web.inspections.models import Inspection
from casereview.web.reports.models import PublishedReport
from casereview.web.reports.selectors import report_for

from ..unit.domain.publication_attacker import Infeasible, needs, truth
from ..unit.domain.publication_attacker import attack as attack_all

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(tmp_path: Path) -> dict[str, Any]:
    made = load_demo(tmp_path, rows=500)
    earlier, current = (Inspection.objects.get(pk=pk) for pk in made["inspections"])
    return {"earlier": earlier, "current": current}


def attack(document: Any, off: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The attack; when the attacker's own assumptions about the draw (the documented allocation, the
    frames, the volume) contradict this random demo's document — its model has no solution, which says
    the attacker is wrong, not that anything leaked — it attacks again without those families."""
    try:
        return attack_all(document, off=off)
    except Infeasible:
        return attack_all(document, off=off | {"allocation", "frame", "volume"})


def _outside(full: dict[str, Any], found: dict[str, Any]) -> list[str]:
    values = truth(full)
    return [
        f"{n}: {values[n]} not in {p.low}..{p.high}"
        for n, p in found.items()
        if n in values and not p.low <= values[n] <= p.high
    ]


def test_the_demo_publication_gives_back_no_small_count(demo: dict[str, Any]) -> None:
    stored = PublishedReport.objects.get(inspection=demo["earlier"])
    document = stored.data
    found = attack(document)
    assert len(found) >= 20  # the publication hides counts: every one is attacked
    assert not _outside(report_for(demo["earlier"]), found)
    leaks = {n: (p.low, p.high, needs(document, n)) for n, p in found.items() if p.leak}
    assert not leaks, leaks


def test_the_demo_volume_table_gives_back_no_small_count(demo: dict[str, Any]) -> None:
    document = PublishedReport.objects.get(inspection=demo["earlier"]).data
    found = attack(document, off=frozenset({"allocation"}))
    assert not _outside(report_for(demo["earlier"]), found)
    leaks = {n: (p.low, p.high, needs(document, n)) for n, p in found.items() if p.leak}
    assert not leaks, leaks


def test_the_demo_publication_gives_back_nothing_else(demo: dict[str, Any]) -> None:
    document = PublishedReport.objects.get(inspection=demo["earlier"]).data
    found = attack(document, off=frozenset({"allocation", "volume"}))
    assert not _outside(report_for(demo["earlier"]), found)
    assert not [p for p in found.values() if p.leak]


def test_the_current_quarter_preview_gives_back_no_small_count(demo: dict[str, Any]) -> None:
    full = report_for(demo["current"])
    assert full["reviews"] < full["sample"]["plan"]["size"]  # part way: 24 graded
    # As every preview is served: marked, so the reader (and the attacker) knows it is part way, even
    # when the plan's size is hidden and cannot say so.
    document = as_preview(
        published(full), graded=full["reviews"], sampled=full["sample"]["plan"]["size"]
    )
    # The allocation family recomputes the documented allocation from what it can prove of the frames;
    # on a part-way preview that assumption can contradict the real draw (on one PostgreSQL run the
    # attacker's own model became infeasible: "sampled at most 0 and at least 1"), so it is left out
    # here; it is tested on finished documents in tests/unit/domain/test_publication_attack.py.
    found = attack(document, off=frozenset({"allocation"}))
    assert len(found) >= 20
    assert not _outside(full, found)
    assert not [p for p in found.values() if p.leak]
