"""Every read an inspection page needs, scoped: a lead inspector sees the inspections they lead."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Lower
from django.http import Http404
from django.utils.translation import gettext_noop

from casereview.domain.allocation import ALLOCATION, ALLOCATION_V1, StratumAllocation, allocate
from casereview.domain.paging import window
from casereview.domain.plans import SamplePlan
from casereview.domain.power import margin_for, planned
from casereview.domain.roles import (
    AUDITOR_CONTACT,
    GRADERS,
    LEADING_ROLES,
    LEADS,
    ROLES,
    InspectionKind,
    Role,
    may_be_assigned,
    may_grade,
    may_lead,
)
from casereview.domain.sampling import (
    FrameDates,
    in_period,
    labelled_frame,
    manifest_frame_dates,
    strata_sizes,
)
from casereview.domain.tasks import Progress, Step, Task, stage, task_list
from casereview.web.core.access import user_roles
from casereview.web.registers.frames import register_frame
from casereview.web.registers.models import Body, Register

from .draw_words import FrameDatesShown, in_words

# Inspection is re-exported: views and forms name the type without importing the models.
from .models import Inspection, Sample, SampledCase

# --- Who may see and work on which inspection: the one home of the rule (domain.roles LEADS/GRADERS) ----------


#: The user of a body's contact, for ``.values_list`` on what ``_with_contacts`` gives.
_CONTACT_USER = "contacts__user"


def _with_contacts(
    *, body_id: int | None = None, kind: str | None = None, users: Sequence[Any] | None = None
) -> QuerySet[Body]:
    """The bodies (``body_id``'s only, if given) with a contact of ``kind`` who is one of ``users`` (each
    condition only if given), all in one ``filter`` so that they hold of the same contact.

    A body's contacts are the referrals app's (``BodyContact``), and that app sits above this one in the app
    order, so this app may not import it: it reaches them by the relation's name (``Body.contacts``), and does
    so here only; every other read of who is a body's contact (or auditor) in this app calls this."""
    where: dict[str, Any] = {}
    if body_id is not None:
        where["pk"] = body_id
    if kind is not None:
        where["contacts__kind"] = kind
    if users is not None:
        where["contacts__user__in"] = [getattr(u, "pk", u) for u in users]
    return Body.objects.filter(**where)


def audited_bodies(user: Any) -> QuerySet[Body]:
    """The bodies ``user`` audits (a contact of kind ``auditor`` of the body, holding the ``body_auditor`` role);
    a subquery when used in a filter (no query of its own)."""
    if Role.BODY_AUDITOR not in user_roles(user):
        return Body.objects.none()
    return _with_contacts(kind=AUDITOR_CONTACT, users=[user])


def bodies_audited_for_choice(user: Any) -> QuerySet[Body]:
    """The bodies ``user`` audits, by code: those they may open an own audit of."""
    return audited_bodies(user).order_by("code")


def audits_body(user: Any, body: Any) -> bool:
    """Whether ``user`` is one of ``body``'s own auditors (see ``audited_bodies``)."""
    return audited_bodies(user).filter(pk=getattr(body, "pk", body)).exists()


def led_q(user: Any, prefix: str = "") -> Q:
    """A filter on inspections (``prefix``: the path to one, e.g. ``"inspection__"``) that ``user`` leads and
    may work on as lead: an inspectorate inspection they lead as a lead inspector; an own audit they lead as
    one of its body's auditors. Nothing for anyone else."""
    roles = user_roles(user)
    allowed = Q(pk__in=[])
    for kind, role in LEADS.items():
        if role not in roles:
            continue
        rule = {f"{prefix}lead": user, f"{prefix}kind": kind}
        if kind == InspectionKind.OWN_AUDIT:
            rule[f"{prefix}body__in"] = audited_bodies(user).values("pk")
        allowed |= Q(**rule)
    return allowed


def graded_q(user: Any, prefix: str = "") -> Q:
    """A filter on inspections (``prefix`` as ``led_q``) whose assigned cases ``user`` may open and grade: the
    inspectorate's inspections for its inspectors and lead inspectors, the own audits of the bodies they audit
    for body auditors (``domain.roles.GRADERS``)."""
    roles = user_roles(user)
    allowed = Q(pk__in=[])
    for kind, graders in GRADERS.items():
        if not graders & roles:
            continue
        rule: dict[str, Any] = {f"{prefix}kind": kind}
        if kind == InspectionKind.OWN_AUDIT:
            rule[f"{prefix}body__in"] = audited_bodies(user).values("pk")
        allowed |= Q(**rule)
    return allowed


def leads(user: Any, inspection: Inspection) -> bool:
    """Whether ``user`` leads ``inspection`` and may work on it as lead (the rule of ``led_q``, on one)."""
    if inspection.lead_id != getattr(user, "pk", None):
        return False
    own = inspection.kind == InspectionKind.OWN_AUDIT
    return may_lead(
        user_roles(user), inspection.kind, audits_body=own and audits_body(user, inspection.body_id)
    )


def grades(user: Any, inspection: Inspection) -> bool:
    """Whether ``user`` may open and grade cases of ``inspection`` assigned to them (``graded_q``, on one)."""
    own = inspection.kind == InspectionKind.OWN_AUDIT
    return may_grade(
        user_roles(user), inspection.kind, audits_body=own and audits_body(user, inspection.body_id)
    )


def unassignable(inspection: Inspection, people: Sequence[Any]) -> list[Any]:
    """Those of ``people`` who may not be given ``inspection``'s cases to grade (``may_be_assigned``): an
    inspectorate inspector on an own audit, a body auditor on an inspectorate inspection or on another body's
    own audit."""
    own = inspection.kind == InspectionKind.OWN_AUDIT
    auditors = (
        set(
            _with_contacts(
                body_id=inspection.body_id, kind=AUDITOR_CONTACT, users=people
            ).values_list(_CONTACT_USER, flat=True)
        )
        if own and people
        else set()
    )
    held: dict[int, set[Role]] = {p.pk: set() for p in people}
    for pk, group in (
        get_user_model()
        .objects.filter(pk__in=list(held), is_active=True, groups__name__in=ROLES)
        .values_list("pk", "groups__name")
    ):
        held[pk].add(Role(group))  # everyone's roles in one query, however many people
    # A calibration's re-grading is blind: never its lead (who resolves disagreements) nor anyone who is a
    # contact of the body (who can read the body's grades).
    barred = (
        {inspection.lead_id}
        | set(
            _with_contacts(body_id=inspection.body_id, users=people).values_list(
                _CONTACT_USER, flat=True
            )
        )
        if inspection.kind == InspectionKind.CALIBRATION and people
        else set()
    )
    return [
        p
        for p in people
        if p.pk in barred
        or not may_be_assigned(held[p.pk], inspection.kind, audits_body=p.pk in auditors)
    ]


def inspections_listed(user: Any) -> QuerySet[Inspection]:
    """Administrators see every inspection's metadata; lead inspectors the inspectorate's inspections they
    lead; body auditors the own audits they lead (never an inspectorate inspection, never another body's)."""
    roles = user_roles(user)
    base = Inspection.objects.select_related("body", "lead")
    if Role.ADMINISTRATOR in roles:
        return base
    return base.filter(led_q(user))


def inspection_led(user: Any, inspection_id: int) -> Inspection | None:
    """The inspection, if ``user`` leads it and may work on it as lead (its pages show case references)."""
    return Inspection.objects.select_related("body").filter(led_q(user), pk=inspection_id).first()


def inspection_led_or_404(user: Any, inspection_id: int) -> Inspection:
    """The inspection the user leads; 404 for everyone else (pages and API alike)."""
    inspection = inspection_led(user, inspection_id)
    if inspection is None:
        raise Http404
    return inspection


def inspection_sample(inspection: Inspection) -> Sample | None:
    return Sample.objects.select_related("register").filter(inspection=inspection).first()


def sample_size(sample: Sample) -> int:
    """The sample's active cases (the reserve not counted)."""
    return SampledCase.objects.filter(sample=sample, state=SampledCase.State.ACTIVE).count()


def sample_replacements(sample: Sample) -> QuerySet[SampledCase]:
    return SampledCase.objects.filter(sample=sample, replaces__isnull=False).select_related(
        "replaces"
    )


def registers_for_draw(inspection: Inspection) -> QuerySet[Register]:
    """The body's current registers, newest first (those imported before the seed was committed are
    offered too: the draw takes one only when the lead allows a late commitment)."""
    return Register.objects.filter(
        body=inspection.body, state=Register.State.LOCKED, purged_at__isnull=True
    ).order_by("-imported_at", "-id")


def registers_since_commitment(inspection: Inspection) -> int:
    """How many of ``registers_for_draw`` were imported after the seed was committed (0 before it is):
    the ones a draw takes without allowing a late commitment (the task list's register step counts them)."""
    if inspection.committed_at is None:
        return 0
    return registers_for_draw(inspection).filter(imported_at__gte=inspection.committed_at).count()


def inspectors_available(inspection: Inspection | None = None) -> list[Any]:
    """Active users who may be given cases to grade (candidates for assignment): the inspectorate's
    inspectors; for an own audit, its body's own auditors instead (``domain.roles.GRADERS``)."""
    people = get_user_model().objects.filter(is_active=True)
    if inspection is not None and inspection.kind == InspectionKind.OWN_AUDIT:
        people = people.filter(
            groups__name=Role.BODY_AUDITOR.value,
            pk__in=_with_contacts(body_id=inspection.body_id, kind=AUDITOR_CONTACT).values(
                _CONTACT_USER
            ),
        )
    else:
        people = people.filter(groups__name=Role.INSPECTOR.value)
    return list(people.order_by("username"))


def sampled_case_in(inspection: Inspection, chosen: str) -> SampledCase | None:
    """The case of the inspection's sample whose id is ``chosen`` (as posted), or None.

    Only an id of digits is looked up: never int() of whatever was posted (a 500 on anything else).
    """
    if not (chosen.isascii() and chosen.isdigit() and len(chosen) <= 18):
        return None
    return SampledCase.objects.filter(sample__inspection=inspection, pk=int(chosen)).first()


def inspection_by_id(inspection_id: int) -> Inspection | None:
    """The inspection with this id, with its body, or None."""
    return Inspection.objects.select_related("body").filter(pk=inspection_id).first()


@dataclass(frozen=True)
class DrawPreview:
    """What a plan would give before it is drawn: the frame, the margin of error, each stratum's share."""

    frame_size: int
    margin: float
    allocations: list[StratumAllocation]
    #: the reported dates the frame covers, the inspection's period unless the plan chose others
    frame_dates: FrameDatesShown | None = None
    headline: tuple[str, ...] = ()
    allocation_rules: str = ALLOCATION
    #: the smallest change the planned size could detect (``detectable_change_for``), or None
    detectable: dict[str, Any] | None = None


def draw_preview(register: Register, plan: SamplePlan, inspection: Inspection) -> DrawPreview:
    """The margin of error at 95% for a share near 50%, and the allocation, if ``plan`` were drawn now.

    The frame is the one the draw would use: dates the plan leaves out are the inspection's period.
    """
    plan, dates = in_period(plan, inspection.period_start, inspection.period_end)
    frame = labelled_frame(register_frame(register), plan)
    sizes = strata_sizes(frame)
    return DrawPreview(
        frame_size=frame.height,
        margin=margin_for(
            size=min(plan.size, max(frame.height, 1)),
            confidence=0.95,
            population=max(frame.height, 1),
        ),
        allocations=allocate(sizes, plan) if sizes else [],
        frame_dates=FrameDatesShown(dates),
        headline=plan.headline,
        detectable=in_words(
            detectable_change_for(
                inspection, min(plan.size, frame.height), declared=len(plan.headline)
            )
        ),
    )


# --- What a planned sample could see (the minimum detectable change) ---------------------------------

#: An inspection's earlier results, oldest first: (label, kind, period end, requires improvement or
#: inadequate, graded). The reports app gives them (``provide_earlier_results``, when it is ready): it
#: sits above this app, which may not import it.
EarlierResults = Callable[[Inspection], Sequence[tuple[str, str, str, int, int]]]
_earlier_results: list[EarlierResults] = []


def provide_earlier_results(source: EarlierResults) -> None:
    """Where ``detectable_change_for`` reads an inspection's earlier results (one source: the last given)."""
    _earlier_results[:] = [source]


def detectable_change_for(
    inspection: Inspection, size: int, *, declared: int = 0
) -> dict[str, Any] | None:
    """The minimum detectable change of a sample of ``size`` (domain.power.planned) against the body's
    latest earlier inspection or baseline (its combined share and size), or against 50% when it has none.

    The report compares with the previous inspection and the latest baseline together (Holm, with the
    ``declared`` extra headline comparisons of the plan), so the change is taken at that family's strictest
    level. None when nothing can be planned (no case in the frame, or no source of earlier results)."""
    if size < 1 or not _earlier_results:
        return None
    points = [p for p in _earlier_results[0](inspection) if p[4] > 0]
    kinds = {kind for _, kind, _, _, _ in points}
    latest = max(points, key=lambda p: (p[2], p[0]), default=None)
    earlier = None if latest is None else (latest[0], latest[3] / latest[4], latest[4])
    return planned(size, earlier, tests=max(len(kinds) + declared, 1))


@dataclass(frozen=True)
class Overview:
    """The overview page: the inspection's own facts and the step it is at (seed, draw, drawn)."""

    inspection: Inspection
    sample: Sample | None
    registers: QuerySet[Register] | None = None


def inspection_overview(inspection: Inspection) -> Overview:
    sample = inspection_sample(inspection)
    return Overview(
        inspection=inspection,
        sample=sample,
        registers=registers_for_draw(inspection) if sample is None else None,
    )


@dataclass(frozen=True)
class SamplePart:
    """The sample page: how it was drawn, its strata and the cases replaced from the reserve."""

    inspection: Inspection
    sample: Sample | None
    strata: list[dict[str, Any]] = field(default_factory=list)
    replacements: list[SampledCase] = field(default_factory=list)
    frame_dates: FrameDatesShown | None = None
    #: the allocation rules the manifest names (a manifest without them: version 1)
    allocation_rules: str | None = None
    headline: list[str] = field(default_factory=list)


def _shown(dates: FrameDates | None) -> FrameDatesShown | None:
    return None if dates is None else FrameDatesShown(dates)


def sample_part(inspection: Inspection) -> SamplePart:
    sample = inspection_sample(inspection)
    if sample is None:
        return SamplePart(inspection=inspection, sample=None)
    document = sample.manifest or {}
    drawn_here = sample.algorithm != "imported"
    return SamplePart(
        inspection=inspection,
        sample=sample,
        strata=document.get("strata", []),  # an imported sample has no strata
        replacements=list(sample_replacements(sample)),
        frame_dates=_shown(
            manifest_frame_dates(document, inspection.period_start, inspection.period_end)
        ),
        allocation_rules=document.get("allocation", ALLOCATION_V1) if drawn_here else None,
        headline=list((document.get("plan") or {}).get("headline") or []),
    )


# --- The inspection as a task list (domain.tasks) -----------------------------------------------------------

#: What only the apps above this one can count (reviews: assignments, reviews, disagreements, send backs;
#: reports: publications): each source takes inspection ids and gives, per id, ``Progress`` field names and
#: their counts, in a few grouped queries whatever the number of inspections. They are given in those apps'
#: ``AppConfig.ready()`` (``provide_progress``); with none given the task list says only what this app knows.
ProgressSource = Callable[[Sequence[int]], Mapping[int, Mapping[str, int]]]
_progress_sources: dict[str, ProgressSource] = {}
_PROGRESS_FIELDS = frozenset(f.name for f in fields(Progress))


def provide_progress(name: str, source: ProgressSource) -> None:
    """Where ``inspections_progress`` reads the counts ``name`` (an app's label) gives (the last given)."""
    _progress_sources[name] = source


def inspections_progress(inspections: Sequence[Inspection]) -> dict[int, Progress]:
    """Each inspection's progress: two queries here, and each source's few, for any number of inspections."""
    if not inspections:
        return {}
    ids = [i.pk for i in inspections]
    # A register counts for an inspection only once its seed is committed and only if it was imported
    # since (the draw refuses an older one unless the lead allows a late commitment); the older ones are
    # counted apart, so the task list can say why the register step is not done.
    current = Q(
        body__registers__state=Register.State.LOCKED, body__registers__purged_at__isnull=True
    )
    since = Q(body__registers__imported_at__gte=F("committed_at"))
    registers = {
        pk: (fresh, older)
        for pk, fresh, older in Inspection.objects.filter(pk__in=ids, committed_at__isnull=False)
        .annotate(
            fresh=Count("body__registers", filter=current & since),
            older=Count("body__registers", filter=current & ~since),
        )
        .values_list("pk", "fresh", "older")
    }
    drawn = dict(
        Sample.objects.filter(inspection_id__in=ids)
        .annotate(active=Count("cases", filter=Q(cases__state=SampledCase.State.ACTIVE)))
        .values_list("inspection_id", "active")
    )
    facts: dict[int, dict[str, Any]] = {
        i.pk: {
            "committed": bool(i.commitment),
            "registers": registers.get(i.pk, (0, 0))[0],
            "registers_older": registers.get(i.pk, (0, 0))[1],
            "drawn": i.pk in drawn,
            "sampled": drawn.get(i.pk, 0),
        }
        for i in inspections
    }
    for source in _progress_sources.values():
        for pk, counts in source(ids).items():
            if pk in facts:
                facts[pk].update({k: v for k, v in counts.items() if k in _PROGRESS_FIELDS})
    return {pk: Progress(**found) for pk, found in facts.items()}


def inspection_tasks(inspection: Inspection) -> list[Task]:
    """The inspection's task list (``domain.tasks.task_list``)."""
    return task_list(inspections_progress([inspection])[inspection.pk])


@dataclass(frozen=True)
class ListedInspection:
    inspection: Inspection
    #: None on a row the user does not lead: administrators see an inspection's metadata only (docs/security.md)
    progress: Progress | None
    #: a key of ``domain.tasks.STAGE_WORDS`` ("" on a row the user does not lead)
    stage: str


#: The inspections list's orders: (words, key of a ListedInspection's sort); the words are marked for the
#: catalogue and translated by the page.
INSPECTION_ORDERS: dict[str, str] = {
    "newest": gettext_noop("Newest first"),
    "name": gettext_noop("Name"),
    "body": gettext_noop("Body"),
    "period": gettext_noop("Period, latest first"),
    "stage": gettext_noop("Stage"),
}

#: How many inspections a page of the list shows.
INSPECTIONS_PAGE_SIZE = 25


@dataclass(frozen=True)
class InspectionsPage:
    rows: list[ListedInspection]
    #: the bodies among the inspections the user may list (code, name), for the filter
    bodies: list[tuple[str, str]]
    #: how many inspections match the filters (all pages)
    matched: int
    page: int
    pages: int
    #: whether the user leads any inspection (only then are stages and review counts shown or filtered)
    shows_progress: bool


def inspections_with_stage(
    user: Any, *, stage_is: str = "", body: str = "", order: str = "newest", page: int = 1
) -> InspectionsPage:
    """One page of the inspections the user may list (``inspections_listed``), filtered by stage and body
    code and sorted, each of those the user leads with its progress and stage.

    Review progress is a lead's, of their own inspections: an administrator sees every inspection's
    metadata, never how its reviews stand (a row they do not lead has no progress, and the stage filter and
    order read only the rows they lead). Progress is counted for the page's rows only, unless the stage
    filters or orders the list (then for every inspection the user leads): a few grouped queries either way.
    """
    listed = inspections_listed(user)
    bodies = sorted(set(listed.values_list("body__code", "body__name")))
    if body:
        listed = listed.filter(body__code=body)
    shows_progress = bool(user_roles(user) & set(LEADING_ROLES))
    mine: dict[int, Progress] = {}
    stages: dict[int, str] = {}
    steps = [s.value for s in Step] + ["published"]  # the steps' order is the stages' order
    if shows_progress and (stage_is or order == "stage"):
        mine = inspections_progress(list(listed.filter(lead=user)))
        stages = {pk: stage(task_list(p)) for pk, p in mine.items()}
        if stage_is:
            listed = listed.filter(pk__in=[pk for pk, s in stages.items() if s == stage_is])
    if order == "stage" and shows_progress:
        listed = listed.annotate(
            stage_order=Case(
                *[When(pk=pk, then=Value(steps.index(s))) for pk, s in stages.items()],
                default=Value(len(steps)),
                output_field=IntegerField(),
            )
        ).order_by("stage_order", "-created_at", "-id")
    elif order in ORDER_BY:
        listed = listed.order_by(*ORDER_BY[order])
    matched = listed.count()
    at = window(matched, page, INSPECTIONS_PAGE_SIZE)
    page, pages = at.number, at.pages
    shown = list(listed[at.start : at.stop])
    if shows_progress and not mine:
        mine = inspections_progress([i for i in shown if i.lead_id == user.pk])
        stages = {pk: stage(task_list(p)) for pk, p in mine.items()}
    rows = [
        ListedInspection(i, mine.get(i.pk), stages.get(i.pk, ""))
        if i.lead_id == user.pk
        else ListedInspection(i, None, "")
        for i in shown
    ]
    return InspectionsPage(
        rows=rows,
        bodies=bodies,
        matched=matched,
        page=page,
        pages=pages,
        shows_progress=shows_progress,
    )


#: The list's orders in the database (the stage's is built from the inspections' stages).
ORDER_BY: dict[str, tuple[Any, ...]] = {
    "newest": ("-created_at", "-id"),
    "name": (Lower("name"), "id"),
    "body": ("body__code", Lower("name"), "id"),
    "period": ("-period_end", "-id"),
}
