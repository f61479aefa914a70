"""Every read the calibration pages and commands need, scoped.

Who sees a calibration: the lead inspector of its inspection, always; once the lead has completed or
withdrawn it, the body's own auditors and liaison officers (of that body only) and analysts (of every body).
Nobody else: a 404.  The pairs are read with the report's rule of a case's final grade
(``reports.selectors.graded_cases``: the lead's resolution where marks disagreed, else the first review; area
grades from the first review), so a calibration and a report never grade the same case two ways.  The body's
side is read as the frame fixed it: its overall grades are the frame's, its area grades the own audit's
reviews as they stood when the calibration was created, so nothing the body changes later moves them.

Over 600 lines on purpose: the reads and the page's rows in the reader's language share the one scope rule
(the figures' sentences in the reader's language are ``sentences``'); split the page's rows into a module of
their own when it grows further.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from casereview.domain.calibration import TEST_WORDS, Drift, drift
from casereview.domain.calibration import Calibration as Figures
from casereview.domain.language import ENGLISH
from casereview.domain.report_words import percent
from casereview.domain.roles import Role
from casereview.domain.statistics import p_words
from casereview.domain.words import number, uk_date
from casereview.importing.frameworks import load_framework
from casereview.web.core.access import user_roles
from casereview.web.core.phrases import active_language, translated
from casereview.web.inspections.models import Inspection, Sample, SampledCase
from casereview.web.inspections.selectors import audited_bodies, inspection_sample
from casereview.web.referrals.models import BodyContact
from casereview.web.reports.selectors import graded_cases

from .charts import points_words
from .models import Calibration
from .sentences import figures_from, framework_words, said_in

#: The one stratum every drawn case is recorded under: the strata (the body's grades) stay in the manifest.
BLIND_LABEL = "Calibration sample"


def frame_digest(cases: Sequence[str]) -> str:
    """The SHA-256 of a frame: its case references, sorted, one a line (UTF-8, each line ending in \\n)."""
    return hashlib.sha256("".join(f"{ref}\n" for ref in sorted(cases)).encode("utf-8")).hexdigest()


def strata_digest(grades: Mapping[str, str]) -> str:
    """The SHA-256 of a frame's strata: one ``reference<TAB>grade`` line a case, sorted by reference (UTF-8,
    each line ending in \\n) — the same lines a sealed manifest's ``listed.strata_sha256`` hashes."""
    lines = "".join(f"{ref}\t{grades[ref]}\n" for ref in sorted(grades))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def scale_of(inspection: Inspection) -> tuple[str, ...]:
    """The framework's grades, best first (not applicable is not a grade)."""
    return tuple(load_framework(inspection.framework).grade_codes)


def audit_grades(own_audit: Inspection) -> dict[str, str]:
    """The body's final overall grade of every case its own audit graded, by case reference."""
    scale = set(scale_of(own_audit))
    return {
        c.case_ref: c.overall
        for c in graded_cases([own_audit.pk], with_areas=False).get(own_audit.pk, [])
        if c.overall in scale
    }


def audit_sample(own_audit: Inspection) -> Sample | None:
    return inspection_sample(own_audit)


def own_audits_for_choice() -> list[Inspection]:
    """The own audits a calibration may be made of: every body's own audit with a submitted first review
    and no calibration but withdrawn ones (one at a time), each with ``graded``: its submitted first reviews."""
    return list(
        Inspection.objects.filter(
            kind=Inspection.Kind.OWN_AUDIT,
            samples__cases__assignments__kind="first",
            samples__cases__assignments__review__state="submitted",
        )
        .exclude(calibrations_of__in=Calibration.objects.exclude(state=Calibration.State.WITHDRAWN))
        .select_related("body")
        .annotate(graded=Count("samples__cases__assignments", distinct=True))
        .order_by("body__code", "-period_end", "-id")
    )


def live_calibration_of(own_audit: Inspection) -> Calibration | None:
    """The own audit's calibration that is not withdrawn, if any (there is at most one)."""
    return (
        Calibration.objects.filter(own_audit=own_audit)
        .exclude(state=Calibration.State.WITHDRAWN)
        .first()
    )


def own_audit_by_id(inspection_id: int) -> Inspection | None:
    return (
        Inspection.objects.select_related("body")
        .filter(pk=inspection_id, kind=Inspection.Kind.OWN_AUDIT)
        .first()
    )


def calibration_by_id(calibration_id: int) -> Calibration | None:
    return (
        Calibration.objects.select_related("body", "own_audit", "inspection", "inspection__lead")
        .filter(pk=calibration_id)
        .first()
    )


def calibrations_visible(user: Any) -> QuerySet[Calibration]:
    """The calibrations ``user`` may see (the module's docstring says who)."""
    roles = user_roles(user)
    allowed = Q(pk__in=[])
    # Disclosed once the lead has finished with it: complete (its figures), or withdrawn (why, never figures).
    complete = Q(state__in=[Calibration.State.COMPLETE, Calibration.State.WITHDRAWN])
    if Role.LEAD_INSPECTOR in roles:
        allowed |= Q(inspection__lead=user)
    if Role.ANALYST in roles:
        allowed |= complete
    if Role.BODY_AUDITOR in roles:
        allowed |= complete & Q(body__in=audited_bodies(user).values("pk"))
    if Role.LIAISON_OFFICER in roles:
        contacts = BodyContact.objects.filter(
            user=user, kind__in=[BodyContact.Kind.LIAISON, BodyContact.Kind.SENIOR_LEAD]
        )
        allowed |= complete & Q(body__in=contacts.values("body_id"))
    return Calibration.objects.select_related("body", "own_audit", "inspection").filter(allowed)


def calibration_visible(user: Any, calibration_id: int) -> Calibration | None:
    return calibrations_visible(user).filter(pk=calibration_id).first()


def calibration_led(user: Any, calibration_id: int) -> Calibration | None:
    """The calibration, if ``user`` is the lead inspector of its inspection (who draws and completes it)."""
    if Role.LEAD_INSPECTOR not in user_roles(user):
        return None
    return (
        Calibration.objects.select_related("body", "own_audit", "inspection")
        .filter(pk=calibration_id, inspection__lead=user)
        .first()
    )


@dataclass(frozen=True)
class Pairs:
    """The grades of the cases both graded: (body's, inspectorate's) per area and overall, and the body's own
    overall grades over every case its audit graded (``body_all``)."""

    scale: tuple[str, ...]
    areas: tuple[str, ...]
    by_area: dict[str, list[tuple[str, str]]]
    overall: list[tuple[str, str]]
    body_all: dict[str, int]
    #: cases of the calibration's sample in play, and of those the inspectorate has graded
    drawn: int = 0
    regraded: int = 0
    #: references of the active cases of the sample with no final grade from the inspectorate yet
    missing: tuple[str, ...] = ()
    area_titles: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    body: str = "the body"

    def inputs(self) -> dict[str, Any]:
        """What ``calibrate`` is given, as JSON (pairs sorted: no case order, no case reference)."""
        return {
            "scale": list(self.scale),
            "areas": list(self.areas),
            "area_titles": dict(self.area_titles),
            "labels": dict(self.labels),
            "body": self.body,
            "pairs_by_area": {a: sorted(map(list, p)) for a, p in self.by_area.items()},
            "overall_pairs": sorted(map(list, self.overall)),
            "body_all": dict(self.body_all),
            "drawn": self.drawn,
            "regraded": self.regraded,
            "missing": len(self.missing),
        }


def calibration_pairs(calibration: Calibration) -> Pairs:
    """The pairs of the sample's active cases: the inspectorate's final grades as they stand now, the body's
    as the frame fixed them (its overall grades the frame's; its area grades as its reviews stood when the
    calibration was created); ``body_all`` the frame's own counts.  Three queries: the own audit's graded cases
    then, the calibration's now, the sample's active cases."""
    audit, mine = calibration.own_audit, calibration.inspection
    framework = load_framework(audit.framework)
    scale = tuple(framework.grade_codes)
    fixed: dict[str, str] = calibration.frame["grades"]
    then = {
        c.case_ref: c
        for c in graded_cases([audit.pk], cutoff=calibration.created_at).get(audit.pk, [])
    }
    active = set(
        SampledCase.objects.filter(
            sample__inspection=mine, state=SampledCase.State.ACTIVE
        ).values_list("case_ref", flat=True)
    )
    ours = sorted(
        (c for c in graded_cases([mine.pk]).get(mine.pk, []) if c.case_ref in active),
        key=lambda c: c.case_ref,
    )
    areas = tuple(a.slug for a in framework.areas)
    by_area: dict[str, list[tuple[str, str]]] = {a: [] for a in areas}
    overall: list[tuple[str, str]] = []
    for case in ours:
        theirs = fixed.get(case.case_ref)
        if theirs is None:  # not a case of the frame: never drawn from it
            continue
        if theirs in scale and case.overall in scale:
            overall.append((theirs, case.overall))
        body_areas = then[case.case_ref].area_grades if case.case_ref in then else {}
        for area in areas:
            b, i = body_areas.get(area), case.area_grades.get(area)
            if b in scale and i in scale:
                by_area[area].append((str(b), str(i)))
    counted = Counter(g for g in fixed.values() if g in scale)
    return Pairs(
        scale=scale,
        areas=areas,
        by_area=by_area,
        overall=overall,
        body_all={g: counted.get(g, 0) for g in scale},
        drawn=len(active),
        regraded=len(ours),
        missing=tuple(sorted(active - {c.case_ref for c in ours})),
        area_titles={a.slug: a.title for a in framework.areas},
        labels={g.code: g.label for g in framework.grades},
        body=calibration.body.name,
    )


def calibration_result(calibration: Calibration) -> Figures:
    """The statistics of the calibration's pairs as they stand now."""
    return figures_from(calibration_pairs(calibration).inputs())


def body_drift(calibration: Calibration) -> tuple[list[Calibration], Drift | None]:
    """The body's completed calibrations of own audits whose period ended no later than this one's (one per
    own audit: the latest completed; oldest period first), and their drift, each placed at its own audit's
    period end (one query)."""
    if calibration.completed_at is None:
        return [], None
    latest: dict[int, Calibration] = {}
    for c in (
        Calibration.objects.filter(
            body_id=calibration.body_id,
            state=Calibration.State.COMPLETE,
            own_audit__period_end__lte=calibration.own_audit.period_end,
        )
        .select_related("own_audit")
        .order_by("completed_at", "id")
    ):
        if c.result:
            latest[c.own_audit_id] = c  # one point per own audit
    done = sorted(latest.values(), key=lambda c: (c.own_audit.period_end, c.own_audit_id))
    points = [
        (c.own_audit.period_end, figures_from((c.result or {})["inputs"], areas=False))
        for c in done
    ]
    language = active_language()
    # the notes name grades in the page's language; English pages keep the codes' words, as before
    labels = (
        None
        if language == ENGLISH
        else framework_words({}, calibration.own_audit.framework, language)[1]
    )
    return done, drift(points, language=language, labels=labels) if points else None


# --- What the pages show --------------------------------------------------------------------------------


def _day(moment: Any) -> str:
    """A stored moment's UK day, in the page's language ("" for none)."""
    return uk_date(timezone.localtime(moment).date(), active_language()) if moment else ""


def _period(start: Any, end: Any) -> str:
    return gettext("%(start)s to %(end)s") % {
        "start": uk_date(start, active_language()),
        "end": uk_date(end, active_language()),
    }


def state_words(calibration: Calibration) -> str:
    """The calibration's state in words ("Re-grading"), in the active language (English on the command
    line)."""
    return str(Calibration.State(calibration.state).label)


def calibrations_listed(user: Any) -> list[dict[str, Any]]:
    """The list page's rows (one query), newest first, in words."""
    return [
        {
            "id": c.pk,
            "body": c.body.name,
            "own_audit": c.own_audit.name,
            "state": Calibration.State(c.state).label,
            "size": c.size,
            "completed_on": _day(c.completed_at)
            or ("–" if c.state == Calibration.State.WITHDRAWN else ""),
        }
        for c in calibrations_visible(user)
    ]


def audit_choices(audits: Sequence[Inspection]) -> list[dict[str, Any]]:
    """The own audits the new-calibration page offers, in words."""
    return [
        {
            "id": a.pk,
            "name": a.name,
            "body": a.body.name,
            "graded": int(getattr(a, "graded", 0) or 0),
            "period": _period(a.period_start, a.period_end),
        }
        for a in audits
    ]


def _decimal(value: Any) -> str:
    """Two decimal places with a true minus sign, never "−0.00"."""
    if value is None:
        return gettext("not defined")
    shown = f"{abs(value):.2f}"
    return f"−{shown}" if value < 0 and shown != "0.00" else shown


def _estimate(value: Any, ci: Any) -> str:
    """ "0.42 (95% CI 0.30 to 0.55)"; without an interval, the value alone."""
    if value is None:
        return gettext("not defined (every grade the same on one side)")
    if not ci or ci[0] is None or ci[1] is None:
        return _decimal(value)
    return gettext("%(value)s (95%% CI %(low)s to %(high)s)") % {
        "value": _decimal(value),
        "low": _decimal(ci[0]),
        "high": _decimal(ci[1]),
    }


def _points_between(low: float, high: float) -> str:
    """An interval of differences in points: "+38.2 points to +55.9 points"."""
    return gettext("%(low)s to %(high)s") % {"low": points_words(low), "high": points_words(high)}


def _share(value: Any) -> str:
    return "–" if value is None else percent(value)


def _test(
    found: Mapping[str, Any] | None,
    bias: Mapping[str, Any] | None = None,
    favourable: str = "",
    note: str | None = None,
) -> dict[str, str] | None:
    """One test's row.  McNemar's test is on the cases graded differently at the favourable cut: its row
    names those counts (``bias``'s), and an exact test has no statistic to print (the counts are its data)."""
    if found is None:
        return None
    statistic = found.get("statistic")
    p = found.get("p_value")
    name = str(found["name"])
    mcnemar = name.startswith("mcnemar")
    exact = mcnemar and found.get("df") is None
    discordant = ""
    if mcnemar and bias is not None:
        body_only = int(bias["body_only"])
        discordant = ngettext(
            "%(shown)s case graded %(favourable)s by the body only, %(other)s by the inspectorate only",
            "%(shown)s cases graded %(favourable)s by the body only, %(other)s by the inspectorate only",
            body_only,
        ) % {
            "shown": number(body_only),
            "favourable": favourable,
            "other": number(int(bias["inspectorate_only"])),
        }
    return {
        # the test's name marked in the domain's table (gettext_noop), translated here
        "name": gettext(TEST_WORDS[name]) if name in TEST_WORDS else name,
        "statistic": "–" if statistic is None or exact else f"{statistic:.2f}",
        "df": "–" if found.get("df") is None else number(found["df"]),
        "p": "–" if p is None else p_words(p),
        "note": " ".join(
            x for x in (discordant, (found.get("note") or "") if note is None else note) if x
        ),
    }


def _section(
    key: str,
    title: str,
    figures: Mapping[str, Any],
    scale: Sequence[str],
    labels: Mapping[str, str],
    favourable: str = "good",
    said: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One area's (or the overall grade's) figures as the page prints them (``said``: its sentences in the
    page's language, ``sentences.said_in``'s; None: as the figures hold them)."""
    notes: Mapping[str, str] = {} if said is None else said.get("tests", {})
    agreed, table, bias = figures["agreement"], figures["table"], figures["bias"]
    return {
        "key": key,
        "title": title,
        "pairs": figures["pairs"],
        "skipped": figures["skipped"],
        "kappa": _estimate(agreed["kappa"], agreed["kappa_ci"]),
        "ac1": _estimate(agreed["ac1"], agreed["ac1_ci"]),
        "agreement": _share(agreed["percent_agreement"]),
        "grades": [labels.get(g, g) for g in scale],
        "rows": [
            {
                "grade": labels.get(b, b),
                "cells": [table[b][i] for i in scale],
                "total": sum(table[b][i] for i in scale),
            }
            for b in scale
        ],
        "column_totals": [sum(table[b][i] for b in scale) for i in scale],
        "total": sum(table[b][i] for b in scale for i in scale),
        "bias": None
        if bias is None
        else {
            "body": _share(bias["body_share"]),
            "inspectorate": _share(bias["inspectorate_share"]),
            "difference": points_words(bias["difference"]),
            "ci": "–" if not bias["ci"] else _points_between(bias["ci"][0], bias["ci"][1]),
        },
        "tests": [
            t
            for t in (
                _test(
                    figures[name], bias, favourable, None if said is None else notes.get(name, "")
                )
                for name in ("stuart_maxwell", "bowker", "mcnemar")
            )
            if t is not None
        ],
        "sentence": (figures["sentence"] or "") if said is None else said["sentence"],
        "warning": (figures["warning"] or "") if said is None else said["warning"],
    }


def _results(result: Mapping[str, Any], framework: str) -> dict[str, Any]:
    inputs, figures = result["inputs"], result["figures"]
    scale = inputs["scale"]
    titles, labels = framework_words(inputs, framework, active_language())
    said = said_in(result, framework)

    def said_of(key: str) -> Mapping[str, Any] | None:
        # a section the sentences lack (none should) keeps the figures' own words
        return None if said is None else said["sections"].get(key)

    good = str(labels.get(figures["favourable"], figures["favourable"])).lower()
    sections = [
        _section(
            "overall",
            gettext("Overall grade"),
            figures["overall"],
            scale,
            labels,
            good,
            said_of("overall"),  # the domain's OVERALL
        )
    ]
    sections += [
        _section(slug, titles.get(slug, slug), found, scale, labels, good, said_of(slug))
        for slug, found in figures["areas"].items()
    ]
    corrected = figures.get("corrected")
    corrected_said = None if said is None else said["corrected"]
    return {
        "sections": sections,
        "corrected": None
        if corrected is None
        else {
            "sentence": corrected["sentence"]
            if corrected_said is None
            else corrected_said["sentence"],
            "share": _share(corrected["share"]),
            "ci": gettext("%(start)s to %(end)s")
            % {"start": _share(corrected["ci"][0]), "end": _share(corrected["ci"][1])}
            if corrected.get("ci")
            else "–",
            "body_share": _share(corrected["body_share"]),
            "note": (corrected.get("note") or "")
            if corrected_said is None
            else corrected_said["note"],
        },
        "warnings": figures.get("warnings", []) if said is None else said["warnings"],
        "favourable": labels.get(figures["favourable"], figures["favourable"]),
        "missing": int(inputs.get("missing", 0)),
        "drawn": int(inputs.get("drawn", 0)),
    }


def _drift_part(calibration: Calibration) -> dict[str, Any]:
    done, found = body_drift(calibration)
    if found is None:
        return {"drift": None, "drift_points": [], "drift_rows": []}
    # Each point is an own audit's, at its period's end: named by the audit (and its period, where two audits
    # share a name).
    by_end: dict[Any, list[Calibration]] = {}
    for c in done:
        by_end.setdefault(c.own_audit.period_end, []).append(c)
    shared = Counter(c.own_audit.name for c in done)

    def named(c: Calibration) -> str:
        a = c.own_audit
        if shared[a.name] == 1:
            return str(a.name)
        return f"{a.name}, {_period(a.period_start, a.period_end)}"

    names = [
        ", ".join(named(c) for c in by_end.get(p.on, [])) or uk_date(p.on, active_language())
        for p in found.points
    ]
    points = [
        {
            "label": name,
            "period_end": p.on.isoformat(),
            "value": p.bias,
            "ci_low": p.ci[0],
            "ci_high": p.ci[1],
        }
        for name, p in zip(names, found.points, strict=True)
    ]
    rows = [
        {
            "label": point["label"],
            "on": uk_date(p.on, active_language()),
            "pairs": number(p.pairs),
            "bias": points_words(p.bias),
            "ci": _points_between(p.ci[0], p.ci[1]),
            "kappa": _estimate(p.kappa, p.kappa_ci),
        }
        for point, p in zip(points, found.points, strict=True)
    ]
    return {"drift": translated(found.words), "drift_points": points, "drift_rows": rows}


def _progress(calibration: Calibration) -> dict[str, Any]:
    pairs = calibration_pairs(calibration)
    return {
        "drawn": pairs.drawn,
        "regraded": pairs.regraded,
        "missing": len(pairs.missing),
        "missing_refs": list(pairs.missing),
    }


def calibration_sample(calibration: Calibration) -> Sample | None:
    """The calibration's sample (its manifest: the strata in it once the calibration is complete)."""
    return inspection_sample(calibration.inspection)


def calibration_page(user: Any, calibration: Calibration) -> dict[str, Any]:
    """Everything the calibration's page shows ``user`` (who may see it: the caller checked).  Before it is
    complete only its lead sees it, and sees its steps and progress, never a figure."""
    inspection = calibration.inspection
    lead = inspection.lead_id == getattr(user, "pk", None)
    complete = calibration.state == Calibration.State.COMPLETE and bool(calibration.result)
    page: dict[str, Any] = {
        "calibration": calibration,
        "state": Calibration.State(calibration.state).label,
        "lead": lead,
        "inspection": inspection,
        "frame_size": len(calibration.frame.get("cases", [])),
        "frame_sha256": calibration.frame.get("sha256", ""),
        "strata_sha256": calibration.frame.get("strata_sha256", ""),
        "withdrawn": calibration.state == Calibration.State.WITHDRAWN,
        "withdrawn_on": _day(calibration.withdrawn_at),
        "open": calibration.state in (Calibration.State.CREATED, Calibration.State.DRAWN),
        "created_on": _day(calibration.created_at),
        "completed_on": _day(calibration.completed_at),
        "progress": None,
        "results": None,
        "drift_title": gettext(
            "How much more favourably %(body)s's own audit grades, calibration by calibration"
        )
        % {"body": calibration.body.name},
    }
    if lead and calibration.state == Calibration.State.DRAWN:
        page["progress"] = _progress(calibration)
    if complete and calibration.result is not None:
        page["results"] = _results(calibration.result, calibration.own_audit.framework)
        page.update(_drift_part(calibration))
    else:
        page.update({"drift": None, "drift_points": [], "drift_rows": []})
    return page
