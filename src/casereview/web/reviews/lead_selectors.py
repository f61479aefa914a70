"""Reads for the lead inspector's parts of an inspection that live in reviews: people, moderation, agreement.

The overview and the sample part are the inspections app's (``inspections/selectors.py``); these parts read
assignments, reviews and send backs, which sit above inspections, so they are read here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from casereview.domain.framework import Grade
from casereview.domain.journal import JournalAction, Operation
from casereview.domain.paging import window
from casereview.domain.referrals import State
from casereview.domain.words import uk_date, words
from casereview.importing.frameworks import load_framework
from casereview.web.core.phrases import active_language
from casereview.web.core.users import User
from casereview.web.inspections.models import Inspection, SampledCase
from casereview.web.inspections.selectors import inspection_sample, inspectors_available
from casereview.web.journal.services import journal_record
from casereview.web.referrals.models import SendBack
from casereview.web.referrals.selectors import covers, late, late_q

from .models import Assignment, Resolution, Review
from .selectors import Disagreement, agreement_drift, agreement_for, at_risk_cases, disagreements


@dataclass(frozen=True)
class InspectorLoad:
    """One inspector's cases in this inspection."""

    inspector: str
    first: int
    moderation: int
    submitted: int
    #: of all their cases (first reviews and moderation): not opened yet, saved as a draft
    not_started: int = 0
    draft: int = 0


@dataclass(frozen=True)
class PeoplePart:
    """The people page: who can be assigned, and how the sample is shared among them."""

    inspection: Inspection
    drawn: bool
    inspectors: list[User] = field(default_factory=list)
    first: int = 0
    moderation: int = 0
    loads: list[InspectorLoad] = field(default_factory=list)


def assignment_loads(inspection: Inspection) -> list[InspectorLoad]:
    """Each inspector with cases in the inspection: first reviews, moderations, reviews submitted (one query)."""
    submitted = Q(review__state=Review.State.SUBMITTED)
    rows = (
        Assignment.objects.filter(sampled_case__sample__inspection=inspection)
        .values("inspector__username")
        .annotate(
            first=Count("id", filter=Q(kind=Assignment.Kind.FIRST)),
            moderation=Count("id", filter=Q(kind=Assignment.Kind.MODERATION)),
            submitted=Count("id", filter=submitted),
            not_started=Count("id", filter=Q(review__isnull=True)),
            draft=Count("id", filter=Q(review__state=Review.State.DRAFT)),
        )
        .order_by("inspector__username")
    )
    return [
        InspectorLoad(
            inspector=row["inspector__username"],
            first=row["first"],
            moderation=row["moderation"],
            submitted=row["submitted"],
            not_started=row["not_started"],
            draft=row["draft"],
        )
        for row in rows
    ]


def people_part(inspection: Inspection) -> PeoplePart:
    if inspection_sample(inspection) is None:
        return PeoplePart(inspection=inspection, drawn=False)
    loads = assignment_loads(inspection)
    return PeoplePart(
        inspection=inspection,
        drawn=True,
        inspectors=inspectors_available(inspection),
        first=sum(load.first for load in loads),
        moderation=sum(load.moderation for load in loads),
        loads=loads,
    )


@dataclass(frozen=True)
class ModerationPart:
    """The moderation page's reads (its disagreements come from ``selectors.disagreements``)."""

    inspection: Inspection
    drawn: bool
    at_risk: list[dict[str, Any]] = field(default_factory=list)
    grades: list[Grade] = field(default_factory=list)


def framework_grades(inspection: Inspection) -> list[Grade]:
    """The grades of the inspection's framework, best first (the choices of a final grade)."""
    return list(load_framework(inspection.framework).grades)


def moderation_part(inspection: Inspection) -> ModerationPart:
    if inspection_sample(inspection) is None:
        return ModerationPart(inspection=inspection, drawn=False)
    return ModerationPart(
        inspection=inspection,
        drawn=True,
        at_risk=at_risk_cases(inspection),
        grades=framework_grades(inspection),
    )


@dataclass(frozen=True)
class AgreementPart:
    """The agreement page: agreement on the overall grade, and each marker's agreement over time."""

    inspection: Inspection
    drawn: bool
    agreement: dict[str, Any] = field(default_factory=dict)
    drift: list[dict[str, Any]] = field(default_factory=list)


def agreement_part(inspection: Inspection) -> AgreementPart:
    if inspection_sample(inspection) is None:
        return AgreementPart(inspection=inspection, drawn=False)
    return AgreementPart(
        inspection=inspection,
        drawn=True,
        agreement=agreement_for(inspection),
        drift=agreement_drift(inspection),
    )


# The inspection's progress (its task list: inspections.selectors.provide_progress) -------------------------


def _disagreements_counted(ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Per inspection: (disagreements, resolved), counted by the database (one grouped query): cases whose
    submitted first review and submitted moderation give different overall grades."""
    inspection = "assignment__sampled_case__sample__inspection_id"
    submitted = Review.objects.filter(state=Review.State.SUBMITTED)
    second = (
        submitted.filter(
            assignment__kind=Assignment.Kind.MODERATION,
            assignment__sampled_case_id=OuterRef("assignment__sampled_case_id"),
        )
        .order_by("-submitted_at", "-id")
        .values("overall")[:1]
    )
    resolved = Exists(
        Resolution.objects.filter(sampled_case_id=OuterRef("assignment__sampled_case_id"))
    )
    rows = (
        submitted.filter(assignment__kind=Assignment.Kind.FIRST, **{f"{inspection}__in": ids})
        .annotate(second=Subquery(second))
        .filter(second__isnull=False)
        .exclude(overall=F("second"))
        .values(inspection)
        .annotate(
            n=Count("assignment__sampled_case_id", distinct=True),
            resolved=Count("assignment__sampled_case_id", distinct=True, filter=Q(resolved)),
        )
        .values_list(inspection, "n", "resolved")
    )
    return {pk: (n, done) for pk, n, done in rows}


def review_progress(ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Per inspection: cases assigned, first reviews in draft and submitted, moderation assigned and
    submitted, disagreements and those resolved, send backs (open, overdue) and cases at risk not sent back
    (the rule of ``at_risk_cases``). Grouped queries for any number of inspections: the database counts;
    only the reviews that say a case is at risk (and their cases' send backs) are read row by row, for the
    rule of ``referrals.selectors.covers``."""
    out: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    active = Q(sampled_case__state=SampledCase.State.ACTIVE)
    for row in (
        Assignment.objects.filter(active, sampled_case__sample__inspection_id__in=ids)
        .values("sampled_case__sample__inspection_id", "kind")
        .annotate(
            n=Count("id"),
            drafts=Count("id", filter=Q(review__state=Review.State.DRAFT)),
            submitted=Count("id", filter=Q(review__state=Review.State.SUBMITTED)),
        )
    ):
        counts = out[row["sampled_case__sample__inspection_id"]]
        if row["kind"] == Assignment.Kind.FIRST:
            counts["assigned"] += row["n"]
            counts["drafts"] += row["drafts"]
            counts["submitted"] += row["submitted"]
        else:
            counts["moderation_assigned"] += row["n"]
            counts["moderation_submitted"] += row["submitted"]
    for pk, (n, done) in _disagreements_counted(ids).items():
        out[pk]["disagreements"] += n
        out[pk]["resolved"] += done
    today = timezone.localdate()
    for pk, n, still_open, overdue in (
        SendBack.objects.filter(inspection_id__in=ids)
        .values("inspection_id")
        .annotate(
            n=Count("id"),
            still_open=Count("id", filter=~Q(state=State.CLOSED.value)),
            overdue=Count("id", filter=late_q(today)),
        )
        .values_list("inspection_id", "n", "still_open", "overdue")
    ):
        out[pk]["send_backs"] += n
        out[pk]["send_backs_open"] += still_open
        out[pk]["send_backs_overdue"] += overdue
    said_yes = list(
        Review.objects.filter(
            assignment__sampled_case__sample__inspection_id__in=ids,
            state=Review.State.SUBMITTED,
            send_back=True,
        ).values_list(
            "assignment__sampled_case_id",
            "assignment__sampled_case__sample__inspection_id",
            "submitted_at",
        )
    )
    if said_yes:
        sent: dict[int, list[SendBack]] = defaultdict(list)
        for s in SendBack.objects.filter(
            sampled_case_id__in={case_id for case_id, _, _ in said_yes}
        ).only("id", "sampled_case_id", "closed_at"):
            sent[s.sampled_case_id].append(s)
        at_risk = {
            (case_id, pk) for case_id, pk, at in said_yes if not covers(sent.get(case_id, []), at)
        }
        for _, pk in at_risk:
            out[pk]["at_risk_unsent"] += 1
    return {pk: dict(counts) for pk, counts in out.items()}


# The sample as a table -----------------------------------------------------------------------------------------

#: How many rows a page of the sample table shows.
SAMPLE_PAGE_SIZE = 50

# The words of these tables are translated when read (the page's language); the cases CSV reads them under
# English (lead_views.cases_csv), so the file stays English whoever downloads it.

#: A case's state in the table: where its first review is (or why it has none).
CASE_STATE_WORDS: Mapping[str, Promise] = {
    "out_of_scope": gettext_lazy("Out of scope"),
    "unassigned": gettext_lazy("Not assigned"),
    "not_started": gettext_lazy("Not started"),
    "draft": gettext_lazy("Draft"),
    "submitted": gettext_lazy("Submitted"),
}

#: The flags a lead filters by.
FLAG_WORDS: Mapping[str, Promise] = {
    "at_risk": gettext_lazy("At risk, not sent back"),
    "sent_back": gettext_lazy("Sent back"),
    "overdue": gettext_lazy("Send back overdue"),
    "disagreement": gettext_lazy("Disagreement not resolved"),
}

SAMPLE_ORDERS: Mapping[str, Promise] = {
    "reference": gettext_lazy("Reference"),
    "stratum": gettext_lazy("Stratum"),
    "reviewer": gettext_lazy("First reviewer"),
    "state": gettext_lazy("State"),
    "grade": gettext_lazy("Final grade"),
}


@dataclass(frozen=True)
class SampleRow:
    sampled_case_id: int
    case_ref: str
    stratum: str
    rank: int
    state: str  # a key of CASE_STATE_WORDS
    reviewer: str
    first_assignment: int | None
    moderator: str
    moderation_assignment: int | None
    moderation_state: str  # not_started, draft, submitted or "" (no moderation)
    #: the final overall grade (a code): the resolution's, else the marks' when they agree; "" when none yet
    grade: str
    flags: frozenset[str]
    send_backs: tuple[SendBack, ...]
    overdue: frozenset[int]
    grade_words: str = ""

    @property
    def state_words(self) -> str:
        return str(CASE_STATE_WORDS.get(self.state, self.state))

    @property
    def moderation_words(self) -> str:
        return str(CASE_STATE_WORDS.get(self.moderation_state, "")) if self.moderation_state else ""


@dataclass(frozen=True)
class SampleFilters:
    stratum: str = ""
    reviewer: str = ""
    state: str = ""
    grade: str = ""
    flag: str = ""
    order: str = "reference"
    page: int = 1

    def query(self, **changed: Any) -> dict[str, str]:
        """The filters as a query string's items (without empty ones), with ``changed`` replacing some."""
        values = {
            "stratum": self.stratum,
            "reviewer": self.reviewer,
            "state": self.state,
            "grade": self.grade,
            "flag": self.flag,
            "order": self.order if self.order != "reference" else "",
            "page": str(self.page) if self.page > 1 else "",
        }
        values.update({k: str(v) for k, v in changed.items()})
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class SampleTable:
    inspection: Inspection
    drawn: bool
    rows: list[SampleRow] = field(default_factory=list)
    matched: int = 0
    total: int = 0
    page: int = 1
    pages: int = 1
    grades: list[Grade] = field(default_factory=list)
    grade_labels: dict[str, str] = field(default_factory=dict)
    strata: list[str] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)
    #: the filters as applied: a value none of the table's choices offers is dropped (never journaled)
    filters: SampleFilters = field(default_factory=SampleFilters)


def _case_rows(inspection: Inspection, labels: Mapping[str, str]) -> list[SampleRow]:
    """Every case of the sample (not the unused reserve) with its people, states, grade and send backs: four
    queries whatever the size of the sample."""
    cases = list(
        SampledCase.objects.filter(sample__inspection=inspection)
        .exclude(state=SampledCase.State.UNUSED)
        .values_list("id", "case_ref", "stratum", "rank", "state")
    )
    assigned: dict[int, dict[str, tuple[int, str, str, str, Any, Any]]] = defaultdict(dict)
    for a in Assignment.objects.filter(sampled_case__sample__inspection=inspection).values_list(
        "sampled_case_id",
        "kind",
        "id",
        "inspector__username",
        "review__state",
        "review__overall",
        "review__send_back",
        "review__submitted_at",
    ):
        assigned[a[0]][a[1]] = a[2:]
    resolutions = dict(
        Resolution.objects.filter(sampled_case__sample__inspection=inspection).values_list(
            "sampled_case_id", "final_overall"
        )
    )
    sent: dict[int, list[SendBack]] = defaultdict(list)
    for s in SendBack.objects.filter(inspection=inspection).order_by("opened_at", "id"):
        sent[s.sampled_case_id].append(s)
    today = timezone.localdate()
    rows = []
    for pk, case_ref, stratum, rank, case_state in cases:
        first = assigned[pk].get("first")
        second = assigned[pk].get("moderation")
        if case_state == SampledCase.State.OUT_OF_SCOPE:
            state = "out_of_scope"
        elif first is None:
            state = "unassigned"
        else:
            state = first[2] or "not_started"
        first_done = first is not None and first[2] == Review.State.SUBMITTED
        second_done = second is not None and second[2] == Review.State.SUBMITTED
        flags = set()
        if pk in resolutions:
            grade = resolutions[pk]
        elif first_done and second_done and first[3] != second[3]:  # type: ignore[index]
            grade, flags = "", {"disagreement"}
        elif first_done and (second is None or second_done):
            grade = first[3]  # type: ignore[index]
        else:
            grade = ""
        mine = sent.get(pk, [])
        said_yes = [m for m in (first, second) if m is not None and m[2] == "submitted" and m[4]]
        if any(not covers(mine, m[5]) for m in said_yes):
            flags.add("at_risk")
        overdue = frozenset(s.pk for s in mine if late(s, today))
        if mine:
            flags.add("sent_back")
        if overdue:
            flags.add("overdue")
        rows.append(
            SampleRow(
                sampled_case_id=pk,
                case_ref=case_ref,
                stratum=stratum,
                rank=rank,
                state=state,
                reviewer=first[1] if first else "",
                first_assignment=first[0] if first else None,
                moderator=second[1] if second else "",
                moderation_assignment=second[0] if second else None,
                moderation_state=(second[2] or "not_started") if second else "",
                grade=grade or "",
                grade_words=labels.get(grade, grade) if grade else "",
                flags=frozenset(flags),
                send_backs=tuple(mine),
                overdue=overdue,
            )
        )
    return rows


def send_back_words(row: SampleRow) -> str:
    """The send-back cell of a row in words: at risk and not sent back, or each send back's state and due day."""
    parts = ["At risk, not sent back"] if "at_risk" in row.flags else []
    for s in row.send_backs:
        late_words = ", overdue" if s.pk in row.overdue else ""
        parts.append(
            f"{words('send_back_state', s.state)}, due {uk_date(s.due_on)}{late_words}"
            if s.state != State.CLOSED.value
            else "Closed"
        )
    return "; ".join(parts)


_SAMPLE_KEYS: Mapping[str, Any] = {
    "reference": lambda r, g: r.case_ref,
    "stratum": lambda r, g: (r.stratum, r.rank),
    "reviewer": lambda r, g: (r.reviewer or "~", r.case_ref),
    "state": lambda r, g: (list(CASE_STATE_WORDS).index(r.state), r.case_ref),
    "grade": lambda r, g: (g.get(r.grade, len(g)), r.case_ref),
}


def sample_rows(
    inspection: Inspection, filters: SampleFilters
) -> tuple[list[SampleRow], SampleTable]:
    """Every case of the sample that matches ``filters``, in their order (all of them: a CSV download takes
    them whole), and the table a page shows (one page of them, the choices of each filter)."""
    if inspection_sample(inspection) is None:
        return [], SampleTable(inspection=inspection, drawn=False, filters=SampleFilters())
    grades = framework_grades(inspection)
    every = _case_rows(inspection, {g.code: g.label for g in grades})
    order = {g.code: i for i, g in enumerate(grades)}
    strata = sorted({r.stratum for r in every})
    reviewers = sorted({n for r in every for n in (r.reviewer, r.moderator) if n})
    filters = replace(
        filters,
        stratum=filters.stratum if filters.stratum in strata else "",
        reviewer=filters.reviewer if filters.reviewer in reviewers else "",
        grade=filters.grade if filters.grade in {*order, "none"} else "",
    )
    rows = [
        r
        for r in every
        if (not filters.stratum or r.stratum == filters.stratum)
        and (not filters.reviewer or filters.reviewer in (r.reviewer, r.moderator))
        and (not filters.state or r.state == filters.state)
        and (not filters.grade or r.grade == (filters.grade if filters.grade != "none" else ""))
        and (not filters.flag or filters.flag in r.flags)
    ]
    key = _SAMPLE_KEYS.get(filters.order, _SAMPLE_KEYS["reference"])
    rows.sort(key=lambda r: key(r, order))
    at = window(len(rows), filters.page, SAMPLE_PAGE_SIZE)
    page, pages = at.number, at.pages
    table = SampleTable(
        inspection=inspection,
        drawn=True,
        rows=rows[at.start : at.stop],
        matched=len(rows),
        total=len(every),
        page=page,
        pages=pages,
        grades=grades,
        grade_labels={g.code: g.label for g in grades},
        strata=strata,
        reviewers=reviewers,
        filters=filters,
    )
    return rows, table


# A disagreement, both reviews side by side ---------------------------------------------------------------------


@dataclass(frozen=True)
class AreaMarks:
    title: str
    key: bool
    #: (first, moderation): each a grade's words, its weaknesses' words, its comment
    marks: tuple[tuple[str, list[str], str], tuple[str, list[str], str]]
    differ: bool


@dataclass(frozen=True)
class DisagreementDetail:
    disagreement: Disagreement
    areas: list[AreaMarks]
    first_overall: str
    second_overall: str
    grades: list[Grade]
    final_words: str


def disagreement_detail(inspection: Inspection, sampled_case_id: int) -> DisagreementDetail | None:
    """The disagreement on the case, with both reviews area by area in the framework's words; None when the
    case is not a disagreement of this inspection."""
    found = next(
        (d for d in disagreements(inspection) if d.sampled_case.pk == sampled_case_id), None
    )
    if found is None:
        return None
    # Shown on a page only: the framework's words in the reader's language.
    framework = load_framework(inspection.framework).in_language(active_language())
    weakness_text = {w.code: f"{w.code}: {w.text}" for w in framework.weaknesses}

    def mark(review: Review, slug: str) -> tuple[str, list[str], str]:
        grade = review.area_grades.get(slug, "")
        return (
            framework.label(grade) if grade else gettext("Not graded"),
            [weakness_text.get(c, c) for c in review.area_weaknesses.get(slug, [])],
            str(review.area_comments.get(slug, "") or ""),
        )

    areas = [
        AreaMarks(
            title=a.title,
            key=a.key,
            marks=(mark(found.first, a.slug), mark(found.second, a.slug)),
            differ=found.first.area_grades.get(a.slug) != found.second.area_grades.get(a.slug),
        )
        for a in framework.areas
    ]
    return DisagreementDetail(
        disagreement=found,
        areas=areas,
        first_overall=framework.label(found.first.overall),
        second_overall=framework.label(found.second.overall),
        grades=list(framework.grades),
        final_words=framework.label(found.resolution.final_overall) if found.resolution else "",
    )


def disagreement_consulted(
    inspection: Inspection, sampled_case_id: int, *, actor: User
) -> DisagreementDetail | None:
    """``disagreement_detail``, its reading journaled: the page shows both reviews of the case, with their
    comments (a consultation of the case, as the review page's)."""
    detail = disagreement_detail(inspection, sampled_case_id)
    if detail is not None:
        journal_record(
            actor=actor,
            operation=Operation.CONSULTATION,
            action=JournalAction.CASE_CONSULT,
            object_type="sampled_case",
            object_id=sampled_case_id,
            reason="disagreement",
        )
    return detail
