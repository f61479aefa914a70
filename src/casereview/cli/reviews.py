"""Who reviews what: share out the sample, bring in reviews kept in a spreadsheet, move a case, conflicts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from casereview.domain.words import count as count_words
from casereview.web.core.users import user_by_username, users_by_username
from casereview.web.inspections.selectors import inspection_by_id
from casereview.web.registers.selectors import body_by_code, register_by_id
from casereview.web.registers.services import write_errors_csv
from casereview.web.reviews.selectors import assignment_of_case
from casereview.web.reviews.services import (
    assignment_move,
    assignments_balance,
    conflict_declare,
)
from casereview.web.reviews.spreadsheets import ReviewsRejected, reviews_import

from .shared import EXIT_REJECTED, by_id_or_reject, err, out, print_json, reject


def assign(
    inspection: Annotated[int, typer.Option(help="Inspection id")],
    inspectors: Annotated[str, typer.Option(help="Usernames, comma-separated")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Share the sample's unassigned cases among inspectors, balanced, honouring declared conflicts."""
    names = [n.strip() for n in inspectors.split(",") if n.strip()]
    users = users_by_username(names, active_only=True)
    missing = sorted(set(names) - {u.get_username() for u in users})
    if missing:
        reject(f"[red]No active user called {', '.join(missing)}[/red]")
    count = assignments_balance(
        inspection=by_id_or_reject(inspection_by_id, inspection, "inspection"), inspectors=users
    )
    if as_json:
        print_json({"assigned": count})
    else:
        out.print(f"Assigned {count_words(count, 'case')}")


def import_reviews(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    inspection: Annotated[int, typer.Option(help="Inspection id")],
    register: Annotated[
        int | None,
        typer.Option(
            help="Register the cases come from (default: the sample's, or the body's latest)"
        ),
    ] = None,
    errors_csv: Annotated[
        Path | None, typer.Option(help="Write every problem to this CSV file")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Bring in reviews kept in a spreadsheet (CSV or XLSX), all or nothing. Exit status 2 when refused."""
    found = by_id_or_reject(inspection_by_id, inspection, "inspection")
    try:
        stored = reviews_import(
            inspection=found,
            path=file,
            register=by_id_or_reject(register_by_id, register, "register") if register else None,
        )
    except ReviewsRejected as exc:
        if errors_csv is not None and exc.errors:
            write_errors_csv(exc.errors, errors_csv)
        if as_json:
            print_json({"error": exc.message, "errors": [e.as_dict() for e in exc.errors]})
        else:
            err.print(f"[red]{exc.message}[/red]")
            for e in exc.errors:
                err.print(f"line {e.line}  {e.column}  {e.value}  {e.reason}")
        raise typer.Exit(EXIT_REJECTED) from exc
    if as_json:
        print_json({"inspection_id": found.pk, "reviews": stored})
    else:
        out.print(f"Imported {count_words(stored, 'review')} into inspection {found.pk}")


def move_case(
    inspection: Annotated[int, typer.Option(help="Inspection id")],
    case: Annotated[str, typer.Option(help="case_ref of the sampled case")],
    to: Annotated[str, typer.Option(help="Username of the inspector to receive it")],
    kind: Annotated[str, typer.Option(help="first or moderation")] = "first",
) -> None:
    """Move one assigned case to another inspector (refused across a declared conflict, or once submitted)."""
    found = by_id_or_reject(inspection_by_id, inspection, "inspection")
    assignment = assignment_of_case(found, case, kind)
    user = user_by_username(to, active_only=True)
    if assignment is None or user is None:
        reject("[red]No such assigned case, or no such active user[/red]")
    assignment_move(assignment=assignment, to=user)
    out.print(f"{case} ({kind}) now with {to}")


def declare(
    inspector: Annotated[str, typer.Option(help="Username of the inspector")],
    body: Annotated[str, typer.Option(help="Code of the body")],
    unit: Annotated[str, typer.Option(help="The unit the inspector must not review")],
) -> None:
    """Declare a conflict of interest: the inspector never receives cases from this unit."""
    user = user_by_username(inspector)
    found = body_by_code(body)
    if user is None or found is None:
        reject("[red]Unknown inspector or body[/red]")
    conflict_declare(inspector=user, body=found, unit=unit)
    out.print(f"{inspector} will not receive cases from {unit} ({found.code})")
