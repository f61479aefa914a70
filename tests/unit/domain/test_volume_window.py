"""The report's volume table covers the inspection's period and the quarters before it, not the register's span."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from casereview.domain.links import quarter_index, volume_by_quarter, volume_window

PERIOD = {"period_start": dt.date(2024, 1, 1), "period_end": dt.date(2024, 6, 30)}


def register(*dated: tuple[str, dt.date]) -> pl.DataFrame:
    return pl.DataFrame(
        {"category": [c for c, _ in dated], "reported_on": [d for _, d in dated]},
        schema={"category": pl.String, "reported_on": pl.Date},
    )


def test_a_register_spanning_0001_to_9999_gives_the_period_and_the_quarters_before_it() -> None:
    volume = volume_by_quarter(
        register(
            ("neglect", dt.date(1, 1, 1)),
            ("neglect", dt.date(2023, 5, 1)),
            ("missing_child", dt.date(2024, 2, 1)),
            ("neglect", dt.date(9999, 12, 31)),
        )
    )
    assert len(volume["quarters"]) == 39_996  # 9,999 years
    shown = volume_window(volume, **PERIOD, quarters_before=4)
    assert shown == {
        "quarters": ["2023 Q1", "2023 Q2", "2023 Q3", "2023 Q4", "2024 Q1", "2024 Q2"],
        "categories": {"missing_child": [0, 0, 0, 0, 1, 0], "neglect": [0, 1, 0, 0, 0, 0]},
    }


def test_the_window_never_invents_quarters_the_register_does_not_cover() -> None:
    volume = volume_by_quarter(
        register(("neglect", dt.date(2024, 5, 1)), ("neglect", dt.date(2025, 1, 1)))
    )
    assert volume_window(volume, **PERIOD, quarters_before=12) == {
        "quarters": ["2024 Q2"],
        "categories": {"neglect": [1]},
    }
    later = volume_by_quarter(register(("neglect", dt.date(2025, 1, 1))))
    assert volume_window(later, **PERIOD, quarters_before=12) == {"quarters": [], "categories": {}}
    assert volume_window({}, **PERIOD, quarters_before=12) == {"quarters": [], "categories": {}}


def test_the_size_depends_on_the_period_and_the_setting_only() -> None:
    wide = volume_by_quarter(
        register(*[("neglect", dt.date(y, m, 1)) for y in range(1990, 2028) for m in (1, 4, 7, 10)])
    )
    for quarters_before in (0, 1, 12, 40):
        assert (
            len(volume_window(wide, **PERIOD, quarters_before=quarters_before)["quarters"])
            == quarters_before + 2
        )
    with pytest.raises(ValueError, match="0 or more"):
        volume_window(wide, **PERIOD, quarters_before=-1)


def test_quarters_count_up_by_one() -> None:
    assert quarter_index(dt.date(2024, 3, 31)) + 1 == quarter_index(dt.date(2024, 4, 1))
    assert quarter_index(dt.date(2023, 12, 31)) + 1 == quarter_index(dt.date(2024, 1, 1))
