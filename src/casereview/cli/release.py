"""Release practice (docs/reports.md, *Release practice*): publish every scheduled publication whose
announced moment has come.  Safe to run every minute (docs/deployment.md)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from casereview.domain.release import MOST_ATTEMPTS, release_words
from casereview.domain.words import count
from casereview.web.reports.release import Released, publish_due

from .shared import out, print_json


def publish_due_command(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Publish every scheduled publication whose announced time has come, each exactly once (safe to run
    every minute, even twice at once).  Exit 0 when all went out or nothing was due; 1 when one could not be
    published (it is marked not published, journaled, and its lead is told by e-mail) or a run went wrong on
    one (the log has the error; the next run tries again, up to three times)."""
    done = publish_due()
    rows: list[dict[str, Any]] = [
        {
            "scheduled_id": r.scheduled.pk,
            "inspection_id": r.scheduled.inspection_id,
            "release_at": r.scheduled.release_at.isoformat(),
            "state": str(r.scheduled.state),
            "publication_id": r.publication.pk if r.publication else None,
            "late": r.late,
            "reasons": len(r.reasons),
            "crashed": r.crashed,
            "attempts": r.scheduled.attempts,
        }
        for r in done
    ]
    failed = sum(1 for r in done if r.publication is None)
    if as_json:
        print_json({"released": rows, "skipped": done.skipped})
    elif not done:
        # Inspection names are free text: printed as they are, never read as Rich markup.
        out.print(
            "Nothing was published by this run: another run, or a busy database, had the due ones."
            if done.skipped
            else "Nothing is due for publication.",
            markup=False,
        )
    else:
        for r in done:
            out.print(_line(r), soft_wrap=True, markup=False)
    if failed:
        raise typer.Exit(1)


def _line(r: Released) -> str:
    inspection = r.scheduled.inspection
    what = f"{inspection.name} ({inspection.body.name})"
    when = release_words(r.scheduled.release_at)
    if r.publication is not None:
        late = " It went out late: the service was not running at that time." if r.late else ""
        return (
            f"Published {what}, announced for {when}, as published report {r.publication.pk}.{late}"
        )
    if r.crashed and r.scheduled.state == "scheduled":
        return (
            f"Could not publish {what}, announced for {when}: something went wrong (attempt "
            f"{r.scheduled.attempts} of {MOST_ATTEMPTS}; the log has the error). The next run tries again."
        )
    if r.crashed:
        return (
            f"Not published: {what}, announced for {when}: something went wrong {MOST_ATTEMPTS} times "
            "(the log has the error). Its lead inspector is told by e-mail."
        )
    return (
        f"Not published: {what}, announced for {when}, could not go out: not ready, its figures "
        "changed, its disclosure check failed or its scheduler can no longer publish it "
        f"({count(len(r.reasons), 'reason')}, on the report's page). Its lead inspector is told by e-mail."
    )
