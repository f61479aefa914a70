"""Synthetic registers for the demo, the tests and the benchmarks.  No real data, ever.

Every case reference starts with ``SYN`` and every summary with ``SYNTHETIC``
so that nobody can mistake a generated register for a real one.  The same seed
gives the same file, byte for byte.  The shape is realistic enough to exercise
sampling and reporting: category shares like a large force's, a dozen units,
dates over eight quarters, children who go missing again and again, and a few
places where many cases happen.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

CATEGORY_SHARES: tuple[tuple[str, float], ...] = (
    ("missing_child", 0.28),
    ("domestic_abuse", 0.24),
    ("child_sexual_abuse", 0.09),
    ("child_sexual_exploitation", 0.08),
    ("online_abuse", 0.08),
    ("physical_abuse", 0.08),
    ("neglect", 0.06),
    ("child_criminal_exploitation", 0.04),
    ("children_in_custody", 0.02),
    ("honour_based_abuse_fgm", 0.01),
    ("other", 0.02),
)
UNITS: tuple[str, ...] = (
    "Ashgrove",
    "Brackenford",
    "Caldermoor",
    "Dunmere",
    "Eastwick Vale",
    "Fernhollow",
    "Greywater",
    "Hollins Cross",
    "Ironbridge North",
    "Juniper Heath",
    "Kestrel Bay",
    "Lowmarsh",
)
OUTCOMES: tuple[str, ...] = (
    "charge",
    "no further action",
    "community resolution",
    "caution",
    "evidential difficulties",
    "victim does not support",
    "returned home",
)
COLUMNS: tuple[str, ...] = (
    "case_ref",
    "category",
    "reported_on",
    "unit",
    "child_id",
    "child_age",
    "suspect_id",
    "location_ref",
    "risk_level",
    "status",
    "outcome",
    "closed_on",
    "summary",
)
PERIOD_START = dt.date(2023, 1, 1)
PERIOD_DAYS = 731  # eight quarters


def synthetic_rows(rows: int, seed: int) -> Iterator[list[str]]:
    rng = random.Random(seed)
    categories = [c for c, _ in CATEGORY_SHARES]
    weights = [w for _, w in CATEGORY_SHARES]
    children = max(10, rows // 3)
    repeat_missing = max(3, rows // 200)  # children who go missing again and again
    places = max(10, rows // 20)
    hot_places = max(2, rows // 2000)
    suspects = max(10, rows // 8)
    for i in range(rows):
        category = rng.choices(categories, weights)[0]
        reported = PERIOD_START + dt.timedelta(days=rng.randrange(PERIOD_DAYS))
        if category == "missing_child" and rng.random() < 0.5:
            child = f"SYNC{rng.randrange(repeat_missing):07d}"
        else:
            child = f"SYNC{rng.randrange(children):07d}"
        if (
            category
            in ("child_sexual_exploitation", "missing_child", "child_criminal_exploitation")
            and rng.random() < 0.3
        ):
            place = f"SYNL{rng.randrange(hot_places):06d}"
        else:
            place = f"SYNL{rng.randrange(places):06d}" if rng.random() < 0.7 else ""
        suspect = (
            f"SYNS{rng.randrange(suspects):07d}"
            if category not in ("missing_child", "neglect") and rng.random() < 0.6
            else ""
        )
        closed = rng.random() < 0.7
        closed_on = reported + dt.timedelta(days=rng.randrange(1, 180)) if closed else None
        yield [
            f"SYN{i + 1:08d}",
            category,
            reported.strftime("%d/%m/%Y"),
            rng.choice(UNITS),
            child,
            str(rng.randrange(0, 18)) if rng.random() < 0.95 else "",
            suspect,
            place,
            rng.choices(("standard", "medium", "high"), (0.5, 0.35, 0.15))[0],
            "closed" if closed else "open",
            rng.choice(OUTCOMES) if closed else "",
            closed_on.strftime("%d/%m/%Y") if closed_on else "",
            f"SYNTHETIC case {i + 1}: {category.replace('_', ' ')} reported to the {rng.choice(UNITS)} team"
            + ("; £20 taken from the child" if rng.random() < 0.01 else ""),
        ]


def write_register(out: TextIO, *, rows: int, seed: int) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(synthetic_rows(rows, seed))


def write_register_file(path: Path, *, rows: int, seed: int, encoding: str = "utf-8") -> None:
    with path.open("w", encoding=encoding, newline="") as fh:
        write_register(fh, rows=rows, seed=seed)
