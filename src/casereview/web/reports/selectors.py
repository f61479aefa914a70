"""Collecting an inspection's facts for its report (the figures themselves come from domain.report).

A case's final grade is the lead inspector's resolution where first and
second marks disagreed, else the first review's (``domain.report.FINAL_GRADE_RULE``);
one query per purpose, never one per case.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Min, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, ngettext

from casereview import __version__
from casereview.domain import publication as publication_rules
from casereview.domain.language import ENGLISH
from casereview.domain.links import LinkRules, volume_window
from casereview.domain.plans import drawn_in_proportion
from casereview.domain.publication import Publication, as_preview
from casereview.domain.report import (
    GradedCase,
    HistoryPoint,
    SendBackFact,
    build_report,
    design_estimate,
)
from casereview.domain.report_languages import same_document, same_report
from casereview.domain.report_model import Report
from casereview.domain.report_model_progress import ProgressFact
from casereview.domain.roles import InspectionKind
from casereview.domain.sampling import manifest_frame_dates
from casereview.domain.words import number
from casereview.importing.frameworks import load_framework
from casereview.web.core.phrases import written_in
from casereview.web.inspections.links import case_link_counts, link_weakness, links_for
from casereview.web.inspections.models import Inspection, Sample, SampledCase
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
#: Why a body's own audit has no published report (``publication_problems``).
OWN_AUDIT_UNPUBLISHED = gettext_noop(
    "This is the body's own audit: it stays the body's, so casereview does not publish it "
    "(its figures are never part of the inspectorate's published statistics)"
)
#: Why a calibration's re-grading has no published report: its sample is drawn from the cases the body's own
#: audit graded, not from the body's register, so it says nothing of the body's cases as a whole.
CALIBRATION_UNPUBLISHED = gettext_noop(
    "This inspection re-grades a sample of the body's own audit: its figures are on the calibration's "
    "page, and it is never published as an inspection of the body"
)


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


def concern_codes(framework: str) -> set[str]:
    """The framework's grades that give concern: every grade but its best."""
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
    # Of the same kind: an inspection is compared with the inspectorate's earlier ones, never with the body's
    # own audits (and an own audit with the body's earlier own audits).
    earlier = list(
        Inspection.objects.filter(
            body=inspection.body, period_end__lt=inspection.period_end, kind=inspection.kind
        )
    )
    graded = graded_cases((e.pk for e in earlier), with_areas=False, cutoff=cutoff)
    drawn = {s.inspection_id: s for s in Sample.objects.filter(inspection__in=earlier)}
    for e in earlier:
        cases = graded.get(e.pk, [])
        if not cases:
            continue
        concern = concern_codes(e.framework)
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
                estimate=design_estimate(cases, design_facts(drawn[e.pk]), concern)
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


def design_facts(sample: Sample) -> dict[str, Any]:
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
    design = design_facts(sample)
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


#: The body's earlier recommendations for an inspection's report, as they stood at a cutoff (issue 24). The
#: follow-up app gives them (``provide_followup_progress``, in its ``AppConfig.ready()``): it sits above this
#: app, which may not import it. With none given, a report has no section on them.
FollowupProgress = Callable[[Inspection, dt.datetime | None], Sequence[ProgressFact]]
_followup_progress: list[FollowupProgress] = []


def provide_followup_progress(source: FollowupProgress) -> None:
    """Where ``inspection_report`` reads the recommendations it reports progress on (the last given)."""
    _followup_progress[:] = [source]


def followup_facts(inspection: Inspection, cutoff: dt.datetime | None) -> list[ProgressFact]:
    """The recommendations judged at ``inspection`` or open for its body at ``cutoff`` (none without a source)."""
    return list(_followup_progress[0](inspection, cutoff)) if _followup_progress else []


def report_for(inspection: Inspection, *, as_of: dt.date | None = None) -> dict[str, Any]:
    """The full (unpublished) report's JSON document, as of a date (today by default)."""
    return inspection_report(inspection, as_of=as_of).to_json()


def inspection_report(
    inspection: Inspection, *, as_of: dt.date | None = None, language: str = ENGLISH
) -> Report:
    """The full (unpublished) report of an inspection as it stood at the end of a day (today by default).

    Everything is read as it stood when that day ended in Europe/London (``day_end``): the reviews and
    resolutions then in force (``reviews.history``), the send backs opened by then in the state they were in
    (``referrals.history``), the baselines recorded by then.  Nothing in it depends on when it is made, so a
    report regenerated later with the same day is the same JSON byte for byte, by the same software (its
    commit and versions are in ``reproducibility``).  ``language``: the language its words are written in
    (the figures are the same in each; ``inspection_reports`` makes several from one reading).
    """
    return inspection_reports(inspection, as_of=as_of, languages=[language])[language]


def inspection_reports(
    inspection: Inspection, *, as_of: dt.date | None = None, languages: Sequence[str]
) -> dict[str, Report]:
    """The full report in each of ``languages``, made from one reading of the facts (``inspection_report``).

    The English one is always made: it is the report of record, whose digests every other language's carries,
    and each other language's is checked to be the same report but for its words (``same_report``)."""
    facts = _report_facts(inspection, as_of)
    framework = load_framework(inspection.framework)
    made: dict[str, Report] = {}
    for language in dict.fromkeys([ENGLISH, *languages]):
        in_words = framework.in_language(language)
        with written_in(language):
            built = build_report(
                **facts,
                grades=[(g.code, g.label) for g in in_words.grades],
                areas=[(a.slug, a.title) for a in in_words.areas],
                weakness_titles={w.code: w.text for w in in_words.weaknesses},
            )
        made[language] = (
            built if language == ENGLISH else same_report(made[ENGLISH], built, language)
        )
    return {code: made[code] for code in languages}


def published_versions(
    reports: Mapping[str, Report],
) -> tuple[Publication, dict[str, dict[str, Any]]]:
    """The published version of the report (``domain.publication.publish``, with its audit) from the English
    ``reports``, and its document in each other language of ``reports``, each the same document but for its
    words (``same_document``)."""
    english = publication_rules.publish(reports[ENGLISH])
    others: dict[str, dict[str, Any]] = {}
    for language, report in reports.items():
        if language != ENGLISH:
            with written_in(language):
                document = publication_rules.publish(report).document
            others[language] = same_document(english.document, document, language)
    return english, others


def report_document(
    inspection: Inspection,
    *,
    as_of: dt.date | None = None,
    language: str = ENGLISH,
    preview: bool = False,
    progress: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """The report's JSON document written in ``language``: the full report, or (``preview``) its published
    version as it would be now, marked as a preview in everything made from it (``progress``: the graded and
    sampled cases, when the caller has them already)."""
    if not preview:
        return inspection_report(inspection, as_of=as_of, language=language).to_json()
    english, others = published_versions(
        inspection_reports(inspection, as_of=as_of, languages=[ENGLISH, language])
    )
    document = others.get(language, english.document)
    graded, sampled = progress or grading_progress(inspection, as_of=as_of)
    with written_in(language):
        return as_preview(document, graded=graded, sampled=sampled)


def _report_facts(inspection: Inspection, as_of: dt.date | None) -> dict[str, Any]:
    """Everything ``build_report`` takes but the framework's words, read once as of the day."""
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
    return {
        "inspection": {
            "id": inspection.pk,
            "name": inspection.name,
            "body": inspection.body.code,
            "body_name": inspection.body.name,  # for people; the code stays the key
            "period": [inspection.period_start.isoformat(), inspection.period_end.isoformat()],
            "framework": framework.ref,
            "commitment": inspection.commitment,
            "register_sha256": drawn.register.sha256 if drawn else None,
        },
        "cases": cases,
        "sample": sample_facts(inspection, drawn),
        "send_backs": facts,
        "at_risk_not_sent_back": len(at_risk_not_sent_back_as_of(submitted, send_backs)),
        "agreement": agreement["pairs"],
        "agreement_by_area": agreement["by_area"],
        "history": history_for(inspection, cutoff=cutoff),
        "as_of": today.isoformat(),
        "software_version": __version__,
        "environment": environment(),
        "links": links,
        "volume": volume,
        "followup": followup_facts(inspection, cutoff),
    }


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


def publication_problems(inspection: Any, *, progress: tuple[int, int] | None = None) -> list[str]:
    """What stands between an inspection and its published report (empty when it can be published).

    ``progress``: the inspection's ``grading_progress`` when the caller has read it already.  A body's own
    audit is never published (it is the body's, not the inspectorate's statistics): publishing and scheduling
    are refused with that reason, and its draft report says so.  In the active language (a page's; English
    on the command line and in the scheduled run)."""
    kind = getattr(inspection, "kind", InspectionKind.INSPECTION)
    if kind == InspectionKind.OWN_AUDIT:
        return [gettext(OWN_AUDIT_UNPUBLISHED)]
    if kind == InspectionKind.CALIBRATION:
        return [gettext(CALIBRATION_UNPUBLISHED)]
    if not Sample.objects.filter(inspection=inspection).exists():
        return [gettext("No sample has been drawn or imported")]
    problems = []
    graded, sampled = progress or grading_progress(inspection)
    active = SampledCase.objects.filter(
        sample__inspection=inspection, state=SampledCase.State.ACTIVE
    )
    if graded < sampled:
        problems.append(
            ngettext(
                "%(missing)s of %(shown)s sampled case has no submitted review",
                "%(missing)s of %(shown)s sampled cases have no submitted review",
                sampled,
            )
            % {"missing": number(sampled - graded), "shown": number(sampled)}
        )
    waiting = (
        Assignment.objects.filter(sampled_case__in=active, kind=Assignment.Kind.MODERATION)
        .exclude(review__state=Review.State.SUBMITTED)
        .count()
    )
    if waiting:
        problems.append(
            ngettext(
                "%(shown)s moderation review is not submitted",
                "%(shown)s moderation reviews are not submitted",
                waiting,
            )
            % {"shown": number(waiting)}
        )
    unsent = at_risk_not_sent_back(inspection)
    if unsent:
        problems.append(
            ngettext(
                "%(shown)s case a review says is at risk has not been sent back (%(cases)s): send it "
                "back from the inspection page first",
                "%(shown)s cases a review says are at risk have not been sent back (%(cases)s): send "
                "them back from the inspection page first",
                len(unsent),
            )
            % {
                "shown": number(len(unsent)),
                "cases": ", ".join(unsent[:10]) + (", …" if len(unsent) > 10 else ""),
            }
        )
    open_disagreements = sum(1 for d in disagreements(inspection) if d.resolution is None)
    if open_disagreements:
        problems.append(
            ngettext(
                "%(shown)s disagreement between first and second marks is not resolved",
                "%(shown)s disagreements between first and second marks are not resolved",
                open_disagreements,
            )
            % {"shown": number(open_disagreements)}
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


def report_published_on(inspection: Any) -> dt.date | None:
    """The day (UK date) the inspection's report was first published, or None if it never was."""
    first = PublishedReport.objects.filter(inspection_id=inspection.pk).aggregate(
        first=Min("published_at")
    )["first"]
    return timezone.localdate(first) if first is not None else None
