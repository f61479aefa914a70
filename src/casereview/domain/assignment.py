"""Sharing sampled cases among inspectors: balanced by count, never across a declared conflict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from casereview.domain.errors import Refused
from casereview.domain.language import Phrase, gettext_lazy, joined


class AssignmentError(Refused):
    """Cases that cannot be given to anyone; the message names them."""


@dataclass(frozen=True)
class CaseToAssign:
    key: int
    unit: str
    #: inspectors who must not receive this case (e.g. its first reviewer, for moderation)
    exclude: frozenset[str] = frozenset()


def balance(
    cases: Sequence[CaseToAssign],
    inspectors: Sequence[str],
    *,
    already: Mapping[str, int] | None = None,
    conflicts: Mapping[str, set[str]] | None = None,
) -> dict[int, str]:
    """Give each case to the eligible inspector with the fewest cases so far (ties: name order).

    Cases are taken in the order given, so the result is the same every time.
    An inspector never receives a case from a unit they declared a conflict with.
    """
    if not inspectors:
        raise AssignmentError(gettext_lazy("Choose at least one inspector"))
    load = {name: (already or {}).get(name, 0) for name in inspectors}
    declared = conflicts or {}
    out: dict[int, str] = {}
    stuck: list[Phrase] = []
    for case in cases:
        eligible = [
            name
            for name in inspectors
            if case.unit not in declared.get(name, set()) and name not in case.exclude
        ]
        if not eligible:
            stuck.append(
                gettext_lazy("case %(case)s (unit %(unit)s)", case=case.key, unit=case.unit)
            )
            continue
        chosen = min(eligible, key=lambda name: (load[name], name))
        out[case.key] = chosen
        load[chosen] += 1
    if stuck:
        raise AssignmentError(
            gettext_lazy(
                "No chosen inspector may take %(cases)s (declared conflicts, or they reviewed it "
                "first); add another inspector",
                cases=joined(stuck, ", "),
            )
        )
    return out


def eligible(unit: str, inspector: str, conflicts: Mapping[str, set[str]]) -> bool:
    return unit not in conflicts.get(inspector, set())
