"""Hypothesis throws arbitrary bytes and near-valid registers at the importer."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casereview.domain.registers import RegisterError

from .helpers import HEADER, import_file

FIELD = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["CSE", "DA", "Missing", "neglect", "01/02/2024", "31/02/2024", "2024-02-29", "7", "18", ""]
    ),
)


def attempt(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r.csv"
        path.write_bytes(data)
        try:
            outcome, frames = import_file(path)
        except RegisterError:
            return
        if outcome.ok:
            assert sum(f.height for f in frames) == outcome.rows
        else:
            assert all(e.reason for e in outcome.errors)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise_an_unhandled_exception(data: bytes) -> None:
    attempt(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(FIELD, min_size=3, max_size=5), max_size=8))
def test_near_valid_registers_import_whole_or_not_at_all(rows: list[list[str]]) -> None:
    lines = [",".join('"' + v.replace('"', '""') + '"' for v in row) for row in rows]
    attempt((HEADER + "\n".join(lines) + "\n").encode("utf-8"))
