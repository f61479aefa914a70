"""Calibrations: a body's own audit against the inspectorate's blind re-grading of a sample of its cases.

`create` fixes the frame (the cases the own audit graded) and links the inspectorate inspection that will
re-grade them (its seed not yet committed: commit it next with `casereview seed commit`); `draw` draws the
sample with that seed; `complete` freezes the figures (`--with-missing`: a case that cannot be re-graded is
reported as missing); `withdraw` withdraws an open calibration with a reason; `show` prints them (`--json`:
the statistics' codes, as ``casereview.domain.calibration.Calibration.as_dict`` writes them); printing the
figures either way is journaled.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from casereview.domain.words import count
from casereview.web.calibration.selectors import calibration_by_id, own_audit_by_id, state_words
from casereview.web.calibration.services import (
    calibration_complete,
    calibration_create,
    calibration_draw,
    calibration_exported,
    calibration_withdraw,
)
from casereview.web.inspections.selectors import inspection_by_id

from .shared import by_id_or_reject, out, print_json


def create(
    own_audit: Annotated[int, typer.Option(help="Id of the body's own audit")],
    inspection: Annotated[
        int,
        typer.Option(help="Id of the inspectorate inspection that re-grades (seed not committed)"),
    ],
    size: Annotated[int, typer.Option(help="How many cases to re-grade")],
    stratify: Annotated[
        bool, typer.Option("--stratify", help="In proportion from each of the body's grades")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create a calibration of a body's own audit: its graded cases are fixed as the frame now."""
    made = calibration_create(
        own_audit=by_id_or_reject(own_audit_by_id, own_audit, "own audit"),
        inspection=by_id_or_reject(inspection_by_id, inspection, "inspection"),
        size=size,
        stratify=stratify,
    )
    if as_json:
        print_json(_summary(made))
    else:
        out.print(
            f"Calibration {made.pk}: {count(len(made.frame['cases']), 'case')} in the frame "
            f"(SHA-256 {made.frame['sha256']}). Next: casereview seed commit --inspection "
            f"{made.inspection_id}, then casereview calibration draw {made.pk}"
        )


def draw(
    calibration: Annotated[int, typer.Argument(help="Calibration id")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Draw the calibration's sample from its frame with its inspection's committed seed."""
    drawn = calibration_draw(
        calibration=by_id_or_reject(calibration_by_id, calibration, "calibration")
    )
    if as_json:
        print_json(_summary(drawn))
    else:
        out.print(
            f"Calibration {drawn.pk}: sample drawn for inspection {drawn.inspection_id}. Assign its "
            "cases: the inspectors re-grade them without the body's grades."
        )


def complete(
    calibration: Annotated[int, typer.Argument(help="Calibration id")],
    with_missing: Annotated[
        bool,
        typer.Option(
            "--with-missing",
            help="Complete with the cases not re-graded reported as missing (never replaced)",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Freeze the calibration's figures (every case of its sample re-graded, or --with-missing)."""
    done = calibration_complete(
        calibration=by_id_or_reject(calibration_by_id, calibration, "calibration"),
        with_missing=with_missing,
    )
    if as_json:
        print_json(_summary(done))
    else:
        out.print(f"Calibration {done.pk} complete: its figures are frozen.")


def withdraw(
    calibration: Annotated[int, typer.Argument(help="Calibration id")],
    reason: Annotated[str, typer.Option(help="Why the calibration is withdrawn")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Withdraw a calibration that is not complete: kept, listed as withdrawn with the reason; its own audit
    may then be calibrated again."""
    done = calibration_withdraw(
        calibration=by_id_or_reject(calibration_by_id, calibration, "calibration"), reason=reason
    )
    if as_json:
        print_json(_summary(done))
    else:
        out.print(f"Calibration {done.pk} withdrawn.")


def show(
    calibration: Annotated[int, typer.Argument(help="Calibration id")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The calibration: its state, and once complete its frozen figures."""
    found = by_id_or_reject(calibration_by_id, calibration, "calibration")
    figures = (found.result or {}).get("figures")
    if figures is not None:
        calibration_exported(calibration=found)
    if as_json:
        print_json({**_summary(found), "figures": figures})
        return
    out.print(
        f"Calibration {found.pk} of {found.own_audit.name} ({found.body.name}): {state_words(found)}"
    )
    if found.withdrawn_reason:
        out.print(f"Withdrawn: {found.withdrawn_reason}")
    if figures is None:
        out.print("Not complete: no figures.")
        return
    overall = figures["overall"]
    if overall.get("sentence"):
        out.print(overall["sentence"])
    if figures.get("corrected"):
        out.print(figures["corrected"]["sentence"])


def _summary(found: Any) -> dict[str, Any]:
    return {
        "id": found.pk,
        "body": found.body.code,
        "own_audit": found.own_audit_id,
        "inspection": found.inspection_id,
        "size": found.size,
        "stratify": found.stratify,
        "state": found.state,
        "frame": len(found.frame["cases"]),
        "frame_sha256": found.frame["sha256"],
        "strata_sha256": found.frame.get("strata_sha256", ""),
        "withdrawn_reason": found.withdrawn_reason,
    }
