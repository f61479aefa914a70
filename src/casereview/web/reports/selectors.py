"""Collecting an inspection's facts for its report (the figures themselves come from domain.report).

A case's final grade is the lead inspector's resolution where first and
second marks disagreed, else the first review's (``domain.report.FINAL_GRADE_RULE``);
one query per purpose, never one per case.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from casereview import __version__
from casereview.domain.journal import JournalAction, Operation
from casereview.domain.linked import Audit
from casereview.domain.links import LinkRules, volume_window
from casereview.domain.plans import drawn_in_proportion
from casereview.domain.report import (
    GradedCase,
    HistoryPoint,
    SendBackFact,
    build_report,
    design_estimate,
)
from casereview.domain.report_model import Report
from casereview.domain.roles import Role
from casereview.domain.sampling import manifest_frame_dates
from casereview.domain.trend_publication import published_trend, restricted_to
from casereview.domain.trends import InspectionResult, StratumResult
from casereview.domain.trends import national_trend as trend
from casereview.domain.words import count, number, uk_date
from casereview.importing.frameworks import load_framework
from casereview.web.inspections.links import case_link_counts, link_weakness, links_for
from casereview.web.inspections.models import Inspection, Sample, SampledCase
from casereview.web.journal.services import journal_record
from casereview.web.referrals.history import day_end, send_backs_as_of
from casereview.web.referrals.selectors import late
from casereview.web.registers.models import Body
from casereview.web.reviews.history import (
    Submitted,
    at_risk_not_sent_back_as_of,
    first_reviews_as_of,
    submitted_as_of,
)
from casereview.web.reviews.models import Assignment, Review
from casereview.web.reviews.selectors import agreement_for, at_risk_not_sent_back, disagreements

from .environment import environment
from .models import Baseline, PublishedReport
from .readers import readers_q

INSPECTION = "assignment__sampled_case__sample__inspection_id"
NO_UNIT = "(none)"
ERASED = "(erased)"


def final_reviews(inspection_ids: Iterable[int] | None) -> QuerySet[Review]:
    """Each graded case's first review, annotated with ``final`` (its final overall grade); None: every inspection."""
    scope = {} if inspection_ids is None else {f"{INSPECTION}__in": list(inspection_ids)}
    return (
        Review.objects.filter(
            **scope,
            assignment__kind=Assignment.Kind.FIRST,
            state=Review.State.SUBMITTED,
        )
        .exclude(overall="")
        .annotate(
            final=Coalesce(F("assignment__sampled_case__resolution__final_overall"), F("overall"))
        )
    )


def graded_cases(
    inspection_ids: Iterable[int],
    *,
    with_areas: bool = True,
    cutoff: dt.datetime | None = None,
    submitted: Iterable[Submitted] | None = None,
) -> dict[int, list[GradedCase]]:
    """Every graded case of these inspections, with its category and unit from the register, as it stood at
    ``cutoff`` (``referrals.history.day_end`` of a report's day; now when None): the first review and the
    resolution then in force (``reviews.history``).  Ordered by stratum and case, so a report regenerated with
    the same cutoff reads the same cases in the same order.

    ``with_areas=False`` leaves out the area grades (earlier results need only the overall grade);
    ``submitted``: the inspections' reviews as of ``cutoff`` when already read (``submitted_as_of``).
    """
    out: dict[int, list[GradedCase]] = defaultdict(list)
    for first, final in first_reviews_as_of(
        inspection_ids, cutoff, submitted=submitted, with_areas=with_areas
    ):
        out[first.inspection_id].append(
            GradedCase(
                case_ref=first.case_ref,
                stratum=first.stratum,
                category=first.category or ERASED,
                unit=(first.unit or NO_UNIT) if first.category else ERASED,
                overall=final,
                area_grades=dict(first.area_grades) if with_areas else {},
                # Every key counts: areas, and `_case` for weaknesses imported for the whole case.
                weaknesses=frozenset(
                    w for codes in (first.area_weaknesses or {}).values() for w in codes
                ),
            )
        )
    return out


def _concern(framework: str) -> set[str]:
    return set(load_framework(framework).grade_codes[1:])


def _tally(cases: list[GradedCase], concern: set[str], key: str) -> dict[str, tuple[int, int]]:
    found: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for c in cases:
        seen[getattr(c, key)] += 1
        found[getattr(c, key)] += c.overall in concern
    return {name: (found[name], seen[name]) for name in seen}


def history_for(inspection: Inspection, *, cutoff: dt.datetime | None = None) -> list[HistoryPoint]:
    """Earlier inspections of the body (their final grades) and its published baselines, as they stood at
    ``cutoff`` (now when None): a baseline recorded later is left out, as are grades given later."""

    points = [
        HistoryPoint(
            b.label,
            b.period_end.isoformat(),
            "baseline",
            b.ri_or_inadequate,
            b.total,
            weaknesses=b.weaknesses,
        )
        for b in Baseline.objects.filter(
            body=inspection.body,
            period_end__lt=inspection.period_end,
            **({} if cutoff is None else {"created_at__lt": cutoff}),
        )
    ]
    earlier = list(
        Inspection.objects.filter(body=inspection.body, period_end__lt=inspection.period_end)
    )
    graded = graded_cases((e.pk for e in earlier), with_areas=False, cutoff=cutoff)
    drawn = {s.inspection_id: s for s in Sample.objects.filter(inspection__in=earlier)}
    for e in earlier:
        cases = graded.get(e.pk, [])
        if not cases:
            continue
        concern = _concern(e.framework)
        points.append(
            HistoryPoint(
                e.name,
                e.period_end.isoformat(),
                "inspection",
                sum(c.overall in concern for c in cases),
                len(cases),
                by_category=_tally(cases, concern, "category"),
                by_unit=_tally(cases, concern, "unit"),
                # Every weakness of its framework, 0 where none was found: it recorded them all.
                weaknesses={
                    **dict.fromkeys(load_framework(e.framework).weakness_codes, 0),
                    **Counter(w for c in cases for w in c.weaknesses),
                },
                # Drawn out of proportion: compared by its design-weighted share (issue 21).
                estimate=design_estimate(cases, _design_facts(drawn[e.pk]), concern)
                if e.pk in drawn
                else None,
            )
        )
    return points


def earlier_results(inspection: Inspection) -> list[tuple[str, str, str, int, int]]:
    """The body's earlier results, oldest first, as the draw form needs them (``history_for``): (label,
    kind, period end, requires improvement or inadequate, graded)."""
    points = sorted(history_for(inspection), key=lambda p: (p.period_end, p.label))
    return [(p.label, p.kind, p.period_end, p.count, p.total) for p in points]


def _design_facts(sample: Sample) -> dict[str, Any]:
    """The sample's plan, strata and whether it was drawn in proportion (no query: its manifest)."""
    manifest = sample.manifest or {}
    plan = manifest.get("plan", sample.plan or {})
    return {
        "plan": plan,
        "strata": [
            {"label": s["label"], "frame_size": s["frame_size"], "sampled": s["allocated"]}
            for s in manifest.get("strata", [])
        ],
        "proportional": drawn_in_proportion(plan),
    }


def sample_facts(inspection: Inspection, sample: Sample | None) -> dict[str, Any]:
    """The sample as the report states it: frame, plan, strata, commitment, replacements."""
    if sample is None:
        return {
            "drawn_in_casereview": False,
            "imported": False,
            "frame_size": None,
            "plan": {},
            "strata": [],
            "proportional": True,
            "commitment": inspection.commitment,
            "algorithm": None,
            "late_commitment": False,
            "replacements": [],
            "frame_dates": None,
        }
    manifest = sample.manifest or {}
    # The reported dates the frame covered: {"from", "to", "default" (the inspection's period), "words"}.
    dates = manifest_frame_dates(manifest, inspection.period_start, inspection.period_end)
    design = _design_facts(sample)
    strata, plan = design["strata"], design["plan"]
    replaced = (
        SampledCase.objects.filter(sample=sample, replaces__isnull=False)
        .select_related("replaces")
        .order_by("id")
    )
    return {
        "drawn_in_casereview": sample.algorithm != "imported",
        "imported": sample.algorithm == "imported",
        "algorithm": sample.algorithm,
        "commitment": inspection.commitment,
        "late_commitment": sample.late_commitment,
        "frame_size": sum(s["frame_size"] for s in strata) if strata else None,
        "plan": plan,
        "strata": strata,
        "frame_dates": {**dates.as_dict(), "words": dates.words()} if dates else None,
        "proportional": design["proportional"],
        "replacements": [
            {
                "case_ref": s.replaces.case_ref,
                "replaced_by": s.case_ref,
                "reason": s.replaces.out_of_scope_reason,
            }
            for s in replaced
            if s.replaces is not None
        ],
    }


def report_for(inspection: Inspection, *, as_of: dt.date | None = None) -> dict[str, Any]:
    """The full (unpublished) report's JSON document, as of a date (today by default)."""
    return inspection_report(inspection, as_of=as_of).to_json()


def inspection_report(inspection: Inspection, *, as_of: dt.date | None = None) -> Report:
    """The full (unpublished) report of an inspection as it stood at the end of a day (today by default).

    Everything is read as it stood when that day ended in Europe/London (``day_end``): the reviews and
    resolutions then in force (``reviews.history``), the send backs opened by then in the state they were in
    (``referrals.history``), the baselines recorded by then.  Nothing in it depends on when it is made, so a
    report regenerated later with the same day is the same JSON byte for byte, by the same software (its
    commit and versions are in ``reproducibility``).
    """

    framework = load_framework(inspection.framework)
    today = as_of or timezone.localdate()
    cutoff = day_end(today)
    submitted = submitted_as_of([inspection.pk], cutoff)
    cases = graded_cases([inspection.pk], cutoff=cutoff, submitted=submitted).get(inspection.pk, [])
    drawn = Sample.objects.filter(inspection=inspection).select_related("register").first()
    send_backs = send_backs_as_of(cutoff, inspection=inspection)
    facts = [
        SendBackFact(
            urgency=s.urgency,
            state=s.state,
            overdue=late(s, today),
            days_to_response=(s.first_response_at - s.opened_at).total_seconds() / 86400
            if s.first_response_at
            else None,
        )
        for s in send_backs
    ]
    agreement = agreement_for(inspection, as_of=cutoff)
    links, volume = _links_facts(drawn, inspection)
    return build_report(
        inspection={
            "id": inspection.pk,
            "name": inspection.name,
            "body": inspection.body.code,
            "body_name": inspection.body.name,  # for people; the code stays the key
            "period": [inspection.period_start.isoformat(), inspection.period_end.isoformat()],
            "framework": framework.ref,
            "commitment": inspection.commitment,
            "register_sha256": drawn.register.sha256 if drawn else None,
        },
        grades=[(g.code, g.label) for g in framework.grades],
        areas=[(a.slug, a.title) for a in framework.areas],
        cases=cases,
        sample=sample_facts(inspection, drawn),
        send_backs=facts,
        at_risk_not_sent_back=len(at_risk_not_sent_back_as_of(submitted, send_backs)),
        agreement=agreement["pairs"],
        agreement_by_area=agreement["by_area"],
        history=history_for(inspection, cutoff=cutoff),
        weakness_titles={w.code: w.text for w in framework.weaknesses},
        as_of=today.isoformat(),
        software_version=__version__,
        environment=environment(),
        links=links,
        volume=volume,
    )


def _links_facts(
    sample: Sample | None, inspection: Inspection
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The sample's stored links as the report uses them: counts per sampled case, the register's patterns,
    and the register's volume over the inspection's period and the quarters before it (``volume_window``)."""

    if sample is None:
        return None, None
    stored = links_for(sample)
    if stored is None:
        return None, None
    related = case_link_counts(sample)
    links = {
        "rules": LinkRules.from_mapping(stored.rules),
        "related": related,
        "register": stored.register_summary,
        "frame": stored.frame_summary or None,
        "weakness": link_weakness()[0],
    }
    volume = volume_window(
        stored.volume or {},
        period_start=inspection.period_start,
        period_end=inspection.period_end,
        quarters_before=settings.CASEREVIEW_VOLUME_QUARTERS_BEFORE,
    )
    return links, volume


def inspection_counts(inspection_ids: Iterable[int] | None = None) -> dict[int, Counter[str]]:
    """Final overall grades counted per inspection, in one grouped query (for national trends)."""
    out: dict[int, Counter[str]] = defaultdict(Counter)
    for inspection_id, final, n in (
        final_reviews(inspection_ids)
        .values_list(INSPECTION, "final")
        .annotate(n=Count("id"))
        .order_by()
    ):
        out[inspection_id][final] += n
    return out


def body_names(codes: Iterable[str]) -> dict[str, str]:
    """Each body's name by its code, for pages that show a document keyed by codes (one query)."""
    return dict(Body.objects.filter(code__in=list(codes)).values_list("code", "name"))


def publications_visible(user: Any) -> QuerySet[Any]:
    """Published reports a user may read: analysts all; a lead inspector those they lead; a liaison officer their body's."""

    allowed = readers_q(user)
    return PublishedReport.objects.select_related("inspection__body", "published_by").filter(
        allowed
    )


@dataclass(frozen=True)
class PublicationFilters:
    """What the *Published reports* list is narrowed to (each empty: any); only ever within
    ``publications_visible``."""

    q: str = ""  # part of the inspection's name or the body's code or name, any case
    body: str = ""  # a body's code
    period: str = ""  # an inspection's last day, ISO (the list's period choices)

    def query(self) -> dict[str, str]:
        return {"q": self.q, "body": self.body, "period": self.period}

    @property
    def narrowed(self) -> bool:
        return bool(self.q or self.body or self.period)


def publications_filtered(visible: QuerySet[Any], filters: PublicationFilters) -> QuerySet[Any]:
    """The publications of ``visible`` (``publications_visible``) narrowed by ``filters``, newest first; without
    their frozen figures (a list never reads them)."""
    found = visible.defer("data", "audit")
    if filters.body:
        found = found.filter(inspection__body__code=filters.body)
    if filters.period:
        found = found.filter(inspection__period_end=filters.period)
    if filters.q:
        found = found.filter(
            Q(inspection__name__icontains=filters.q)
            | Q(inspection__body__code__icontains=filters.q)
            | Q(inspection__body__name__icontains=filters.q)
        )
    return found.order_by("-published_at", "-id")


def publication_choices(visible: QuerySet[Any]) -> dict[str, list[tuple[str, str]]]:
    """The body and period filters' choices: the bodies and the periods of ``visible``, in one query."""
    bodies: dict[str, str] = {}
    periods: dict[dt.date, str] = {}
    for code, name, start, end in (
        visible.order_by()
        .values_list(
            "inspection__body__code",
            "inspection__body__name",
            "inspection__period_start",
            "inspection__period_end",
        )
        .distinct()
    ):
        bodies[code] = f"{name} ({code})"
        periods.setdefault(end, f"{uk_date(start)} to {uk_date(end)}")
    return {
        "bodies": sorted(bodies.items()),
        "periods": [(end.isoformat(), periods[end]) for end in sorted(periods, reverse=True)],
    }


def national_trend(body_codes: list[str] | None = None) -> dict[str, Any]:
    """Every body's inspections with their shares, and each quarter's national estimate (grouped queries).

    A disproportionate sample (``sample_facts`` says whether, and gives its strata) brings its strata's
    frames and their graded and concern counts, so that its point and its part of the quarter are
    design-weighted; every other inspection needs only its counts of final grades."""

    inspections = Inspection.objects.select_related("body")
    if body_codes:
        inspections = inspections.filter(body__code__in=body_codes)
    rows = list(inspections.values_list("id", "name", "body__code", "period_end", "framework"))
    counts = inspection_counts([r[0] for r in rows] if body_codes else None)
    frames: dict[int, int | None] = {}
    uneven: list[int] = []
    for inspection_id, frame_size, plan in Sample.objects.filter(
        inspection__in=inspections
    ).values_list("inspection_id", "frame_size", "plan"):
        frames[inspection_id] = frame_size
        if not drawn_in_proportion(plan or {}):
            uneven.append(inspection_id)
    concern = {framework: _concern(framework) for framework in {r[4] for r in rows}}
    framework_of = {r[0]: r[4] for r in rows}
    strata: dict[int, tuple[StratumResult, ...]] = {}
    if uneven:
        by_stratum: dict[int, Counter[tuple[str, bool]]] = defaultdict(Counter)
        for inspection_id, stratum, final, n in (
            final_reviews(uneven)
            .values_list(INSPECTION, "assignment__sampled_case__stratum", "final")
            .annotate(n=Count("id"))
            .order_by()
        ):
            by_stratum[inspection_id][(stratum, final in concern[framework_of[inspection_id]])] += n
        for drawn in Sample.objects.filter(inspection_id__in=uneven).select_related("inspection"):
            facts = sample_facts(drawn.inspection, drawn)
            if facts["proportional"] or not facts["strata"]:
                continue
            tally = by_stratum[drawn.inspection_id]
            strata[drawn.inspection_id] = tuple(
                StratumResult(
                    label=str(s["label"]),
                    frame_size=int(s["frame_size"]),
                    graded=tally[(str(s["label"]), True)] + tally[(str(s["label"]), False)],
                    concern=tally[(str(s["label"]), True)],
                )
                for s in facts["strata"]
            )
    return trend(
        InspectionResult(
            body=code,
            inspection=name,
            period_end=period_end,
            count=sum(
                n for grade, n in counts.get(pk, Counter()).items() if grade in concern[framework]
            ),
            total=sum(counts.get(pk, Counter()).values()),
            frame_size=frames.get(pk),
            strata=strata.get(pk, ()),
            proportional=pk not in strata,
        )
        for pk, name, code, period_end, framework in rows
    )


#: Who may read the published national trend: it covers every body, so never a liaison officer.
TREND_READERS = (Role.ANALYST, Role.LEAD_INSPECTOR, Role.ADMINISTRATOR)
#: The last published trend this process computed, by the digest of the trend it was computed from: auditing
#: a national trend takes seconds, and the page is read far more often than a grade changes.
_LAST_PUBLISHED: dict[str, tuple[dict[str, Any], Audit]] = {}


def _published(data: dict[str, Any]) -> tuple[dict[str, Any], Audit]:
    key = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode("utf-8")).hexdigest()
    found = _LAST_PUBLISHED.get(key)
    if found is None:
        found = published_trend(data)
        _LAST_PUBLISHED.clear()
        _LAST_PUBLISHED[key] = found
    document, audit = found
    return copy.deepcopy(document), audit


def national_trend_disclosed(
    *,
    actor: Any,
    fmt: str,
    actor_name: str | None = None,
    body_codes: list[str] | None = None,
) -> tuple[dict[str, Any], Audit]:
    """The published national trend and its audit; journaled as a disclosure (``trend_generate``).

    Always suppressed and audited over every body (``domain.trend_publication``); ``body_codes`` then keeps
    only those bodies' series, so a narrower trend prints nothing the whole one hides."""
    document, audit = _published(national_trend())
    if body_codes:
        document = restricted_to(document, set(body_codes))
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, default=str)
    detail: dict[str, Any] = {
        "format": fmt,
        "published": True,
        "figures_sha256": hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        "audit_sha256": document["disclosure"]["audit"]["sha256"],
        "audit_passed": audit.passed,
    }
    if body_codes:
        detail["bodies"] = sorted(body_codes)
    journal_record(
        actor=actor,
        operation=Operation.DISCLOSURE,
        action=JournalAction.TREND_GENERATE,
        object_type="trend",
        object_id="national",
        actor_name=actor_name,
        detail=detail,
    )
    return document, audit


def publication_problems(inspection: Any, *, progress: tuple[int, int] | None = None) -> list[str]:
    """What stands between an inspection and its published report (empty when it can be published).

    ``progress``: the inspection's ``grading_progress`` when the caller has read it already."""
    if not Sample.objects.filter(inspection=inspection).exists():
        return ["No sample has been drawn or imported"]
    problems = []
    graded, sampled = progress or grading_progress(inspection)
    active = SampledCase.objects.filter(
        sample__inspection=inspection, state=SampledCase.State.ACTIVE
    )
    if graded < sampled:
        problems.append(
            f"{number(sampled - graded)} of {count(sampled, 'sampled case')} "
            f"{'has' if sampled == 1 else 'have'} no submitted review"
        )
    waiting = (
        Assignment.objects.filter(sampled_case__in=active, kind=Assignment.Kind.MODERATION)
        .exclude(review__state=Review.State.SUBMITTED)
        .count()
    )
    if waiting:
        problems.append(
            f"{count(waiting, 'moderation review')} {'is' if waiting == 1 else 'are'} not submitted"
        )
    unsent = at_risk_not_sent_back(inspection)
    if unsent:
        problems.append(
            f"{count(len(unsent), 'case')} a review says {'is' if len(unsent) == 1 else 'are'} at risk "
            f"{'has' if len(unsent) == 1 else 'have'} not been sent back ({', '.join(unsent[:10])}"
            f"{', …' if len(unsent) > 10 else ''}): send {'it' if len(unsent) == 1 else 'them'} back from the inspection page first"
        )
    open_disagreements = sum(1 for d in disagreements(inspection) if d.resolution is None)
    if open_disagreements:
        problems.append(
            f"{count(open_disagreements, 'disagreement')} between first and second marks "
            f"{'is' if open_disagreements == 1 else 'are'} not resolved"
        )
    return problems


def grading_progress(inspection: Inspection, *, as_of: dt.date | None = None) -> tuple[int, int]:
    """(graded, sampled): active sampled cases with a submitted first review that gives a grade, and all of
    them; with ``as_of``, the first reviews as they stood at the end of that day (``reviews.history``)."""
    active = SampledCase.objects.filter(
        sample__inspection=inspection, state=SampledCase.State.ACTIVE
    )
    if as_of is not None:
        ids = set(active.values_list("pk", flat=True))
        firsts = first_reviews_as_of([inspection.pk], day_end(as_of))
        return sum(first.sampled_case_id in ids for first, _ in firsts), len(ids)
    graded = (
        Review.objects.filter(
            assignment__sampled_case__in=active,
            assignment__kind=Assignment.Kind.FIRST,
            state=Review.State.SUBMITTED,
        )
        .exclude(overall="")
        .count()
    )
    return graded, active.count()


def publications_counted(ids: Any) -> dict[int, dict[str, int]]:
    """Per inspection id, how many times its report was published (the task list's last step; one query)."""
    return {
        pk: {"published": n}
        for pk, n in PublishedReport.objects.filter(inspection_id__in=list(ids))
        .values("inspection_id")
        .annotate(n=Count("id"))
        .values_list("inspection_id", "n")
    }
