"""My cases: an inspector's own cases grouped by inspection, and where a case stands among them.

One order everywhere (the list, "Case 3 of 18", Previous and Next, the start page's cases to do and its
"Start next case"): inspections with cases still to do first (the latest period first), then the finished
ones; within an inspection the cases to do (not started or draft) before the submitted ones, first reviews
before moderations, each in the sample's order.  The next case to do is the first draft in that order (finish
what was started), else the first case not started; a start page lists each inspection's cases to do in the
same order with its drafts first (``cases_to_do``), so the next case is always the first listed of its
inspection.

Only cases still in the sample's scope count: a case the lead marked out of scope (``inspections.services.
sample_replace`` sets its ``state`` to ``out_of_scope`` and keeps its assignments) is no one's work any more,
so it is neither listed, counted nor offered as the next case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy

from casereview.domain.paging import window
from casereview.web.core.paging import page_number
from casereview.web.inspections.models import SampledCase

from .models import Assignment, Review
from .selectors import assignments_of

#: Rows of My cases per page.
MY_CASES_PAGE = 25
#: The state filter's choices (value, words in the page's language, translated when drawn); "" is every case.
MY_CASES_STATES = (
    ("", gettext_lazy("All cases")),
    ("to_do", gettext_lazy("To do (not started or draft)")),
    ("not_started", gettext_lazy("Not started")),
    ("draft", gettext_lazy("Draft")),
    ("submitted", gettext_lazy("Submitted")),
)
_STATES_OF = {
    "": ("not_started", "draft", "submitted"),
    "to_do": ("not_started", "draft"),
    "not_started": ("not_started",),
    "draft": ("draft",),
    "submitted": ("submitted",),
}
_WITHIN = ("done", "kind", "sampled_case__stratum", "sampled_case__rank", "id")
_NOT_STARTED_LAST = models.Case(
    models.When(review__isnull=True, then=models.Value(1)),
    default=models.Value(0),
    output_field=models.IntegerField(),
)


def _mine(user: Any) -> QuerySet[Assignment]:
    """The user's own assignments of cases still in scope (nobody else's, whatever their role; no case marked
    out of scope), each with its ``state`` and ``done``."""
    return (
        assignments_of(user)
        .filter(sampled_case__state=SampledCase.State.ACTIVE)
        .annotate(
            state=models.Case(
                models.When(review__isnull=True, then=models.Value("not_started")),
                models.When(review__state=Review.State.SUBMITTED, then=models.Value("submitted")),
                default=models.Value("draft"),
                output_field=models.CharField(),
            ),
            done=models.Case(
                models.When(review__state=Review.State.SUBMITTED, then=models.Value(1)),
                default=models.Value(0),
                output_field=models.IntegerField(),
            ),
        )
    )


def _in_states(states: tuple[str, ...]) -> Q:
    """The assignments whose review is in one of ``states`` (not started: no review yet)."""
    found = Q(review__state__in=[s for s in states if s != "not_started"])
    return found | Q(review__isnull=True) if "not_started" in states else found


@dataclass
class CaseGroup:
    """One inspection's part of My cases: its counts by state, and (on a page) its rows there."""

    inspection_id: int
    name: str
    body: str
    period_start: dt.date
    period_end: dt.date
    counts: dict[str, int]
    matching: dict[str, int]
    rows: list[Assignment]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def to_do(self) -> int:
        return self.counts["not_started"] + self.counts["draft"]


@dataclass
class MyCases:
    groups: list[CaseGroup]  # the groups with a row on this page, in order
    inspections: list[CaseGroup]  # every group, in order (the inspection filter's choices)
    counts: dict[str, int]  # every case of the user, by state
    matching: int  # the cases the search and filters match
    page: int
    pages: int
    next_case: Assignment | None  # the first case to do, in this order
    query: str
    state: str
    inspection: int | None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def filtered(self) -> bool:
        return bool(self.query or self.state or self.inspection)


def _groups(user: Any, query: str) -> list[CaseGroup]:
    """Every inspection the user has cases in, in My cases order, with counts (all, and matching ``query``)."""
    found: dict[int, CaseGroup] = {}
    inspection = "sampled_case__sample__inspection"
    for row in (
        _mine(user)
        .order_by()
        .values(
            f"{inspection}_id",
            f"{inspection}__name",
            f"{inspection}__body__name",
            f"{inspection}__period_start",
            f"{inspection}__period_end",
            "state",
        )
        .annotate(
            n=Count("id"),
            hits=Count("id", filter=Q(sampled_case__case_ref__icontains=query))
            if query
            else Count("id"),
        )
    ):
        group = found.setdefault(
            row[f"{inspection}_id"],
            CaseGroup(
                row[f"{inspection}_id"],
                row[f"{inspection}__name"],
                row[f"{inspection}__body__name"],
                row[f"{inspection}__period_start"],
                row[f"{inspection}__period_end"],
                dict.fromkeys(_STATES_OF[""], 0),
                dict.fromkeys(_STATES_OF[""], 0),
                [],
            ),
        )
        group.counts[row["state"]] += row["n"]
        group.matching[row["state"]] += row["hits"]
    return sorted(
        found.values(),
        key=lambda g: (g.to_do == 0, -g.period_end.toordinal(), -g.inspection_id),
    )


def _in_order(rows: QuerySet[Assignment], groups: list[CaseGroup]) -> QuerySet[Assignment]:
    rank = models.Case(
        *(
            models.When(sampled_case__sample__inspection_id=g.inspection_id, then=models.Value(n))
            for n, g in enumerate(groups)
        ),
        default=models.Value(len(groups)),
        output_field=models.IntegerField(),
    )
    return rows.annotate(group=rank).order_by("group", *_WITHIN)


def case_groups(user: Any) -> list[CaseGroup]:
    """Every inspection the user has cases in, in My cases order, with its counts by state (one query)."""
    return _groups(user, "")


def cases_to_do(user: Any, groups: list[CaseGroup], per: int) -> list[Assignment]:
    """Up to ``per`` cases to do of each of ``groups`` (those of ``case_groups``), in My cases order with each
    inspection's drafts first: one query, however many inspections (a row number per inspection)."""
    ids = [g.inspection_id for g in groups if g.to_do]
    if not ids or per < 1:
        return []
    within: list[Any] = [_NOT_STARTED_LAST, *_WITHIN]
    return list(
        _in_order(
            _mine(user).filter(
                _in_states(_STATES_OF["to_do"]), sampled_case__sample__inspection_id__in=ids
            ),
            groups,
        )
        .annotate(
            nth=Window(
                RowNumber(),
                partition_by=[F("sampled_case__sample__inspection_id")],
                order_by=[_NOT_STARTED_LAST.asc(), *(F(name).asc() for name in _WITHIN)],
            )
        )
        .filter(nth__lte=per)
        .order_by("group", *within)
    )


def next_of(to_do: list[Assignment]) -> Assignment | None:
    """The next case to do among ``cases_to_do``'s rows: the first draft (in the inspections' order), else the
    first case not started.  Each inspection's drafts come first in its rows, so the first listed of an
    inspection with a draft is one, and this is My cases' next case."""
    return next(
        (a for a in to_do if getattr(a, "state", "") == "draft"), to_do[0] if to_do else None
    )


def my_cases(
    user: Any, *, query: str = "", state: str = "", inspection: str = "", page: str = "1"
) -> MyCases:
    """The user's cases grouped by inspection, searched (reference, any case), filtered (state, inspection)
    and paged; three queries whatever the number of cases (two when nothing is left to do, or none matches)."""
    query = query.strip()[:100]
    state = state if state in _STATES_OF else ""
    groups = _groups(user, query)
    chosen = next((g for g in groups if str(g.inspection_id) == inspection), None)
    counts = {s: sum(g.counts[s] for g in groups) for s in _STATES_OF[""]}
    matching = sum(g.matching[s] for g in groups if chosen in (None, g) for s in _STATES_OF[state])
    at = window(matching, page_number(page), MY_CASES_PAGE)
    number, pages = at.number, at.pages
    rows = _mine(user)
    if query:
        rows = rows.filter(sampled_case__case_ref__icontains=query)
    if state:
        rows = rows.filter(_in_states(_STATES_OF[state]))
    if chosen is not None:
        rows = rows.filter(sampled_case__sample__inspection_id=chosen.inspection_id)
    shown = list(_in_order(rows, groups)[at.start : at.stop]) if matching else []
    by_id = {g.inspection_id: g for g in groups}
    on_page: list[CaseGroup] = []
    for a in shown:
        group = by_id[a.sampled_case.sample.inspection_id]
        if not on_page or on_page[-1] is not group:
            on_page.append(group)
        group.rows.append(a)
    to_do = counts["not_started"] + counts["draft"]
    next_case = next_of(cases_to_do(user, groups, 1)) if to_do else None
    return MyCases(
        groups=on_page,
        inspections=groups,
        counts=counts,
        matching=matching,
        page=number,
        pages=pages,
        next_case=next_case,
        query=query,
        state=state,
        inspection=chosen.inspection_id if chosen else None,
    )


@dataclass
class Neighbour:
    """Another case of the same inspector and inspection: its assignment and reference."""

    id: int
    ref: str


@dataclass
class Position:
    """Where a case stands among its inspector's cases of its inspection, in My cases order."""

    number: int
    of: int
    previous: Neighbour | None
    next: Neighbour | None
    next_to_do: (
        Neighbour | None
    )  # the next case still to do after this one (round to the start), if any


def case_position(user: Any, assignment: Assignment) -> Position | None:
    """Where the case stands ("Case 3 of 18"); None unless ``user`` is its inspector (a lead reading someone
    else's review).  One query."""
    if assignment.inspector_id != user.pk:
        return None
    rows = [
        (Neighbour(pk, ref), state == Review.State.SUBMITTED, (kind, stratum, rank))
        for pk, ref, state, stratum, rank, kind in _mine(user)
        .filter(sampled_case__sample__inspection_id=assignment.sampled_case.sample.inspection_id)
        .order_by(*_WITHIN)
        .values_list(
            "pk",
            "sampled_case__case_ref",
            "review__state",
            "sampled_case__stratum",
            "sampled_case__rank",
            "kind",
        )
    ]
    at = next((n for n, row in enumerate(rows) if row[0].id == assignment.pk), None)
    if at is None:
        return None
    here = rows[at][2]
    to_do = sorted((r for r in rows if not r[1] and r[0].id != assignment.pk), key=lambda r: r[2])
    after = [r for r in to_do if r[2] > here]
    return Position(
        number=at + 1,
        of=len(rows),
        previous=rows[at - 1][0] if at > 0 else None,
        next=rows[at + 1][0] if at + 1 < len(rows) else None,
        next_to_do=(after or to_do)[0][0] if to_do else None,
    )
