"""Hypothesis against the real database: an import stores every row or none."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casereview.web.registers.models import Body, Case, Register
from casereview.web.registers.services import RegisterRejected, body_add, register_import

ROW = st.tuples(
    st.sampled_from(["A", "B", "C", "D", "E", "F"]),
    st.sampled_from(["DA", "CSE", "Missing", "burglary", ""]),
    st.sampled_from(["01/02/2024", "31/02/2024", "2024-03-01", "x", ""]),
    st.sampled_from(["North", "", "South"]),
)


@pytest.mark.django_db(transaction=True)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(ROW, max_size=8))
def test_an_import_stores_every_row_or_none(rows: list[tuple[str, str, str, str]]) -> None:
    Case.objects.all().delete()
    Register.objects.all().delete()
    if not Body.objects.filter(code="FUZ").exists():
        body_add(code="FUZ", name="Fuzz (synthetic)")
    text = "case_ref,category,reported_on,unit\n" + "".join(",".join(r) + "\n" for r in rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r.csv"
        path.write_text(text)
        try:
            register = register_import(path=path, body_code="FUZ")
        except RegisterRejected as exc:
            assert Register.objects.count() == 0 and Case.objects.count() == 0
            assert exc.message
        else:
            assert Case.objects.filter(register=register).count() == register.rows == len(rows)
