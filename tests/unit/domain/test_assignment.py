from __future__ import annotations

import pytest

from casereview.domain.assignment import AssignmentError, CaseToAssign, balance


def test_cases_are_shared_evenly_in_a_fixed_order() -> None:
    cases = [CaseToAssign(i, "North") for i in range(7)]
    result = balance(cases, ["bea", "al"])
    assert list(result.values()).count("al") == 4 and list(result.values()).count("bea") == 3
    assert result == balance(cases, ["bea", "al"])


def test_existing_load_is_counted() -> None:
    result = balance([CaseToAssign(i, "N") for i in range(4)], ["al", "bea"], already={"al": 4})
    assert set(result.values()) == {"bea"}


def test_no_one_gets_a_case_from_a_unit_they_declared() -> None:
    cases = [CaseToAssign(i, "North" if i % 2 else "South") for i in range(10)]
    result = balance(cases, ["al", "bea"], conflicts={"al": {"North"}})
    assert all(result[c.key] == "bea" for c in cases if c.unit == "North")
    with pytest.raises(AssignmentError, match="case 1 \\(unit North\\)"):
        balance(cases, ["al"], conflicts={"al": {"North"}})


def test_a_case_never_goes_to_an_excluded_inspector() -> None:
    cases = [CaseToAssign(i, "N", exclude=frozenset({"al"})) for i in range(3)]
    assert set(balance(cases, ["al", "bea"]).values()) == {"bea"}
    with pytest.raises(AssignmentError):
        balance(cases, ["al"])
