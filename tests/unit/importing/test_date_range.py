"""The import pipeline applies the plausible range of register dates in every entry point."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from casereview.domain.register_rows import DateRange

from .helpers import HEADER, import_file, write


def test_by_default_the_pipeline_refuses_dates_before_1990_or_over_a_year_ahead(
    tmp_path: Path,
) -> None:
    ahead = dt.date.today() + dt.timedelta(days=400)  # noqa: DTZ011 - the test's own clock
    path = write(
        tmp_path / "r.csv",
        HEADER + f"A1,neglect,01/01/0001,North\nA2,neglect,{ahead:%d/%m/%Y},North\n"
        "A3,neglect,01/01/1990,North\n",
    )
    outcome, stored = import_file(path)
    assert [(e.line, e.column) for e in outcome.errors] == [(2, "reported_on"), (3, "reported_on")]
    assert all(
        "outside the plausible range of dates: must be from 01/01/1990 to " in e.reason
        for e in outcome.errors
    )
    assert stored == []


def test_the_range_the_caller_passes_is_the_one_applied(tmp_path: Path) -> None:
    from casereview.importing.pipeline import run_import
    from casereview.importing.profiles import load_profile
    from casereview.importing.readers import open_reader
    from casereview.importing.sources import inspect_file

    from .helpers import KEY, LIMITS

    path = write(
        tmp_path / "r.csv", HEADER + "A1,neglect,01/01/2019,North\nA2,neglect,01/01/2020,North\n"
    )
    dates = DateRange(dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    with open_reader(inspect_file(path, limits=LIMITS), tmp_dir=tmp_path) as reader:
        outcome = run_import(
            reader,
            profile=load_profile(None),
            key=KEY,
            sink=lambda frame: None,
            batch_rows=10,
            dates=dates,
        )
    assert [(e.line, e.value, e.reason) for e in outcome.errors] == [
        (
            2,
            "01/01/2019",
            "outside the plausible range of dates: must be from 01/01/2020 to 31/12/2020",
        )
    ]
