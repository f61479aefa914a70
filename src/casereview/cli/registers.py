"""Inspected bodies and their case registers: add and list bodies, import, list and export registers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from casereview.web.registers.selectors import bodies_for_choice, register_by_id, registers_listed
from casereview.web.registers.services import (
    ExportFailed,
    ImportStarted,
    RegisterRejected,
    body_add,
    register_export,
    register_import,
    write_errors_csv,
)

from .shared import EXIT_REJECTED, by_id_or_reject, err, out, print_json, print_rows

PROGRESS_MIN_LINES = 5000


def body_add_command(code: str, name: str) -> None:
    """Register an inspected body, e.g. `casereview body add MPS "Metropolitan Police Service"`."""
    body = body_add(code=code, name=name)
    out.print(f"Added {body.code}: {body.name}")


def body_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List inspected bodies."""
    bodies = [{"code": b.code, "name": b.name} for b in bodies_for_choice()]
    if as_json:
        print_json(bodies)
        return
    for b in bodies:
        out.print(f"{b['code']}\t{b['name']}")


class _ImportProgress:
    """A progress bar on standard error for a long file (only on a terminal)."""

    def __init__(self) -> None:
        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,} rows"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        )
        self.task: TaskID | None = None

    def on_start(self, started: ImportStarted) -> None:
        if started.line_count > PROGRESS_MIN_LINES:
            self.bar.start()
            self.task = self.bar.add_task(f"Importing {started.filename}", total=started.line_count)

    def on_rows(self, rows: int) -> None:
        if self.task is not None:
            self.bar.advance(self.task, rows)


def _report_rejection(exc: RegisterRejected, errors_csv: Path | None, as_json: bool) -> None:
    if errors_csv is not None and exc.errors:
        write_errors_csv(exc.errors, errors_csv)
    if as_json:
        print_json(
            {
                "error": exc.message,
                "errors": [e.as_dict() for e in exc.errors],
                "problems": exc.total,
                "unmapped_columns": list(exc.unmapped),
            }
        )
        return
    err.print(f"[red]{exc.message}[/red]")
    if exc.errors:
        table = Table("line", "column", "value", "reason", title="Problems")
        for e in exc.errors:
            table.add_row(str(e.line), e.column, e.value, e.reason)
        err.print(table)
    if errors_csv is not None and exc.errors:
        err.print(f"Every problem is listed in {errors_csv}")


def import_register(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    body: Annotated[str, typer.Option(help="Code of the inspected body")],
    profile: Annotated[
        str | None, typer.Option(help="Column-mapping profile: a shipped name or a TOML path")
    ] = None,
    sheet: Annotated[
        str | None, typer.Option(help="Excel sheet to read (default: the first)")
    ] = None,
    errors_csv: Annotated[
        Path | None, typer.Option(help="Write every problem to this CSV file")
    ] = None,
    replace: Annotated[
        bool, typer.Option(help="Import again a file already imported for this body")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """Import a body's case register, all or nothing.  Exit status 2 when refused."""
    progress = _ImportProgress()
    try:
        register = register_import(
            path=file,
            body_code=body,
            profile=profile,
            sheet=sheet,
            replace=replace,
            on_start=progress.on_start,
            progress=progress.on_rows,
        )
    except RegisterRejected as exc:
        progress.bar.stop()
        _report_rejection(exc, errors_csv, as_json)
        raise typer.Exit(EXIT_REJECTED) from exc
    progress.bar.stop()
    if as_json:
        print_json(
            {
                "register_id": register.pk,
                "body": register.body.code,
                "rows": register.rows,
                "sha256": register.sha256,
                "unmapped_columns": register.unmapped_columns,
            }
        )
        return
    out.print(f"Imported register {register.pk} for {register.body.code}: {register.rows:,} cases")
    out.print(f"SHA-256 {register.sha256}")
    if register.unmapped_columns:
        out.print(
            f"Columns dropped (not in the register schema): {', '.join(register.unmapped_columns)}"
        )


def registers(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List imported registers."""
    rows: list[dict[str, Any]] = [
        {
            "id": r.pk,
            "body": r.body.code,
            "rows": r.rows,
            "sha256": r.sha256,
            "imported_at": r.imported_at.isoformat(),
            "filename": r.filename,
            "state": r.state,
        }
        for r in registers_listed()
    ]
    print_rows(
        rows,
        [
            ("id", lambda r: str(r["id"])),
            ("body", lambda r: str(r["body"])),
            ("rows", lambda r: f"{r['rows']:,}"),
            ("imported_at", lambda r: str(r["imported_at"])),
            ("state", lambda r: str(r["state"])),
            ("sha256", lambda r: str(r["sha256"])),
        ],
        as_json=as_json,
    )


def export_register(
    register_id: Annotated[int, typer.Argument(metavar="ID")],
    csv_path: Annotated[Path, typer.Option("--csv", help="Where to write the CSV")],
    recipient: Annotated[str, typer.Option(help="Who the export is for (journaled)")] = "",
    reason: Annotated[str, typer.Option(help="Why, as a short code (journaled)")] = "export",
) -> None:
    """Write a register's stored cases in the canonical columns (pseudonyms; never summary)."""
    register = by_id_or_reject(register_by_id, register_id, "register")
    try:
        rows = register_export(register=register, path=csv_path, recipient=recipient, reason=reason)
    except ExportFailed as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    out.print(f"Wrote {rows:,} cases to {csv_path}")
