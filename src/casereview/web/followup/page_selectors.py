"""What the follow-up pages show, composed from ``selectors`` (scoping, the register, plans, history) and
``evidence`` (the new sample's figures): reads only, a fixed number of queries per page whatever the number
of findings, recommendations or actions.

The pages' own arrangements live here (a finding's basis in words, a plan's rows per recommendation, the
items of the judging page) so that the views stay thin; every scope decision is ``selectors``'.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Prefetch, Q
from django.utils.translation import gettext, gettext_noop, ngettext

from casereview.domain.followup import (
    ACTION_OPEN_STATES,
    JUDGEMENT_WORDS,
    PLAN_ACTIONS_LIVE,
    PLAN_AWAITING_BODY,
    FollowupActor,
    PlanState,
    RecommendationState,
    evidence_digest,
    judging_refusal,
    rag,
)
from casereview.domain.followup_evidence import AREA, WEAKNESS, Evidence, titles_of
from casereview.domain.language import ENGLISH
from casereview.domain.paging import window
from casereview.domain.report_words import percent
from casereview.domain.words import number, plain, uk_date
from casereview.importing.frameworks import load_framework
from casereview.web.core.paging import PAGE_SIZE, Paged
from casereview.web.core.phrases import active_language
from casereview.web.inspections.selectors import inspections_listed
from casereview.web.reports.publication_selectors import publications_counted

from . import selectors
from .evidence import recommendation_evidence_in, sample_counts
from .models import (
    Finding,
    FollowupEvent,
    PlanAction,
    ProgressUpdate,
    Recommendation,
    RecommendationJudgement,
)


@dataclass(frozen=True)
class BasisChoice:
    """One thing a finding may rest on: a weakness code or a framework area, with the report's counts."""

    kind: str  # "weakness" | "area"
    code: str
    label: str
    count: int | None = None
    total: int | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.code}"


@dataclass(frozen=True)
class PlanRow:
    """One row of the plan's form: an action of one recommendation (``index`` within that recommendation)."""

    recommendation_id: int
    index: int
    text: str = ""
    owner: str = ""
    day: str = ""
    month: str = ""
    year: str = ""
    problems: tuple[str, ...] = ()
    #: The action already in the plan this row shows (None: a new one).
    action_id: int | None = None

    @property
    def key(self) -> str:
        return f"action-{self.recommendation_id}-{self.index}"


#: The judging page shows the new sample's evidence (``evidence.recommendation_evidence``).
EVIDENCE_AVAILABLE = True

#: Each line of an object's history, by (object, move): whole sentences (Welsh orders and mutates an object's
#: name and its move otherwise than English), marked for the catalogue, translated by ``event_words``.
EVENT_WORDS: Mapping[tuple[str, str], str] = {
    ("finding", "add"): gettext_noop("Finding added"),
    ("finding", "edit"): gettext_noop("Finding changed"),
    ("finding", "publish"): gettext_noop("Finding published"),
    ("finding", "withdraw"): gettext_noop("Finding withdrawn"),
    ("recommendation", "add"): gettext_noop("Recommendation added"),
    ("recommendation", "edit"): gettext_noop("Recommendation changed"),
    ("recommendation", "publish"): gettext_noop("Recommendation published"),
    ("recommendation", "withdraw"): gettext_noop("Recommendation withdrawn"),
    ("recommendation", "judge"): gettext_noop("Recommendation judged"),
    ("plan", "create"): gettext_noop("Action plan created"),
    ("plan", "save"): gettext_noop("Action plan saved"),
    ("plan", "submit"): gettext_noop("Action plan submitted"),
    ("plan", "accept"): gettext_noop("Action plan accepted"),
    ("plan", "return"): gettext_noop("Action plan returned to the body"),
    ("plan", "escalate"): gettext_noop("Action plan escalated"),
    ("plan", "reopen"): gettext_noop("Action plan sent back to the body"),
    ("action", "add"): gettext_noop("Action added"),
    ("action", "edit"): gettext_noop("Action changed"),
    ("action", "drop"): gettext_noop("Action taken out of the plan"),
    ("action", "update"): gettext_noop("Action given a progress update"),
    ("action", "complete"): gettext_noop("Action marked done"),
    ("action", "withdraw"): gettext_noop("Action withdrawn"),
    ("action", "escalate"): gettext_noop("Action escalated"),
}


def event_words(event: Any) -> str:
    """ "Recommendation published", "Action plan returned to the body", in the page's language.  A move no
    service makes (old or hand-made data) reads as its codes in plain words (no catalogue's)."""
    found = EVENT_WORDS.get((event.object_type, event.action))
    if found is not None:
        return gettext(found)
    return f"{plain(event.object_type)} {plain(event.action).lower()}"


_ISO_DAY = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
#: The notes the services write in English (``services.findings``, ``services.plans``), read back to be
#: written in the page's language; any other note is a person's own words, shown as written.
_DUE = re.compile(r"due (\d{4}-\d{2}-\d{2})")
_TARGET = re.compile(r"target (\d{4}-\d{2}-\d{2})")
_REOPENED = re.compile(
    r"A new recommendation was published \((.*)\): the body adds its actions and submits the plan "
    r"again, due (\d{4}-\d{2}-\d{2})"
)
_WITHDRAWN = re.compile(r"Its recommendation was withdrawn: (.*)", re.DOTALL)


def _day(iso: str) -> str:
    return uk_date(iso, language=active_language())


def note_words(note: str, action: str = "") -> str:
    """A history note as a person reads it, in the page's language: the notes casereview writes (a plan's
    due day, an action's target, a plan sent back, an action withdrawn with its recommendation, a judgement)
    translated, any ISO date in it ("due 2027-01-19") as a UK date; a person's own words as written."""
    note = note or ""
    if action == "judge":
        if note in JUDGEMENT_WORDS:  # a judge event recorded before its words were stored
            return gettext(JUDGEMENT_WORDS[note])
        if note in JUDGEMENT_WORDS.values():
            return gettext(note)
    if found := _DUE.fullmatch(note):
        return gettext("due %(date)s") % {"date": _day(found.group(1))}
    if found := _TARGET.fullmatch(note):
        return gettext("target %(date)s") % {"date": _day(found.group(1))}
    if found := _REOPENED.fullmatch(note):
        return gettext(
            "A new recommendation was published (%(labels)s): the body adds its actions and submits the "
            "plan again, due %(date)s"
        ) % {"labels": found.group(1), "date": _day(found.group(2))}
    if found := _WITHDRAWN.fullmatch(note):
        return gettext("Its recommendation was withdrawn: %(why)s") % {"why": found.group(1)}
    return _ISO_DAY.sub(lambda m: _day(m.group(1)), note)


def _history(object_type: str, object_id: int) -> list[dict[str, Any]]:
    return [
        {"words": event_words(e), "event": e, "note": note_words(e.note, e.action)}
        for e in selectors.history_of(object_type, object_id)
    ]


def _share(n: int, total: int) -> str:
    return percent(n / total) if total else gettext("no cases")


def _either(labels: Sequence[str]) -> str:
    """ "requires improvement or inadequate": the grades' labels (lower case) joined by "or", in the page's
    language (``report_words.concern_words``' English, each "or" translated)."""
    said = ""
    for label in labels:
        said = (
            label if not said else gettext("%(these)s or %(that)s") % {"these": said, "that": label}
        )
    return said


def basis_words(basis: Sequence[Mapping[str, Any]], framework_ref: str) -> list[str]:
    """A finding's basis, a sentence an item: "Child not seen or not spoken to (W04): 41 of 135 cases showed
    it (30.4%)", in the page's language (the framework's own words in it where its file gives them)."""
    try:
        framework = load_framework(framework_ref).in_language(active_language())
    except Exception:  # noqa: BLE001 - an unknown framework: codes still read as words
        titles: Mapping[tuple[str, str], str] = {}
        concern = gettext("requires improvement or inadequate")
    else:
        titles = titles_of(framework)
        concern = _either([g.label.lower() for g in framework.grades[1:]])
    lines = []
    for item in basis:
        kind, code = str(item.get("kind", "")), str(item.get("code", ""))
        n, total = int(item.get("count", 0)), int(item.get("total", 0))
        values = {
            "title": titles.get((kind, code), plain(code)),
            "code": code,
            "n": number(n),
            "total": number(total),
            "share": _share(n, total),
            "concern": concern,
        }
        if kind == WEAKNESS:
            said = ngettext(
                "%(title)s (%(code)s): %(n)s of %(total)s case showed it (%(share)s)",
                "%(title)s (%(code)s): %(n)s of %(total)s cases showed it (%(share)s)",
                total,
            )
        else:
            said = ngettext(
                "%(title)s: %(n)s of %(total)s case graded %(concern)s (%(share)s)",
                "%(title)s: %(n)s of %(total)s cases graded %(concern)s (%(share)s)",
                total,
            )
        lines.append(said % values)
    return lines


# The register -----------------------------------------------------------------------------------------------


def bodies_of_recommendations(user: Any) -> list[tuple[str, str]]:
    """(code, name) of the bodies whose recommendations ``user`` may see, for the register's filter."""
    return list(
        selectors.recommendations_visible(user)
        .values_list("body__code", "body__name")
        .distinct()
        .order_by("body__code")
    )


def led_inspections(user: Any) -> list[Any]:
    """The inspectorate's inspections ``user`` leads, newest first (the register links to their findings and
    judging pages): one query."""
    return list(
        inspections_listed(user)
        .filter(lead_id=user.pk or 0, kind="inspection")
        .order_by("-period_end", "-id")[:50]
    )


def _paged_list(rows: list[Any], number: int, kept: Mapping[str, str]) -> Paged:
    from urllib.parse import urlencode

    shown = window(len(rows), number, PAGE_SIZE)
    carried = {k: v for k, v in kept.items() if v}

    def query(n: int) -> str:
        return "?" + urlencode({**carried, "page": str(n)} if n > 1 else carried)

    return Paged(
        rows=rows[shown.start : shown.stop],
        number=shown.number,
        pages=shown.pages,
        total=len(rows),
        previous_query=query(shown.number - 1) if shown.number > 1 else "",
        next_query=query(shown.number + 1) if shown.number < shown.pages else "",
    )


def register_page(user: Any, chosen: Mapping[str, str], number: int) -> dict[str, Any]:
    """One page of the register narrowed by ``chosen`` (body, state, rag, judgement)."""
    filters = selectors.RegisterFilters(
        body=chosen.get("body", ""),
        state=chosen.get("state", ""),
        rag=chosen.get("rag", ""),
        judgement=chosen.get("judgement", ""),
    )
    page = _paged_list(selectors.register_rows(user, filters), number, filters.query())
    names = {r.body_name for r in page.rows}
    return {
        "page": page,
        "rows": page.rows,
        "one_body": next(iter(names)) if chosen.get("body") and len(names) == 1 else "",
    }


def recommendation_details(found: Any, ids: Sequence[int]) -> list[Recommendation]:
    """``found`` (a scoped queryset of recommendations) narrowed to ``ids``, each with its finding, its
    actions (with their updates) and its judgements, oldest first: four queries whatever the number (the API's
    list)."""
    return list(
        found.filter(pk__in=list(ids))
        .select_related("finding")
        .prefetch_related(
            Prefetch(
                "actions",
                queryset=PlanAction.objects.order_by("id").prefetch_related(
                    Prefetch("updates", queryset=ProgressUpdate.objects.order_by("at", "id"))
                ),
            ),
            Prefetch("judgements", queryset=RecommendationJudgement.objects.order_by("at", "id")),
        )
    )


# One recommendation -------------------------------------------------------------------------------------------


def recommendation_page(rec: Any, user: Any) -> dict[str, Any]:
    """Its finding in words, the plan's actions for it with their updates, its judgements with the evidence
    shown, and the history of it, its finding and its actions (oldest first)."""
    from django.utils import timezone

    finding = rec.finding
    plan = selectors.plan_for(finding.inspection, rec.body)
    actions: list[Any] = list(
        PlanAction.objects.filter(recommendation_id=rec.pk)
        .prefetch_related(Prefetch("updates", queryset=ProgressUpdate.objects.order_by("at", "id")))
        .order_by("id")
    )
    body_side = selectors.is_body_contact(user, rec.body_id)
    live = plan is not None and PlanState(plan.state) in PLAN_ACTIONS_LIVE
    for a in actions:
        a.can_update = live and body_side and a.state in ACTION_OPEN_STATES
    judgements: list[Any] = selectors.judgements_of(rec)
    for j in judgements:
        j.by_label = j.by.get_full_name() or j.by.get_username()
        j.evidence_lines = _evidence_lines(j.evidence)
    events: list[Any] = list(
        FollowupEvent.objects.filter(
            Q(object_type="recommendation", object_id=rec.pk)
            | Q(object_type="finding", object_id=finding.pk)
            | Q(object_type="action", object_id__in=[a.pk for a in actions])
        ).order_by("at", "id")
    )
    for e in events:
        e.words, e.note_words = event_words(e), note_words(e.note, e.action)
    return {
        "finding": finding,
        "basis_words": basis_words(finding.basis, finding.inspection.framework),
        "rag": rag(rec.state, rec.due_on, timezone.localdate(), rec.last_judgement).value,
        "plan": plan,
        "plan_link": plan is not None and selectors.plan_visible(user, plan.pk) is not None,
        "actions": actions,
        "judgements": judgements,
        "events": events,
    }


def _evidence_lines(stored: Any) -> list[str]:
    if not stored:
        return []
    try:
        evidence = Evidence.from_dict(stored)
    except (KeyError, TypeError, ValueError):
        return []
    # A fixed reason (nothing to measure) is in the catalogue; a reason made with figures stays as stored.
    return [item.words for item in evidence.items] + [gettext(evidence.reason)] * bool(
        evidence.reason
    )


# An inspection's findings -----------------------------------------------------------------------------------


def report_published(inspection: Any) -> bool:
    return bool(publications_counted([inspection.pk]).get(inspection.pk, {}).get("published"))


def basis_choices(inspection: Any) -> tuple[list[BasisChoice], bool]:
    """Every weakness and area of the inspection's framework a finding may rest on, with this inspection's
    counts as its report gives them (``evidence.sample_counts``: the report's own rule) to prefill the form;
    and whether any count was there to prefill."""
    framework = load_framework(inspection.framework)
    counts = sample_counts(inspection)
    # The form's labels in the page's language; the codes (what is stored) are the same in every language.
    words = framework.in_language(active_language())
    prefilled = any(total for _, total in counts.values())

    def choice(kind: str, code: str, label: str) -> BasisChoice:
        n, total = counts.get((kind, code), (None, None))
        if not total:
            n, total = None, None
        return BasisChoice(kind, code, label, n, total)

    return (
        [choice(WEAKNESS, w.code, f"{w.text} ({w.code})") for w in words.weaknesses]
        + [choice(AREA, a.slug, a.title) for a in words.areas],
        prefilled,
    )


def findings_listed(inspection: Any) -> list[dict[str, Any]]:
    """The inspection's findings (every state) with their recommendations and their basis in words."""
    return [
        {
            "finding": f,
            "recommendations": list(f.recommendations.all()),
            "basis_words": basis_words(f.basis, inspection.framework),
        }
        for f in selectors.findings_of(inspection)
    ]


def finding_of(inspection: Any, finding_id: int) -> Finding | None:
    return Finding.objects.filter(inspection_id=inspection.pk, pk=finding_id).first()


def recommendation_of(inspection: Any, recommendation_id: int) -> Recommendation | None:
    return Recommendation.objects.filter(
        finding__inspection_id=inspection.pk, pk=recommendation_id
    ).first()


# The body's plan ----------------------------------------------------------------------------------------------


#: Blank rows offered under each recommendation's actions, for new ones.
NEW_ROWS = 1


def plan_page(plan: Any, user: Any) -> dict[str, Any]:
    """The plan's open recommendations, each with its actions; who the reader is; what they may do now."""
    actor = selectors.actor_for(user, plan.inspection, plan.body_id)
    moves = selectors.plan_moves_for(user, plan)
    actions = selectors.plan_actions(plan)
    recommendations = selectors.plan_recommendations(plan)
    by_rec: dict[int, list[Any]] = {r.pk: [] for r in recommendations}
    others: list[Any] = []
    for a in actions:
        by_rec.setdefault(a.recommendation_id, others).append(a)
    editing = actor is FollowupActor.BODY and "save" in moves
    live = PlanState(plan.state) in PLAN_ACTIONS_LIVE

    def shown(mine: list[Any]) -> None:
        for a in mine:
            updates = list(a.updates.all())
            a.last_update = updates[-1] if updates else None
            a.can_update = live and actor is FollowupActor.BODY and a.state in ACTION_OPEN_STATES
            a.can_withdraw = live and actor is FollowupActor.LEAD and a.state in ACTION_OPEN_STATES

    parts = []
    for r in recommendations:
        mine = by_rec.get(r.pk, [])
        shown(mine)
        editable = [a for a in mine if a.state in ACTION_OPEN_STATES] if editing else []
        parts.append({"rec": r, "actions": mine, "editable": editable})
    # Actions answering recommendations no longer open (met, no longer relevant, withdrawn): kept on the page,
    # read-only, so that the plan's record of what was done never vanishes.
    closed: dict[int, dict[str, Any]] = {}
    for a in others:
        part = closed.setdefault(a.recommendation_id, {"rec": a.recommendation, "actions": []})
        part["actions"].append(a)
    for part in closed.values():
        shown(part["actions"])
    return {
        "parts": parts,
        "closed_parts": sorted(closed.values(), key=lambda p: p["rec"].number),
        "editing": editing,
        "moves": moves,
        "is_lead": actor is FollowupActor.LEAD,
        "is_body": actor is FollowupActor.BODY,
        "awaiting_body": PlanState(plan.state) in PLAN_AWAITING_BODY
        or plan.state == PlanState.ESCALATED.value,
        "history": _history("plan", plan.pk),
    }


def plan_row_counts(parts: Sequence[Mapping[str, Any]]) -> dict[int, int]:
    """How many rows each recommendation's part of the plan's form has: its actions, and a blank one."""
    return {p["rec"].pk: len(p["editable"]) + NEW_ROWS for p in parts}


def plan_rows(parts: Sequence[Mapping[str, Any]], form: Any) -> dict[int, list[PlanRow]]:
    """The form's rows per recommendation: as posted (``form``: a bound ``forms.PlanForm``, with each row's
    problems) or, with no form, from the saved actions."""
    if form is not None and form.parsed:
        parsed: dict[int, list[PlanRow]] = form.parsed
        return parsed
    rows: dict[int, list[PlanRow]] = {}
    for p in parts:
        rec_id = p["rec"].pk
        rows[rec_id] = [
            PlanRow(
                rec_id,
                i,
                a.text,
                a.owner,
                str(a.target_on.day),
                str(a.target_on.month),
                str(a.target_on.year),
                action_id=a.pk,
            )
            for i, a in enumerate(p["editable"])
        ] + [PlanRow(rec_id, len(p["editable"]) + k) for k in range(NEW_ROWS)]
    return rows


# One action ---------------------------------------------------------------------------------------------------


def action_visible(user: Any, action_id: int) -> Any:
    return selectors.action_visible(user, action_id)


def action_page(action: Any, user: Any) -> dict[str, Any]:
    moves = selectors.action_moves_for(user, action)
    updates = list(ProgressUpdate.objects.filter(action_id=action.pk).order_by("at", "id"))
    return {
        "moves": moves,
        "updates": updates,
        "rec": action.recommendation,
        "plan": action.plan,
        "history": _history("action", action.pk),
    }


# Judging at a later inspection ---------------------------------------------------------------------------------


def _judged_here(inspection: Any) -> list[Recommendation]:
    """Recommendations of the body judged at this inspection (closed ones included), with their finding."""
    return list(
        Recommendation.objects.filter(judgements__inspection_id=inspection.pk)
        .select_related("finding__inspection", "body")
        .distinct()
    )


def judge_items(inspection: Any) -> list[dict[str, Any]]:
    """Each of the body's recommendations from earlier inspections that is open, or was judged at this one:
    with the new sample's evidence (one Holm family over them all), the proposal, and the judgement made here.
    """
    recs = {
        r.pk: r
        for r in selectors.open_recommendations_of_body(inspection.body, inspection.period_end)
    }
    for r in _judged_here(inspection):
        recs.setdefault(r.pk, r)
    ordered = sorted(
        recs.values(),
        key=lambda r: (r.finding.inspection.period_end, r.finding.inspection_id, r.number),
    )
    here: dict[int, Any] = {}
    for j in RecommendationJudgement.objects.filter(
        inspection_id=inspection.pk, recommendation_id__in=list(recs)
    ).order_by("at", "id"):
        here[j.recommendation_id] = j
    latest: dict[int, Any] = {}
    for rid, end in RecommendationJudgement.objects.filter(
        recommendation_id__in=list(recs)
    ).values_list("recommendation_id", "inspection__period_end"):
        latest[rid] = max(latest.get(rid, end), end)
    # A recommendation a later inspection has already judged is not this inspection's to judge: left out
    # (unless it was judged here too, which the page then shows).
    ordered = [
        r
        for r in ordered
        if r.pk in here or r.pk not in latest or latest[r.pk] < inspection.period_end
    ]
    language = active_language()  # the words in the page's language too (English is stored)
    written = recommendation_evidence_in(inspection, ordered, languages=[language])
    items = []
    for r in ordered:
        ev, seen = written[ENGLISH].get(r.pk), written[language].get(r.pk)
        proposed = (ev.proposal or "") if ev is not None else ""
        shown = ev.as_dict() if ev is not None else {}
        is_open = r.state == RecommendationState.OPEN.value
        items.append(
            {
                "rec": r,
                "finding": r.finding,
                "basis_words": basis_words(r.finding.basis, r.finding.inspection.framework),
                # In the page's language (a fixed reason by the catalogue); stored and digested: ``shown``.
                "evidence": None if seen is None else replace(seen, reason=gettext(seen.reason)),
                "proposed": proposed,
                "evidence_dict": shown,
                "evidence_sha256": evidence_digest(shown, proposed),
                "judged_here": here.get(r.pk),
                "open": is_open,
                # Open, and not yet judged here nor at a later inspection: the page offers the form.
                "judgeable": is_open
                and not judging_refusal(
                    at_period_end=inspection.period_end,
                    same_inspection=r.pk in here,
                    latest_period_end=latest.get(r.pk),
                ),
            }
        )
    return items


def judge_item(inspection: Any, recommendation_id: int) -> dict[str, Any] | None:
    """The judging page's item for one recommendation (None: not one this inspection may judge)."""
    for item in judge_items(inspection):
        if item["rec"].pk == recommendation_id and item["open"]:
            return item
    return None
