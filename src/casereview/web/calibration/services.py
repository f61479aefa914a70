"""Every write to a calibration: create it (fixing its frame), draw its sample, complete or withdraw it; each
in one transaction with one journal entry (the inspection's own steps journal themselves).

The order is the committed-seed method's: the frame (the cases the body's own audit graded) is fixed when
the calibration is created, the calibration's inspection commits to its seed after that, and the draw uses
that seed with the sampling module's hash ranking (``inspections.services.sample_draw_listed``), so the sample
could not have been picked.  Completing freezes the figures (``result``).

Blind until completion: nobody who can read the body's grades of the cases grades, moderates or resolves
them.  The draw's manifest as its inspection keeps it is sealed (the strata's SHA-256 and counts, not the
body's grade of each case: ``sample_draw_listed(sealed=...)``); the whole manifest is kept here and replaces
the sealed one at completion.  The own audit's pages are the body's alone, and the calibration's cases are
never given to its lead (who resolves disagreements) nor to any contact of the body
(``inspections.selectors.unassignable``).  One calibration per own audit (withdrawn ones aside): drawing again
until a sample suits is impossible, and a withdrawn calibration stays listed, with its reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from casereview.domain.errors import Conflict, Refused
from casereview.domain.journal import JournalAction, Operation
from casereview.domain.language import Phrase, gettext_lazy, ngettext_lazy
from casereview.domain.words import number, uk_date
from casereview.web.core.users import User, person
from casereview.web.inspections.models import Inspection, Sample
from casereview.web.inspections.services import inspection_create, sample_draw_listed
from casereview.web.journal.services import journal_record

from .models import Calibration
from .selectors import (
    BLIND_LABEL,
    audit_grades,
    audit_sample,
    calibration_pairs,
    frame_digest,
    live_calibration_of,
    strata_digest,
)
from .sentences import figures_from, stored_phrases


class CalibrationRefused(Refused):
    """Refused: the message says why, for the person who asked."""


class SizeRefused(CalibrationRefused):
    """Refused: the size asked for does not fit the frame (the page shows it beside the size)."""


class CalibrationChanged(Conflict):
    """Someone changed the calibration first: ``current`` is how it stands now."""

    def __init__(self, message: str | Phrase, current: Calibration) -> None:
        super().__init__(message)
        self.current = current


def _check_inspection(inspection: Inspection, own_audit: Inspection) -> None:
    """An inspection that may re-grade the own audit's cases: the inspectorate's, of the same body and
    framework, before its seed is committed (the frame must be fixed first) and without a sample."""
    if inspection.kind == Inspection.Kind.OWN_AUDIT:
        raise CalibrationRefused(
            gettext_lazy(
                "Inspection %(number)s is a body's own audit: the inspectorate re-grades",
                number=inspection.pk,
            )
        )
    if inspection.body_id != own_audit.body_id:
        raise CalibrationRefused(
            gettext_lazy(
                "Inspection %(number)s is of another body than the own audit", number=inspection.pk
            )
        )
    if inspection.framework != own_audit.framework:
        raise CalibrationRefused(
            gettext_lazy(
                "Inspection %(number)s grades against another framework than the own audit",
                number=inspection.pk,
            )
        )
    if (inspection.period_start, inspection.period_end) != (
        own_audit.period_start,
        own_audit.period_end,
    ):
        raise CalibrationRefused(
            gettext_lazy(
                "Inspection %(number)s covers another period than the own audit: a calibration's "
                "inspection covers the own audit's period",
                number=inspection.pk,
            )
        )
    if inspection.commitment:
        raise CalibrationRefused(
            gettext_lazy(
                "Inspection %(number)s has already committed to a seed: a calibration fixes its cases "
                "first and the seed is committed after, so use an inspection whose seed is not yet "
                "committed",
                number=inspection.pk,
            )
        )
    if Sample.objects.filter(inspection=inspection).exists():
        raise CalibrationRefused(
            gettext_lazy("Inspection %(number)s already has its sample", number=inspection.pk)
        )
    if Calibration.objects.filter(inspection=inspection).exists():
        raise CalibrationRefused(
            gettext_lazy(
                "Inspection %(number)s already re-grades a calibration", number=inspection.pk
            )
        )


def _frame(own_audit: Inspection, size: int) -> tuple[dict[str, str], Sample]:
    """The cases the own audit graded (the body's overall grade of each) and its sample; refused when there
    is nothing to calibrate or ``size`` does not fit."""
    if own_audit.kind != Inspection.Kind.OWN_AUDIT:
        raise CalibrationRefused(
            gettext_lazy("Inspection %(number)s is not a body's own audit", number=own_audit.pk)
        )
    grades = audit_grades(own_audit)
    drawn_from = audit_sample(own_audit)
    if not grades or drawn_from is None:
        raise CalibrationRefused(
            gettext_lazy(
                "The own audit %(name)s has graded no case yet: nothing to calibrate",
                name=own_audit.name,
            )
        )
    if not 1 <= size <= len(grades):
        raise SizeRefused(
            ngettext_lazy(
                "Choose a size from 1 to %(most)s: the own audit graded %(shown)s case",
                "Choose a size from 1 to %(most)s: the own audit graded %(shown)s cases",
                len(grades),
                most=len(grades),
                shown=number(len(grades)),
            )
        )
    return grades, drawn_from


def calibration_create(
    *,
    own_audit: Inspection,
    size: int,
    stratify: bool = False,
    inspection: Inspection | None = None,
    lead: Any = None,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> Calibration:
    """A calibration of ``own_audit``: its frame (the cases the audit graded) fixed now, re-graded by
    ``inspection`` (an inspectorate inspection of the body, seed not yet committed) or, when none is
    given, by a new inspection led by ``lead`` made for it."""
    grades, drawn_from = _frame(own_audit, size)
    now = now or timezone.now()
    with transaction.atomic():
        # One calibration of an own audit at a time (the database says so too): locked, so two at once
        # cannot both pass.
        Inspection.objects.select_for_update().filter(pk=own_audit.pk).first()
        if (live := live_calibration_of(own_audit)) is not None:
            raise CalibrationRefused(
                gettext_lazy(
                    "The own audit %(name)s already has calibration %(number)s: an own audit is "
                    "calibrated once (withdraw that calibration, with a reason, to make another)",
                    name=own_audit.name,
                    number=live.pk,
                )
            )
        if inspection is None:
            inspection = inspection_create(
                body_code=own_audit.body.code,
                # A neutral name: the inspectors see it, and it says nothing of who graded the cases first.
                name=f"Re-grading for {own_audit.body.name}, "
                f"{uk_date(own_audit.period_start)} to {uk_date(own_audit.period_end)}"[:200],
                period_start=own_audit.period_start,
                period_end=own_audit.period_end,
                framework=own_audit.framework,
                lead=lead,
                actor=actor,
                now=now,
                kind=Inspection.Kind.CALIBRATION,
            )
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        _check_inspection(locked, own_audit)
        # An inspection named for the calibration becomes one (no seed, no sample yet: nothing of it changes
        # meaning): it is never published, compared or counted as an inspection of the body.
        retyped = locked.kind != Inspection.Kind.CALIBRATION
        if retyped:
            Inspection.objects.filter(pk=locked.pk).update(kind=Inspection.Kind.CALIBRATION)
            locked.kind = Inspection.Kind.CALIBRATION
        refs = sorted(grades)
        made = Calibration.objects.create(
            body_id=own_audit.body_id,
            own_audit=own_audit,
            inspection=locked,
            size=size,
            stratify=stratify,
            frame={
                "register": drawn_from.register_id,
                "cases": refs,
                "grades": {ref: grades[ref] for ref in refs},
                "sha256": frame_digest(refs),
                "strata_sha256": strata_digest(grades),
            },
            created_by=person(actor),
            created_at=now,
        )
        journal_record(
            actor=actor,
            operation=Operation.ADMINISTRATION,
            action=JournalAction.CALIBRATION_CREATE,
            object_type="calibration",
            object_id=made.pk,
            detail={
                "own_audit": own_audit.pk,
                "inspection": locked.pk,
                "body": own_audit.body.code,
                "size": size,
                "stratify": stratify,
                "frame": len(refs),
                "frame_sha256": made.frame["sha256"],
                "strata_sha256": made.frame["strata_sha256"],
                "inspection_made_calibration": retyped,
            },
            at=now,
        )
    return made


def _locked(calibration: Calibration, expected_version: int | None) -> Calibration:
    locked = (
        Calibration.objects.select_for_update()
        .select_related("own_audit", "inspection", "body")
        .get(pk=calibration.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise CalibrationChanged(
            gettext_lazy("Someone changed this calibration first: here it is as it stands now"),
            locked,
        )
    return locked


def _led_by(calibration: Calibration, actor: User | None) -> None:
    """A person may draw and complete only a calibration whose inspection they lead (the CLI acts as the
    operator, with no person)."""
    if actor is not None and calibration.inspection.lead_id != actor.pk:
        raise CalibrationRefused(
            gettext_lazy("Only the lead inspector of the calibration may do that")
        )


def _listed(calibration: Calibration) -> dict[str, object]:
    """What the draw's manifest says of where its list came from."""
    return {
        "source": "calibration",
        "calibration": calibration.pk,
        "own_audit": calibration.own_audit_id,
        "frame_sha256": calibration.frame["sha256"],
        "frame_strata_sha256": calibration.frame.get("strata_sha256", ""),
        "fixed_at": calibration.created_at.isoformat(),
        "stratified_by": "the body's overall grade" if calibration.stratify else "",
    }


def calibration_draw(
    *,
    calibration: Calibration,
    actor: User | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Calibration:
    """Draw the calibration's sample from its frame with its inspection's committed seed: ``size`` cases
    (in proportion from the strata of the body's overall grade when ``stratify``), then its reserve."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(calibration, expected_version)
        _led_by(locked, actor)
        if locked.state == Calibration.State.WITHDRAWN:
            raise CalibrationRefused(gettext_lazy("The calibration was withdrawn"))
        if locked.state != Calibration.State.CREATED:
            raise CalibrationRefused(gettext_lazy("The calibration's sample is already drawn"))
        inspection = locked.inspection
        if inspection.committed_at is None:
            raise CalibrationRefused(
                gettext_lazy(
                    "Commit the calibration's seed first: its SHA-256 is what proves the draw was not "
                    "picked"
                )
            )
        frame = locked.frame
        grades: dict[str, str] = frame["grades"]
        drawn_from = audit_sample(locked.own_audit)
        if drawn_from is None or drawn_from.register_id != frame["register"]:
            raise CalibrationRefused(
                gettext_lazy("The own audit's sample is not the one the frame was taken from")
            )
        whole: dict[str, Any] = {}
        sample = sample_draw_listed(
            inspection=inspection,
            register=drawn_from.register,
            strata={ref: grades[ref] if locked.stratify else "" for ref in frame["cases"]},
            size=locked.size,
            listed=_listed(locked),
            blind_label=BLIND_LABEL,
            late_commitment=inspection.committed_at < locked.created_at,
            sealed=whole,
            actor=actor,
            now=now,
        )
        locked.state = Calibration.State.DRAWN
        locked.drawn_at = now
        locked.sealed_manifest = whole
        locked.version += 1
        locked.save(update_fields=["state", "drawn_at", "sealed_manifest", "version"])
        journal_record(
            actor=actor,
            operation=Operation.COLLECTION,
            action=JournalAction.CALIBRATION_DRAW,
            object_type="calibration",
            object_id=locked.pk,
            detail={
                "inspection": inspection.pk,
                "commitment": inspection.commitment,
                "frame_sha256": frame["sha256"],
                "sampled": sample.cases.filter(role="sample").count(),
            },
            at=now,
        )
    return locked


def _missing_words(missing: tuple[str, ...]) -> str | Phrase:
    shown = ", ".join(missing[:10])
    if len(missing) <= 10:
        return shown
    others = len(missing) - 10
    return ngettext_lazy(
        "%(shown)s and %(others)s other",
        "%(shown)s and %(others)s others",
        others,
        shown=shown,
        others=number(others),
    )


def result_digest(result: Any) -> str:
    """The SHA-256 of the frozen figures as canonical JSON (sorted keys, no spaces): journaled at completion,
    so a later edit of the stored figures shows against the journal's chain."""
    canonical = json.dumps(result, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def calibration_complete(
    *,
    calibration: Calibration,
    actor: User | None = None,
    expected_version: int | None = None,
    with_missing: bool = False,
    now: dt.datetime | None = None,
) -> Calibration:
    """Freeze the calibration's figures: every active case of its sample with its final grade (the set, not a
    count), the pairs and their statistics stored as they stand (later changes to either audit's reviews do
    not move them), and the draw's whole manifest (with the strata) put in its inspection's place.

    A case that cannot be re-graded is never replaced: the lead completes ``with_missing``, and the figures
    report it as missing (its count beside the pairs)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(calibration, expected_version)
        _led_by(locked, actor)
        if locked.state == Calibration.State.WITHDRAWN:
            raise CalibrationRefused(gettext_lazy("The calibration was withdrawn"))
        if locked.state == Calibration.State.CREATED:
            raise CalibrationRefused(
                gettext_lazy("Draw the calibration's sample and re-grade it first")
            )
        if locked.state == Calibration.State.COMPLETE:
            raise CalibrationRefused(gettext_lazy("The calibration is already complete"))
        pairs = calibration_pairs(locked)
        if pairs.missing and not with_missing:
            raise CalibrationRefused(
                ngettext_lazy(
                    "%(shown)s case of the sample not yet re-graded (%(cases)s): complete the "
                    "calibration when every case has its final grade, or, if a case cannot be "
                    "re-graded, complete it with those cases reported as missing",
                    "%(shown)s cases of the sample not yet re-graded (%(cases)s): complete the "
                    "calibration when every case has its final grade, or, if a case cannot be "
                    "re-graded, complete it with those cases reported as missing",
                    len(pairs.missing),
                    shown=number(len(pairs.missing)),
                    cases=_missing_words(pairs.missing),
                )
            )
        if not pairs.overall:
            raise CalibrationRefused(
                gettext_lazy("No case has both the body's grade and the inspectorate's")
            )
        inputs = pairs.inputs()
        figures = figures_from(inputs)
        # The sentences beside the figures as Phrases, in each language, so that a page in either reads
        # the frozen ones (``figures`` keeps them as English text, as the command line and JSON read them).
        locked.result = {
            "inputs": inputs,
            "figures": figures.as_dict(),
            "phrases": stored_phrases(inputs, locked.own_audit.framework, figures),
        }
        locked.state = Calibration.State.COMPLETE
        locked.completed_at = now
        locked.completed_by = person(actor)
        locked.version += 1
        locked.save(update_fields=["result", "state", "completed_at", "completed_by", "version"])
        # The strata (the body's grade of each case) may be read now: the whole manifest takes the sealed
        # one's place, so anyone who may read the calibration can re-derive its draw.
        unsealed = bool(locked.sealed_manifest)
        if unsealed:
            Sample.objects.filter(inspection_id=locked.inspection_id).update(
                manifest=locked.sealed_manifest
            )
        journal_record(
            actor=actor,
            operation=Operation.COMBINATION,
            action=JournalAction.CALIBRATION_COMPLETE,
            object_type="calibration",
            object_id=locked.pk,
            detail={
                "pairs": len(pairs.overall),
                "own_audit": locked.own_audit_id,
                "missing": len(pairs.missing),
                "manifest_unsealed": unsealed,
                "result_sha256": result_digest(locked.result),
            },
            at=now,
        )
    return locked


def calibration_withdraw(
    *,
    calibration: Calibration,
    reason: str,
    actor: User | None = None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Calibration:
    """Withdraw a calibration before it is complete, saying why: it is kept and listed as withdrawn (shown
    to the body's people and analysts, as a completed one is), and its own audit may be calibrated again."""
    reason = reason.strip()
    if not reason:
        raise CalibrationRefused(gettext_lazy("Say why the calibration is withdrawn"))
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(calibration, expected_version)
        _led_by(locked, actor)
        if locked.state == Calibration.State.COMPLETE:
            raise CalibrationRefused(
                gettext_lazy("A completed calibration is never withdrawn: its figures stand")
            )
        if locked.state == Calibration.State.WITHDRAWN:
            raise CalibrationRefused(gettext_lazy("The calibration is already withdrawn"))
        was = locked.state
        locked.state = Calibration.State.WITHDRAWN
        locked.withdrawn_at = now
        locked.withdrawn_by = person(actor)
        locked.withdrawn_reason = reason[:2000]
        locked.version += 1
        locked.save(
            update_fields=["state", "withdrawn_at", "withdrawn_by", "withdrawn_reason", "version"]
        )
        journal_record(
            actor=actor,
            operation=Operation.ALTERATION,
            action=JournalAction.CALIBRATION_WITHDRAW,
            object_type="calibration",
            object_id=locked.pk,
            detail={"own_audit": locked.own_audit_id, "was": was},
            reason=reason[:500],
            at=now,
        )
    return locked


def calibration_exported(*, calibration: Calibration, actor: User | None = None) -> None:
    """Journal the calibration's frozen figures leaving casereview (``casereview calibration show``, with or
    without ``--json``)."""
    journal_record(
        actor=actor,
        operation=Operation.DISCLOSURE,
        action=JournalAction.CALIBRATION_EXPORT,
        object_type="calibration",
        object_id=calibration.pk,
        reason="calibration figures",
    )
