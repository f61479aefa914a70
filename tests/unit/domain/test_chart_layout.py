"""The layout of charts (issue 23): a time axis spaced by real dates with a break at a long gap, labels that
never outgrow their space, and series told apart by more than colour, each colour legible on white."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casereview.domain import chart_layout as layout


def quarter_ends(start: dt.date, n: int) -> list[dt.date]:
    found = layout.quarter_dates(
        [
            f"{start.year + (q + (start.month - 1) // 3) // 4} Q{(q + (start.month - 1) // 3) % 4 + 1}"
            for q in range(n)
        ]
    )
    assert found is not None
    return found


def test_dates_are_placed_in_proportion_to_the_days_between_them() -> None:
    dates = [dt.date(2022, 3, 31), dt.date(2024, 3, 31), dt.date(2024, 6, 30), dt.date(2024, 9, 30)]
    axis = layout.time_axis(dates, 50, 650, pad=0)
    assert axis.breaks == ()
    assert axis.xs[0] == pytest.approx(50) and axis.xs[-1] == pytest.approx(650)
    steps = [b - a for a, b in zip(axis.xs, axis.xs[1:], strict=False)]
    days = [(b - a).days for a, b in zip(dates, dates[1:], strict=False)]
    # A two-year gap is drawn eight times as wide as a quarter (731 days against 91 and 92), not alike.
    for step, gap in zip(steps, days, strict=True):
        assert step / gap == pytest.approx(600 / sum(days))
    assert steps[0] > 7.5 * steps[1]


@given(
    st.lists(st.integers(min_value=1, max_value=3000), min_size=1, max_size=30),
    st.floats(min_value=100, max_value=2000),
)
def test_positions_strictly_increase_and_stay_on_the_axis(gaps: list[int], width: float) -> None:
    dates = [dt.date(2000, 1, 1)]
    for g in gaps:
        dates.append(dates[-1] + dt.timedelta(days=g))
    axis = layout.time_axis(dates, 10, 10 + width)
    assert all(b > a for a, b in zip(axis.xs, axis.xs[1:], strict=False))
    assert axis.xs[0] >= 10 and axis.xs[-1] <= 10 + width + 1e-9
    if not axis.breaks:  # without a break, every step is in proportion to its days
        ratios = [(b - a) / g for a, b, g in zip(axis.xs, axis.xs[1:], gaps, strict=False)]
        assert max(ratios) == pytest.approx(min(ratios))


def test_a_long_gap_that_would_crowd_the_rest_is_shortened_and_marked() -> None:
    early = quarter_ends(dt.date(2010, 1, 1), 8)
    late = quarter_ends(dt.date(2022, 1, 1), 8)
    axis = layout.time_axis([*early, *late], 52, 624)
    assert len(axis.breaks) == 1
    gap = axis.xs[8] - axis.xs[7]
    assert axis.xs[7] < axis.breaks[0] < axis.xs[8] and gap == pytest.approx(48)
    # Either side of the break the quarters are still spaced by their days, and wider than a marker.
    steps = [b - a for a, b in zip(axis.xs, axis.xs[1:], strict=False) if b - a != gap]
    assert min(steps) >= 24
    proportional = layout.time_axis([*early, *late], 52, 624, min_step=0)
    assert (
        proportional.breaks == ()
        and min(b - a for a, b in zip(proportional.xs, proportional.xs[1:], strict=False)) < 24
    )


def test_dates_out_of_order_are_refused_and_equal_ones_still_step_forward() -> None:
    with pytest.raises(ValueError):
        layout.time_axis([dt.date(2024, 6, 30), dt.date(2024, 3, 31)], 0, 100)
    same = layout.time_axis([dt.date(2024, 6, 30)] * 3, 0, 600)
    assert same.xs[0] < same.xs[1] < same.xs[2]
    assert layout.time_axis([dt.date(2024, 6, 30)], 0, 600, pad=0).xs == (300.0,)


def test_quarters_are_read_as_their_last_days() -> None:
    assert layout.quarter_dates(["2025 Q4", "2026-Q1", "2026 Q3"]) == [
        dt.date(2025, 12, 31),
        dt.date(2026, 3, 31),
        dt.date(2026, 9, 30),
    ]
    assert layout.quarter_dates(["Spring 2026"]) is None


def test_text_width_counts_each_character_of_the_page_font() -> None:
    assert layout.text_width("iiii", 12) < layout.text_width("MMMM", 12)
    assert layout.text_width("Good", 24) == pytest.approx(2 * layout.text_width("Good", 12))
    assert layout.text_width("Good", 12, bold=True) > layout.text_width("Good", 12)
    # "100%" in Arial at 12 px is 30.7 px; the estimate is not under it.
    assert 30.7 <= layout.text_width("100%", 12) <= 33


LABELS = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ()–0123456789%"),
    max_size=60,
)


@given(LABELS, st.floats(min_value=1, max_value=400), st.sampled_from([12, 14]))
def test_a_wrapped_label_is_never_wider_than_its_space(text: str, width: float, size: int) -> None:
    lines = layout.wrap(text, width, size)
    if lines is None:  # only when a single character is wider than the space
        assert any(layout.text_width(c, size) > width for c in text)
        return
    assert all(layout.text_width(line, size) <= width for line in lines)
    assert " ".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing dropped


@given(
    st.lists(LABELS, min_size=1, max_size=12),
    st.lists(st.floats(min_value=4, max_value=200), min_size=12, max_size=12),
    st.sampled_from([1, 2]),
)
def test_placed_labels_fit_their_slots_and_never_overlap(
    labels: list[str], steps: list[float], rows: int
) -> None:
    xs = list(itertools.accumulate([30.0, *steps[: len(labels) - 1]]))
    hi = xs[-1] + 30
    placed = layout.place_labels(labels, xs, 0, hi, 12, rows=rows)
    if placed is None:
        return
    boxes = []
    for x, p in zip(xs, placed, strict=True):
        w = layout.lines_width(p.lines, 12)
        left, right = p.x - w / 2, p.x + w / 2
        assert left >= -1e-9 and right <= hi + 1e-9  # inside the chart
        assert not p.lines or left - 1e-9 <= x <= right + 1e-9  # spans its own point
        assert len(p.lines) <= 3
        boxes.append((p.row, left, right))
    for a, b in itertools.combinations(boxes, 2):
        if a[0] == b[0] and a[2] > a[1] and b[2] > b[1]:
            assert a[2] <= b[1] + 1e-9 or b[2] <= a[1] + 1e-9


def test_labels_that_cannot_fit_are_refused_rather_than_cut() -> None:
    xs = [100.0, 110.0, 120.0]
    assert (
        layout.place_labels(["Published inspection (before casereview)"] * 3, xs, 0, 640, 12)
        is None
    )
    placed = layout.place_labels(["Q1", "Q2", "Q3"], [100.0, 200.0, 300.0], 0, 640, 12)
    assert placed is not None and [p.x for p in placed] == [100.0, 200.0, 300.0]
    shown, some = layout.place_some_labels(
        [f"2026 Q{n % 4 + 1}" for n in range(40)], [10.0 + 15 * i for i in range(40)], 0, 640, 12
    )
    assert shown[0] == 0 and shown[1] > 1 and len(some) == len(shown)


def test_keys_and_staggered_rows() -> None:
    assert layout.letters(3) == ["A", "B", "C"] and layout.letters(28)[-2:] == ["AA", "AB"]
    spots = layout.stagger([10, 10, 10], [100, 104, 108], 0, 640)
    assert [row for _, row in spots] == [0, 1, 2]
    assert layout.stagger([10, 10], [100, 200], 0, 640) == [(100, 0), (200, 0)]


def test_the_legend_uses_as_many_columns_as_fit_and_wraps_a_long_entry() -> None:
    legend = layout.legend_grid(["Neglect", "Other", "Online abuse", "Missing child"], 624, 12)
    assert len({item.y for item in legend.items}) == 1  # one row of four
    narrow = layout.legend_grid(["A very long category name " * 4], 300, 12)
    (item,) = narrow.items
    assert len(item.lines) > 1 and all(
        layout.text_width(line, 12) <= 300 - 36 for line in item.lines
    )


def test_eleven_series_each_look_different_and_not_by_colour_alone() -> None:
    styles = [layout.series_style(n) for n in range(11)]
    assert len({(s.colour, s.dash, s.marker) for s in styles}) == 11
    assert len({(s.dash, s.marker) for s in styles}) == 11  # even without colour, all differ
    for a, b in itertools.pairwise(styles):
        assert a.dash != b.dash or a.marker != b.marker
        assert a.colour != b.colour


def test_every_series_colour_has_3_to_1_contrast_on_white_and_beside_the_next() -> None:
    for colour in layout.PALETTE:
        assert layout.contrast(colour) >= 3, colour
    for a, b in zip(layout.PALETTE, layout.PALETTE[1:] + layout.PALETTE[:1], strict=True):
        assert layout.contrast(a, b) >= 3, (a, b)  # next to each other, still told apart
    assert layout.contrast("#000000") == pytest.approx(21)
    assert layout.contrast("#ffffff") == pytest.approx(1)
    assert layout.contrast("#767676") == pytest.approx(4.54, abs=0.01)  # the usual AA grey


def test_a_scatter_label_goes_beside_its_point_inside_the_plot_and_clear_of_the_others() -> None:
    bounds = (0.0, 0.0, 640.0, 300.0)
    first, second, edge = layout.place_point_labels(
        [(300.0, 150.0), (300.0, 152.0), (636.0, 150.0)], ["BIG", "LRG", "EDGE"], bounds, 12
    )
    assert first is not None and first.anchor == "start" and first.x > 300
    assert second is not None and second.box != first.box
    assert edge is not None and edge.box[2] <= 640  # at the right edge it goes to the left
    for placed in (first, second, edge):
        assert placed is not None
        left, top, right, bottom = placed.box
        assert left >= 0 and top >= 0 and right <= 640 and bottom <= 300


def test_iso_dates_are_read_in_one_place_and_refused_when_missing_or_out_of_order() -> None:
    assert layout.iso_dates(["2024-03-31", "2024-06-30T10:00:00"]) == [
        dt.date(2024, 3, 31),
        dt.date(2024, 6, 30),
    ]
    assert layout.iso_dates(["2024-03-31", None]) is None
    assert layout.iso_dates(["2024-06-30", "2024-03-31"]) is None


def test_nice_ticks_step_by_one_two_or_five_times_a_power_of_ten() -> None:
    assert layout.nice_ticks(50) == [0, 10, 20, 30, 40, 50]
    assert layout.nice_ticks(51) == [0, 20, 40, 60]
    assert layout.nice_ticks(27) == [0, 10, 20, 30]
    assert layout.nice_ticks(0) == [0, 1]
    assert layout.nice_ticks(3) == [0, 1, 2, 3]
    assert layout.nice_ticks(1234) == [0, 500, 1000, 1500]


@given(st.integers(min_value=0, max_value=10**7))
def test_nice_ticks_cover_the_largest_value_in_at_most_five_round_steps(high: int) -> None:
    ticks = layout.nice_ticks(high)
    step = ticks[1]
    assert ticks[0] == 0 and ticks[-1] >= high and len(ticks) - 1 <= 5
    assert all(b - a == step for a, b in itertools.pairwise(ticks))
    assert int(str(step)[0]) in (1, 2, 5) and set(str(step)[1:]) <= {"0"}


def _clear(ticks: list[tuple[float, str]], lo: float, hi: float) -> bool:
    boxes = [(x - layout.text_width(t, 12) / 2, x + layout.text_width(t, 12) / 2) for x, t in ticks]
    inside = all(lo - 0.01 <= a and b <= hi + 0.01 for a, b in boxes)
    return inside and all(
        a[1] + layout.LABEL_GAP - 0.01 <= b[0] for a, b in itertools.pairwise(boxes)
    )


def test_date_ticks_give_each_points_month_when_they_fit_else_each_year() -> None:
    dates = [dt.date(2024, 3, 31), dt.date(2026, 6, 30), dt.date(2026, 9, 30)]
    axis = layout.time_axis(dates, 52, 624)
    ticks = layout.date_ticks(dates, axis.xs, 8, 632, 12)
    assert [t for _, t in ticks] == ["Mar 2024", "Jun 2026", "Sep 2026"] and _clear(ticks, 8, 632)
    quarters = [dt.date(2023 + q // 4, (q % 4) * 3 + 3, 28) for q in range(12)]
    axis = layout.time_axis(quarters, 52, 272)
    ticks = layout.date_ticks(quarters, axis.xs, 8, 280, 12)
    assert [t for _, t in ticks] == ["2023", "2024", "2025"] and _clear(ticks, 8, 280)
    # each year's label sits over the part of the axis that year covers
    for (x, year), (a, b) in zip(ticks, [(0, 3), (4, 7), (8, 11)], strict=True):
        assert axis.xs[a] <= x <= axis.xs[b], year


@given(
    st.lists(st.integers(min_value=1, max_value=2000), min_size=1, max_size=30),
    st.sampled_from([288.0, 640.0]),
)
def test_date_ticks_never_overlap_nor_leave_the_chart(gaps: list[int], width: float) -> None:
    dates = [dt.date(2000, 1, 1)]
    for g in gaps:
        dates.append(dates[-1] + dt.timedelta(days=g))
    axis = layout.time_axis(dates, 52, width - 16)
    ticks = layout.date_ticks(dates, axis.xs, 8, width - 8, 12)
    assert ticks and _clear(ticks, 8, width - 8)


def test_x_at_places_a_day_between_the_points_around_it() -> None:
    dates = [dt.date(2024, 1, 1), dt.date(2024, 1, 11)]
    assert layout.x_at(dt.date(2024, 1, 6), dates, [100.0, 200.0]) == 150.0
    assert layout.x_at(dt.date(2023, 1, 1), dates, [100.0, 200.0]) == 100.0
    assert layout.x_at(dt.date(2025, 1, 1), dates, [100.0, 200.0]) == 200.0
