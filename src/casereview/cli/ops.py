"""Running the installation: tables, management commands, the web server, backups, retention, the API's description."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from django.conf import settings
from django.core.management import call_command, execute_from_command_line
from gunicorn.app.base import BaseApplication

from casereview.domain.words import count
from casereview.web.inspections.retention import registers_purge_due
from casereview.web.ops.backup import backup as make_backup
from casereview.web.ops.backup import restore as do_restore
from casereview.web.registers.selectors import register_by_id
from casereview.web.registers.services import (
    error_reports_purge,
    register_retention_set,
)

from .shared import (
    EXIT_REJECTED,
    by_id_or_reject,
    err,
    out,
    parse_date,
    print_json,
    write_atomically,
)


def migrate() -> None:
    """Create or update the database tables (SQLite under ./var/ unless DATABASE_URL says otherwise)."""
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    call_command("migrate", "--no-input", "--verbosity", "1")


def manage(ctx: typer.Context) -> None:
    """Run any Django management command, e.g. `casereview manage check --deploy`."""
    execute_from_command_line(["casereview manage", *ctx.args])


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="gunicorn worker processes")] = 2,
) -> None:
    """Serve the web application with gunicorn."""
    call_command("collectstatic", "--no-input", "--verbosity", "0")
    # Deferred: building the WSGI application loads every middleware; only this command serves pages.
    from casereview.web.wsgi import application

    class _App(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("timeout", 600)
            self.cfg.set("accesslog", "-")
            # gunicorn's default line, then the time the worker spent on the request in milliseconds
            self.cfg.set(
                "access_log_format",
                '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms',
            )

        def load(self) -> Any:
            return application

    out.print(f"casereview is serving on http://{host}:{port}/")
    _App().run()


def backup(
    path: Annotated[
        Path,
        typer.Argument(
            help="The backup file to write (never overwritten); PATH.manifest.json beside it"
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Back up the database: SQLite's online backup or pg_dump, with a manifest of row counts and checksums."""
    manifest = make_backup(path)
    summary = {
        "file": str(path),
        "sha256": manifest["file_sha256"],
        "tables": len(manifest["tables"]),
        "rows": sum(t["rows"] for t in manifest["tables"].values()),
        "journal_head": manifest["journal_head"],
    }
    if as_json:
        print_json(summary)
    else:
        out.print(
            f"Backed up {summary['rows']:,} rows in {summary['tables']} tables to {path} (SHA-256 {manifest['file_sha256'][:12]}…)"
        )


def restore(
    path: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help="A file written by `casereview backup`"),
    ],
) -> None:
    """Restore a backup into the configured, empty database, then check migrations, every table's count and
    checksum, and the journal chain against the backup's manifest.  Prints JSON; exit 1 when a check fails."""
    result = do_restore(path)
    print_json(result)
    if not result["ok"]:
        raise typer.Exit(1)


def purge(
    due: Annotated[
        bool,
        typer.Option("--due", help="Erase the cases of every register past its retention date"),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Erase case data past its retention date, keeping counts and the journal. Safe to run daily."""
    if not due:
        err.print("Say --due to erase what is past its retention date")
        raise typer.Exit(EXIT_REJECTED)
    purged = registers_purge_due()
    error_reports = (
        error_reports_purge()
    )  # refused uploads' error CSVs past CASEREVIEW_ERROR_REPORT_HOURS
    if as_json:
        print_json({"purged": purged, "error_reports_deleted": error_reports})
        return
    out.print(
        f"Purged {count(len(purged), 'register')}; {sum(p['cases_erased'] for p in purged):,} cases erased; "
        f"{count(error_reports, 'error report')} of refused uploads deleted"
    )


def register_retention(
    register_id: Annotated[int, typer.Argument(metavar="ID")],
    until: Annotated[
        str, typer.Option("--until", help="Keep the cases until this day, dd/mm/yyyy")
    ],
) -> None:
    """Change how long a register's cases are kept."""
    register = by_id_or_reject(register_by_id, register_id, "register")
    day = parse_date(until)
    register_retention_set(register=register, until=day)
    out.print(f"Register {register_id} is kept until {day:%d/%m/%Y}")


def openapi(
    out_path: Annotated[
        Path | None,
        typer.Option("--out", help="Write to this file (docs/openapi.json is kept in step)"),
    ] = None,
) -> None:
    """The API's OpenAPI 3 description, as served at /api/v1/openapi.json."""
    # Deferred: the API loads django-ninja (about 0.4 s), which no other command needs.
    from casereview.web.api.api import api

    text = (
        json.dumps(api.get_openapi_schema(path_prefix="/api/v1"), indent=2, ensure_ascii=False)
        + "\n"
    )
    if out_path is None:
        sys.stdout.write(text)
    else:
        write_atomically(out_path, text.encode("utf-8"))
        out.print(f"Wrote the OpenAPI description to {out_path}")
