"""The `casereview` command: one command per job, each calling one service."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(
    help="casereview: inspect how child-protection cases were handled.", no_args_is_help=True
)
body_app = typer.Typer(help="Inspected bodies.", no_args_is_help=True)
journal_app = typer.Typer(help="The tamper-evident journal.", no_args_is_help=True)
user_app = typer.Typer(
    help="Users: roles, second factors, deactivate, reactivate, unlock.", no_args_is_help=True
)
inspection_app = typer.Typer(help="Inspections.", no_args_is_help=True)
seed_app = typer.Typer(help="Seed commitments.", no_args_is_help=True)
sample_app = typer.Typer(help="Samples: draw, verify, replace.", no_args_is_help=True)
framework_app = typer.Typer(help="Frameworks: list, validate.", no_args_is_help=True)
conflict_app = typer.Typer(help="Conflicts of interest.", no_args_is_help=True)
send_backs_app = typer.Typer(
    help="Send backs: list them, escalate overdue ones.", no_args_is_help=True
)
baseline_app = typer.Typer(help="Published baselines.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)
app.add_typer(body_app, name="body")
app.add_typer(journal_app, name="journal")
app.add_typer(user_app, name="user")
app.add_typer(inspection_app, name="inspection")
app.add_typer(seed_app, name="seed")
app.add_typer(sample_app, name="sample")
app.add_typer(framework_app, name="framework")
app.add_typer(conflict_app, name="conflict")
app.add_typer(send_backs_app, name="send-backs")
app.add_typer(baseline_app, name="baseline")
app.add_typer(token_app, name="token")

out = Console()
err = Console(stderr=True)

EXIT_REJECTED = 2
PROGRESS_MIN_LINES = 5000


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casereview.web.settings.dev")
    import django

    django.setup()


def _call_command(*args: str) -> None:
    from django.core.management import call_command

    call_command(*args)


@contextmanager
def _refused_on(*errors: type[Exception]) -> Iterator[None]:
    """A refusal the user can act on: its message in red, exit status 2."""
    try:
        yield
    except errors as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(EXIT_REJECTED) from exc


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, default=str) + "\n")


@app.command()
def migrate() -> None:
    """Create or update the database tables (SQLite under ./var/ unless DATABASE_URL says otherwise)."""
    _django()
    from django.conf import settings

    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    _call_command("migrate", "--no-input", "--verbosity", "1")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def manage(ctx: typer.Context) -> None:
    """Run any Django management command, e.g. `casereview manage check --deploy`."""
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["casereview manage", *ctx.args])


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="gunicorn worker processes")] = 2,
) -> None:
    """Serve the web application with gunicorn."""
    _django()
    from gunicorn.app.base import BaseApplication

    _call_command("collectstatic", "--no-input", "--verbosity", "0")
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


@app.command()
def createuser(
    username: str,
    role: Annotated[
        str,
        typer.Option(help="administrator, lead_inspector, inspector, liaison_officer or analyst"),
    ],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input")
    ] = False,
    email: Annotated[str, typer.Option(help="E-mail address")] = "",
) -> None:
    """Create a user with one role."""
    _django()
    from casereview.web.accounts.services import AccountError, user_create

    if not password_stdin:
        err.print("Give the password on standard input with --password-stdin")
        raise typer.Exit(EXIT_REJECTED)
    password = sys.stdin.readline().rstrip("\r\n")
    with _refused_on(AccountError):
        user_create(username=username, role=role, password=password, email=email)
    out.print(f"Created {username} ({role})")


@body_app.command("add")
def body_add(code: str, name: str) -> None:
    """Register an inspected body, e.g. `casereview body add MPS "Metropolitan Police Service"`."""
    _django()
    from casereview.domain.registers import RegisterError
    from casereview.web.registers.services import body_add as add

    with _refused_on(RegisterError):
        body = add(code=code, name=name)
    out.print(f"Added {body.code}: {body.name}")


@body_app.command("contact")
def body_contact(
    body: Annotated[str, typer.Option(help="Code of the body")],
    user: Annotated[str, typer.Option(help="Username")],
    kind: Annotated[str, typer.Option(help="liaison or senior_lead")],
) -> None:
    """Make a user the body's liaison officer (answers send backs) or senior lead (told of escalations)."""
    _django()
    from django.contrib.auth import get_user_model

    from casereview.web.referrals.services import SendBackError, body_contact_add
    from casereview.web.registers.models import Body

    found = Body.objects.filter(code=body.strip().upper()).first()
    person = get_user_model().objects.filter(username=user).first()
    if found is None or person is None:
        err.print("[red]Unknown body or user[/red]")
        raise typer.Exit(EXIT_REJECTED)
    with _refused_on(SendBackError):
        body_contact_add(body=found, user=person, kind=kind)
    out.print(f"{user} is now {kind} for {found.code}")


@body_app.command("list")
def body_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List inspected bodies."""
    _django()
    from casereview.web.registers.models import Body

    bodies = [{"code": b.code, "name": b.name} for b in Body.objects.order_by("code")]
    if as_json:
        _print_json(bodies)
        return
    for b in bodies:
        out.print(f"{b['code']}\t{b['name']}")


@app.command("import-register")
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
    _django()
    from casereview.web.registers.services import (
        ImportStarted,
        RegisterRejected,
        register_import,
        write_errors_csv,
    )

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} rows"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    task: list[Any] = []

    def on_start(started: ImportStarted) -> None:
        if started.line_count > PROGRESS_MIN_LINES:
            progress.start()
            task.append(
                progress.add_task(f"Importing {started.filename}", total=started.line_count)
            )

    def on_rows(rows: int) -> None:
        if task:
            progress.advance(task[0], rows)

    try:
        register = register_import(
            path=file,
            body_code=body,
            profile=profile,
            sheet=sheet,
            replace=replace,
            on_start=on_start,
            progress=on_rows,
        )
    except RegisterRejected as exc:
        progress.stop()
        if errors_csv is not None and exc.errors:
            write_errors_csv(exc.errors, errors_csv)
        if as_json:
            _print_json(
                {
                    "error": exc.message,
                    "errors": [e.as_dict() for e in exc.errors],
                    "problems": exc.total,
                    "unmapped_columns": list(exc.unmapped),
                }
            )
        else:
            err.print(f"[red]{exc.message}[/red]")
            if exc.errors:
                table = Table("line", "column", "value", "reason", title="Problems")
                for e in exc.errors:
                    table.add_row(str(e.line), e.column, e.value, e.reason)
                err.print(table)
            if errors_csv is not None and exc.errors:
                err.print(f"Every problem is listed in {errors_csv}")
        raise typer.Exit(EXIT_REJECTED) from exc
    progress.stop()
    result = {
        "register_id": register.pk,
        "body": register.body.code,
        "rows": register.rows,
        "sha256": register.sha256,
        "unmapped_columns": register.unmapped_columns,
    }
    if as_json:
        _print_json(result)
        return
    out.print(f"Imported register {register.pk} for {register.body.code}: {register.rows:,} cases")
    out.print(f"SHA-256 {register.sha256}")
    if register.unmapped_columns:
        out.print(
            f"Columns dropped (not in the register schema): {', '.join(register.unmapped_columns)}"
        )


@app.command("registers")
def registers(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List imported registers."""
    _django()
    from casereview.web.registers.models import Register

    rows = [
        {
            "id": r.pk,
            "body": r.body.code,
            "rows": r.rows,
            "sha256": r.sha256,
            "imported_at": r.imported_at.isoformat(),
            "filename": r.filename,
            "state": r.state,
        }
        for r in Register.objects.select_related("body").order_by("id")
    ]
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "body", "rows", "imported_at", "state", "sha256")
    for r in rows:
        table.add_row(
            str(r["id"]),
            str(r["body"]),
            f"{r['rows']:,}",
            str(r["imported_at"]),
            str(r["state"]),
            str(r["sha256"]),
        )
    out.print(table)


def _register_or_exit(register_id: int) -> Any:
    from casereview.web.registers.models import Register

    register = Register.objects.filter(pk=register_id).first()
    if register is None:
        err.print(f"[red]No register {register_id}[/red]")
        raise typer.Exit(EXIT_REJECTED)
    return register


@app.command("export-register")
def export_register(
    register_id: Annotated[int, typer.Argument(metavar="ID")],
    csv_path: Annotated[Path, typer.Option("--csv", help="Where to write the CSV")],
    recipient: Annotated[str, typer.Option(help="Who the export is for (journaled)")] = "",
    reason: Annotated[str, typer.Option(help="Why, as a short code (journaled)")] = "export",
) -> None:
    """Write a register's stored cases in the canonical columns (pseudonyms; never summary)."""
    _django()
    from casereview.web.registers.services import ExportFailed, register_export

    register = _register_or_exit(register_id)
    try:
        rows = register_export(register=register, path=csv_path, recipient=recipient, reason=reason)
    except ExportFailed as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    out.print(f"Wrote {rows:,} cases to {csv_path}")


@app.command("backup")
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
    _django()
    from casereview.web.core.backup import BackupError
    from casereview.web.core.backup import backup as make_backup

    with _refused_on(BackupError):
        manifest = make_backup(path)
    summary = {
        "file": str(path),
        "sha256": manifest["file_sha256"],
        "tables": len(manifest["tables"]),
        "rows": sum(t["rows"] for t in manifest["tables"].values()),
        "journal_head": manifest["journal_head"],
    }
    if as_json:
        _print_json(summary)
    else:
        out.print(
            f"Backed up {summary['rows']:,} rows in {summary['tables']} tables to {path} (SHA-256 {manifest['file_sha256'][:12]}…)"
        )


@app.command("restore")
def restore(
    path: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help="A file written by `casereview backup`"),
    ],
) -> None:
    """Restore a backup into the configured, empty database, then check migrations, every table's count and
    checksum, and the journal chain against the backup's manifest.  Prints JSON; exit 1 when a check fails."""
    _django()
    from casereview.web.core.backup import BackupError
    from casereview.web.core.backup import restore as do_restore

    with _refused_on(BackupError):
        result = do_restore(path)
    _print_json(result)
    if not result["ok"]:
        raise typer.Exit(1)


@app.command("purge")
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
    _django()
    from casereview.web.registers.services import error_reports_purge, registers_purge_due

    purged = registers_purge_due()
    error_reports = (
        error_reports_purge()
    )  # refused uploads' error CSVs past CASEREVIEW_ERROR_REPORT_HOURS
    if as_json:
        _print_json({"purged": purged, "error_reports_deleted": error_reports})
        return
    out.print(
        f"Purged {len(purged)} register(s); {sum(p['cases_erased'] for p in purged):,} cases erased; "
        f"{error_reports} error report(s) of refused uploads deleted"
    )


@app.command("register-retention")
def register_retention(
    register_id: Annotated[int, typer.Argument(metavar="ID")],
    until: Annotated[
        str, typer.Option("--until", help="Keep the cases until this day, dd/mm/yyyy")
    ],
) -> None:
    """Change how long a register's cases are kept."""
    _django()
    from casereview.web.registers.services import register_retention_set

    register = _register_or_exit(register_id)
    day = _date(until)
    register_retention_set(register=register, until=day)
    out.print(f"Register {register_id} is kept until {day:%d/%m/%Y}")


@app.command("demo-register")
def demo_register(
    rows: Annotated[int, typer.Option(min=1, help="How many cases")],
    seed: Annotated[int, typer.Option(help="The same seed gives the same file")],
    out_path: Annotated[Path, typer.Option("--out", help="CSV file to write")],
) -> None:
    """Write a synthetic register (no real data) to a CSV file."""
    from casereview.synthetic import write_register_file

    write_register_file(out_path, rows=rows, seed=seed)
    out.print(f"Wrote {rows:,} synthetic cases to {out_path}")


@app.command("demo-load")
def demo_load(rows: Annotated[int, typer.Option(help="Cases in the demo register")] = 5000) -> None:
    """Load the synthetic demo once: users for every role, a body, a published earlier quarter, a baseline, and the
    current quarter part-way through (reviews, a moderation disagreement, an open and an overdue send back)."""
    _django()
    from django.conf import settings

    from casereview.demo import DEMO_USERS, load_demo

    var = Path(settings.VAR_DIR)
    made = load_demo(var, rows=rows)
    out.print(
        "[bold]Demo data loaded (all synthetic).[/bold] Sign in at http://127.0.0.1:8000/ as:"
    )
    for username, role in DEMO_USERS:
        out.print(f"  {username:<11} ({role})")
    out.print(
        f"  password for every demo user: [bold]{made['password']}[/bold]  (also in {var / 'demo-credentials.txt'})"
    )
    out.print("  second step: the code printed by `.venv/bin/casereview demo-code USERNAME`")


@journal_app.command("verify")
def journal_verify(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    anchor: Annotated[
        list[str] | None,
        typer.Option(
            "--anchor",
            help="An anchor file kept outside the database (one line per anchor, as `journal anchor` "
            "prints it), or one printed anchor; repeatable",
        ),
    ] = None,
) -> None:
    """Recompute the hash chain, check there are no gaps, that the stored anchors are signed and chained, and
    that the chain matches them; with --anchor, that each anchor kept outside is in the database and matched.
    Without --anchor, the anchor file CASEREVIEW_JOURNAL_ANCHOR_FILE names (when set and present) is used.

    Exit status 1 and the first break (naming the anchor) when it does not; 2 when --anchor holds no anchor.
    """
    from casereview.domain.journal import parse_anchor_lines

    _django()
    from django.conf import settings

    configured = str(getattr(settings, "CASEREVIEW_JOURNAL_ANCHOR_FILE", "") or "")
    if not anchor and configured and Path(configured).is_file():
        anchor = [configured]  # the deployment's own outside witness, unless others are named
    external = []
    for given in anchor or []:
        path = Path(given)
        try:
            is_file = path.is_file()
        except OSError:  # a printed anchor is no file name (too long for one)
            is_file = False
        try:
            text = path.read_text(encoding="utf-8") if is_file else given
            external.extend(parse_anchor_lines(text))
        except (OSError, UnicodeDecodeError, ValueError) as problem:
            err.print(f"[red]--anchor {given[:80]!r}: {problem}[/red]")
            raise typer.Exit(EXIT_REJECTED) from None
    from casereview.web.journal.services import journal_verify as verify

    broken = verify(external=external)
    if as_json:
        _print_json(
            {
                "ok": broken is None,
                "break": None if broken is None else broken.__dict__,
                "outside_anchors": len(external),
            }
        )
    elif broken is None:
        out.print(
            "Journal chain intact"
            + (
                f", and it reaches and matches {len(external)} anchor(s) kept outside"
                if external
                else ""
            )
        )
    else:
        err.print(f"[red]Journal broken at entry {broken.seq}: {broken.reason}[/red]")
    if broken is not None:
        raise typer.Exit(1)


@journal_app.command("anchor")
def journal_anchor(
    out_path: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Append the anchor's line to this file (created when missing; flushed and fsynced)",
        ),
    ] = None,
    as_line: Annotated[
        bool, typer.Option("--line", help="Print the anchor's line instead of JSON")
    ] = False,
) -> None:
    """Sign the chain's current head (key: CASEREVIEW_JOURNAL_ANCHOR_KEY), chained to the last anchor; store it and
    print it as JSON {"seq", "digest", "signature", "previous", "at", "line"}; keep that outside the database."""
    _django()
    from casereview.web.journal.services import anchor_file_append, journal_anchor_line
    from casereview.web.journal.services import journal_anchor as anchor

    made = anchor()
    line = journal_anchor_line(made)
    if out_path is not None:
        anchor_file_append(path=out_path, line=line)
    if as_line:
        print(line)
    else:
        _print_json(
            {
                "seq": made.seq,
                "digest": made.digest,
                "signature": made.signature,
                "previous": made.previous,
                "at": made.at.isoformat(),
                "line": line,
            }
        )


@journal_app.command("export")
def journal_export(
    start: Annotated[str, typer.Option("--from", help="First day, dd/mm/yyyy or yyyy-mm-dd")],
    end: Annotated[str, typer.Option("--to", help="Last day, dd/mm/yyyy or yyyy-mm-dd")],
    user: Annotated[str, typer.Option(help="The administrator asking (journaled)")],
    out_path: Annotated[Path, typer.Option("--out", help="CSV file to write")] = Path(
        "journal.csv"
    ),
    purpose: Annotated[
        str, typer.Option(help="Why: regulator_request, subject_access, internal_audit, incident")
    ] = "regulator_request",
) -> None:
    """Write the journal between two dates for a regulator's request (administrators only)."""
    _django()
    from django.contrib.auth import get_user_model

    from casereview.domain.roles import Role
    from casereview.web.accounts.services import has_any_role
    from casereview.web.journal.services import journal_export as export

    admin = get_user_model().objects.filter(username=user, is_active=True).first()
    if admin is None or not has_any_role(admin, {Role.ADMINISTRATOR}):
        err.print(
            f"[red]{user!r} is not an active administrator; only administrators may read the journal[/red]"
        )
        raise typer.Exit(EXIT_REJECTED)
    rows = export(start=_date(start), end=_date(end), path=out_path, actor=admin, purpose=purpose)
    out.print(f"Wrote {rows:,} journal entries to {out_path}")


def _date(text: str) -> Any:
    import datetime as dt

    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007  (a calendar date, no time)
        except ValueError:
            continue
    err.print(f"[red]{text!r} is not a date; use dd/mm/yyyy[/red]")
    raise typer.Exit(EXIT_REJECTED)


@user_app.command("deactivate")
def user_deactivate(username: str) -> None:
    """Deactivate a user and end all their sessions."""
    _django()
    from casereview.web.accounts.services import AccountError
    from casereview.web.accounts.services import user_deactivate as deactivate

    with _refused_on(AccountError):
        ended = deactivate(username=username)
    out.print(f"Deactivated {username}; {ended} session(s) ended")


@user_app.command("unlock")
def user_unlock(username: str) -> None:
    """Lift every sign-in lock that blocks a username, including the address locks its failures helped make."""
    _django()
    from casereview.web.accounts.services import user_unlock as unlock

    cleared, addresses = unlock(username=username)
    out.print(
        f"Unlocked {username} ({cleared} failed attempt record(s) cleared)"
        + (f"; address(es) unlocked too: {', '.join(addresses)}" if addresses else "")
    )


@user_app.command("unlock-address")
def user_unlock_address(address: str) -> None:
    """Lift a sign-in lock-out on an IP address (clears the failed sign-ins recorded from it)."""
    _django()
    from casereview.web.accounts.services import AccountError, address_unlock

    with _refused_on(AccountError):
        cleared = address_unlock(address=address)
    out.print(f"Unlocked {address} ({cleared} failed attempt record(s) cleared)")


@user_app.command("reactivate")
def user_reactivate(username: str) -> None:
    """Let a deactivated user sign in again."""
    _django()
    from casereview.web.accounts.services import AccountError
    from casereview.web.accounts.services import user_reactivate as reactivate

    with _refused_on(AccountError):
        reactivate(username=username)
    out.print(f"{username} can sign in again")


@user_app.command("role")
def user_role(
    username: str,
    role: str,
    body: Annotated[
        str, typer.Option(help="For a liaison officer: the code of the body they work for")
    ] = "",
) -> None:
    """Give a user another role (a liaison officer with their body)."""
    _django()
    from casereview.web.accounts.services import AccountError, user_role_change

    with _refused_on(AccountError):
        user_role_change(username=username, role=role, body_code=body)
    out.print(f"{username} is now {role}" + (f" for {body}" if body else ""))


@user_app.command("reset-second-factor")
def user_reset_second_factor(username: str) -> None:
    """Remove a user's authenticator and recovery codes and end their sessions; they enrol again at next sign-in."""
    _django()
    from casereview.web.accounts.services import AccountError, user_second_factor_reset

    with _refused_on(AccountError):
        ended = user_second_factor_reset(username=username)
    out.print(
        f"{username}'s second factor is reset; {ended} session(s) ended; they set it up again at next sign-in"
    )


@app.command("demo-code")
def demo_code(username: str) -> None:
    """Print the current authenticator code of a demo user (reads ./var/demo-totp.json only)."""
    _django()
    from django.conf import settings
    from django_otp.oath import TOTP

    path = Path(settings.VAR_DIR) / "demo-totp.json"
    keys = json.loads(path.read_text()) if path.exists() else {}
    if username not in keys:
        err.print(f"[red]{username!r} is not a demo user of this installation[/red]")
        raise typer.Exit(EXIT_REJECTED)
    out.print(f"{TOTP(bytes.fromhex(keys[username])).token():06d}")


@inspection_app.command("create")
def inspection_create(
    body: Annotated[str, typer.Option(help="Code of the inspected body")],
    name: Annotated[str, typer.Option(help="Name of the inspection")],
    period_start: Annotated[str, typer.Option(help="First day of the period, dd/mm/yyyy")],
    period_end: Annotated[str, typer.Option(help="Last day of the period, dd/mm/yyyy")],
    framework: Annotated[str, typer.Option(help="Framework id and version")] = "child-protection/1",
    lead: Annotated[str | None, typer.Option(help="Username of the lead inspector")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Open an inspection of a body for a period."""
    _django()
    from django.contrib.auth import get_user_model

    from casereview.web.inspections.services import InspectionError
    from casereview.web.inspections.services import inspection_create as create

    lead_user = None
    if lead is not None:
        lead_user = get_user_model().objects.filter(username=lead).first()
        if lead_user is None:
            err.print(f"[red]No user called {lead!r}[/red]")
            raise typer.Exit(EXIT_REJECTED)
    with _refused_on(InspectionError):
        made = create(
            body_code=body,
            name=name,
            period_start=_date(period_start),
            period_end=_date(period_end),
            framework=framework,
            lead=lead_user,
        )
    result = {
        "inspection_id": made.pk,
        "body": made.body.code,
        "name": made.name,
        "period_start": made.period_start.isoformat(),
        "period_end": made.period_end.isoformat(),
        "framework": made.framework,
    }
    if as_json:
        _print_json(result)
    else:
        out.print(f"Opened inspection {made.pk}: {made.name}")


def _inspection_or_exit(inspection_id: int) -> Any:
    from casereview.web.inspections.models import Inspection

    found = Inspection.objects.select_related("body").filter(pk=inspection_id).first()
    if found is None:
        err.print(f"[red]No inspection {inspection_id}[/red]")
        raise typer.Exit(EXIT_REJECTED)
    return found


@seed_app.command("commit")
def seed_commit(
    inspection: Annotated[int, typer.Option(help="Inspection id")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Generate the inspection's secret 256-bit seed and publish only its SHA-256."""
    _django()
    from casereview.web.inspections.services import InspectionError
    from casereview.web.inspections.services import seed_commit as commit

    with _refused_on(InspectionError):
        commitment = commit(inspection=_inspection_or_exit(inspection))
    if as_json:
        _print_json({"commitment": commitment})
    else:
        out.print(f"Commitment (SHA-256 of the seed): {commitment}")


@app.command("sample-size")
def sample_size(
    margin: Annotated[float, typer.Option(help="Margin of error, e.g. 0.05 for ±5 points")],
    confidence: Annotated[float, typer.Option(help="Confidence, e.g. 0.95")] = 0.95,
    proportion: Annotated[float, typer.Option(help="Expected share, 0.5 if unknown")] = 0.5,
    population: Annotated[
        int | None, typer.Option(help="Frame size N (finite population correction)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The sample size for a share: n = z²·N·p(1−p) / (E²·N + z²·p(1−p)), rounded up."""
    from casereview.domain.sampling import PlanError, z_for
    from casereview.domain.sampling import sample_size as size_for

    with _refused_on(PlanError):
        n = size_for(
            margin=margin, confidence=confidence, proportion=proportion, population=population
        )
    if as_json:
        _print_json(
            {
                "size": n,
                "margin": margin,
                "confidence": confidence,
                "proportion": proportion,
                "population": population,
                "z": z_for(confidence),
            }
        )
    else:
        out.print(str(n))


@sample_app.command("draw")
def sample_draw(
    inspection: Annotated[int, typer.Option(help="Inspection id")],
    register: Annotated[int, typer.Option(help="Register id")],
    plan: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Sample plan (TOML)")],
    allow_late_commitment: Annotated[
        bool, typer.Option(help="Draw from a register imported before the commitment")
    ] = False,
    manifest_path: Annotated[
        Path | None, typer.Option("--manifest", help="Also write the manifest to this file")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Draw the sample with the committed seed, reveal the seed and print the manifest."""
    _django()
    from casereview.domain.sampling import PlanError, parse_plan
    from casereview.web.inspections.services import InspectionError
    from casereview.web.inspections.services import sample_draw as draw_sample

    with _refused_on(PlanError, InspectionError):
        sample = draw_sample(
            inspection=_inspection_or_exit(inspection),
            register=_register_or_exit(register),
            plan=parse_plan(plan.read_text(encoding="utf-8")),
            allow_late_commitment=allow_late_commitment,
        )
    text = json.dumps(sample.manifest, indent=2, ensure_ascii=False)
    if manifest_path is not None:
        manifest_path.write_text(text + "\n", encoding="utf-8")
    if as_json:
        sys.stdout.write(text + "\n")
        return
    for stratum in sample.manifest["strata"]:
        note = (
            f" (short by {stratum['short']}: the stratum has only {stratum['frame_size']})"
            if stratum["short"]
            else ""
        )
        out.print(f"{stratum['label']}: {stratum['allocated']} of {stratum['frame_size']}{note}")
    out.print(f"Seed revealed: {sample.manifest['seed']}")


@app.command("links")
def links(
    inspection: Annotated[int, typer.Argument(help="Inspection id")],
    recompute: Annotated[
        bool, typer.Option("--recompute", help="Compute again with the thresholds in settings now")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help="text or json")] = "text",
) -> None:
    """Links between the inspection's sampled cases and its register: counts and the thresholds used.

    Computed after every draw; --recompute computes them again (after a change of thresholds).  Prints
    counts only, never a pseudonym, a place or a case reference.
    """
    _django()
    from casereview.domain.links import LinkRules, LinkRulesError, count_related
    from casereview.web.inspections.links import (
        LinksUnavailable,
        case_link_counts,
        links_compute,
        links_for,
    )
    from casereview.web.inspections.models import Sample

    if fmt not in ("text", "json"):
        err.print("--format must be text or json")
        raise typer.Exit(EXIT_REJECTED)
    found = _inspection_or_exit(inspection)
    sample = Sample.objects.filter(inspection=found).select_related("register").first()
    if sample is None:
        err.print(f"Inspection {inspection} has no sample yet")
        raise typer.Exit(EXIT_REJECTED)
    with _refused_on(LinksUnavailable, LinkRulesError):
        stored = links_compute(sample=sample) if recompute else links_for(sample)
    if stored is None:
        err.print(
            f"Register {sample.register_id}'s case content was erased; its links were never computed"
        )
        raise typer.Exit(EXIT_REJECTED)
    related = case_link_counts(sample)
    with_related, by_kind = count_related(related, related)
    result = {
        "inspection": found.pk,
        "sample": sample.pk,
        "computed_at": stored.computed_at.isoformat(),
        "rules": stored.rules,
        "definitions": LinkRules.from_mapping(stored.rules).descriptions(),
        "sampled_cases": len(related),
        "sampled_cases_with_related": with_related,
        "sampled_cases_by_kind": by_kind,
        "register": stored.register_summary,
    }
    if fmt == "json":
        _print_json(result)
        return
    out.print(
        f"Links computed {result['computed_at']} for {result['sampled_cases']} sampled cases "
        f"({result['sampled_cases_with_related']} with related cases in the register)"
    )
    for key, value in result["register"].items():
        out.print(f"  {key.replace('_', ' ')}: {value}")
    for text in result["definitions"].values():
        out.print(f"  pattern: {text}")


@sample_app.command("verify")
def sample_verify(
    manifest_path: Annotated[Path, typer.Option("--manifest", exists=True, dir_okay=False)],
    register_file: Annotated[Path, typer.Option(exists=True, dir_okay=False)],
    profile: Annotated[str | None, typer.Option(help="Column-mapping profile")] = None,
    sheet: Annotated[str | None, typer.Option(help="Excel sheet")] = None,
) -> None:
    """Re-derive a sample from the raw register file: exit 0 "verified", or 1 and the first difference.

    Needs no database: anyone holding the file and the manifest can run it.
    """
    import tempfile

    from casereview.domain.registers import RegisterError
    from casereview.domain.sampling import verify_manifest
    from casereview.importing.pipeline import RegisterFileInvalid, read_cases
    from casereview.importing.profiles import load_profile
    from casereview.importing.readers import Limits, inspect_file, open_reader

    try:
        document = json.loads(manifest_path.read_text(encoding="utf-8"))
        limits = Limits(
            max_bytes=1 << 40, max_xlsx_uncompressed_bytes=1 << 34, max_xlsx_entries=10_000
        )
        source = inspect_file(register_file, limits=limits)
        with (
            tempfile.TemporaryDirectory() as tmp,
            open_reader(source, sheet=sheet, tmp_dir=Path(tmp)) as reader,
        ):
            cases = read_cases(
                reader,
                profile=load_profile(profile),
                batch_rows=200_000,
                columns=(
                    "case_ref",
                    "category",
                    "reported_on",
                    "unit",
                    "risk_level",
                    "status",
                    "outcome",
                    "child_age",
                ),
            )
    except (RegisterError, json.JSONDecodeError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    except RegisterFileInvalid as exc:
        err.print(
            f"[red]The register file has {len(exc.errors)} problem(s); first: line {exc.errors[0].line}: {exc.errors[0].reason}[/red]"
        )
        raise typer.Exit(1) from exc
    difference = verify_manifest(document, cases=cases, register_sha256=source.sha256)
    if difference is None:
        out.print("verified")
        return
    err.print(f"[red]not verified: {difference}[/red]")
    raise typer.Exit(1)


@sample_app.command("replace")
def sample_replace(
    inspection: Annotated[int, typer.Option(help="Inspection id")],
    case: Annotated[str, typer.Option(help="case_ref of the sampled case that is out of scope")],
    reason: Annotated[str, typer.Option(help="Why it is out of scope")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Mark a sampled case out of scope; the next reserve case of its stratum replaces it."""
    _django()
    from casereview.web.inspections.services import InspectionError
    from casereview.web.inspections.services import sample_replace as replace

    with _refused_on(InspectionError):
        replacement = replace(
            inspection=_inspection_or_exit(inspection), case_ref=case, reason=reason
        )
    if as_json:
        _print_json(
            {
                "out_of_scope": case,
                "replacement": replacement.case_ref,
                "stratum": replacement.stratum,
            }
        )
    else:
        out.print(
            f"{case} is out of scope; replaced by {replacement.case_ref} ({replacement.stratum})"
        )


@app.command("assign")
def assign(
    inspection: Annotated[int, typer.Option(help="Inspection id")],
    inspectors: Annotated[str, typer.Option(help="Usernames, comma-separated")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Share the sample's unassigned cases among inspectors, balanced, honouring declared conflicts."""
    _django()
    from django.contrib.auth import get_user_model

    from casereview.web.reviews.services import ReviewError, assignments_balance

    names = [n.strip() for n in inspectors.split(",") if n.strip()]
    users = list(get_user_model().objects.filter(username__in=names, is_active=True))
    missing = sorted(set(names) - {u.get_username() for u in users})
    if missing:
        err.print(f"[red]No active user called {', '.join(missing)}[/red]")
        raise typer.Exit(EXIT_REJECTED)
    with _refused_on(ReviewError):
        count = assignments_balance(inspection=_inspection_or_exit(inspection), inspectors=users)
    if as_json:
        _print_json({"assigned": count})
    else:
        out.print(f"Assigned {count} case(s)")


@app.command("import-reviews")
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
    _django()
    from casereview.web.registers.services import write_errors_csv
    from casereview.web.reviews.services import ReviewsRejected, reviews_import

    found = _inspection_or_exit(inspection)
    try:
        stored = reviews_import(
            inspection=found, path=file, register=_register_or_exit(register) if register else None
        )
    except ReviewsRejected as exc:
        if errors_csv is not None and exc.errors:
            write_errors_csv(exc.errors, errors_csv)
        if as_json:
            _print_json({"error": exc.message, "errors": [e.as_dict() for e in exc.errors]})
        else:
            err.print(f"[red]{exc.message}[/red]")
            for e in exc.errors:
                err.print(f"line {e.line}  {e.column}  {e.value}  {e.reason}")
        raise typer.Exit(EXIT_REJECTED) from exc
    if as_json:
        _print_json({"inspection_id": found.pk, "reviews": stored})
    else:
        out.print(f"Imported {stored} review(s) into inspection {found.pk}")


@app.command("move-case")
def move_case(
    inspection: Annotated[int, typer.Option(help="Inspection id")],
    case: Annotated[str, typer.Option(help="case_ref of the sampled case")],
    to: Annotated[str, typer.Option(help="Username of the inspector to receive it")],
    kind: Annotated[str, typer.Option(help="first or moderation")] = "first",
) -> None:
    """Move one assigned case to another inspector (refused across a declared conflict, or once submitted)."""
    _django()
    from django.contrib.auth import get_user_model

    from casereview.web.reviews.models import Assignment
    from casereview.web.reviews.services import ReviewError, assignment_move

    found = _inspection_or_exit(inspection)
    assignment = Assignment.objects.filter(
        sampled_case__sample__inspection=found, sampled_case__case_ref=case, kind=kind
    ).first()
    user = get_user_model().objects.filter(username=to, is_active=True).first()
    if assignment is None or user is None:
        err.print("[red]No such assigned case, or no such active user[/red]")
        raise typer.Exit(EXIT_REJECTED)
    with _refused_on(ReviewError):
        assignment_move(assignment=assignment, to=user)
    out.print(f"{case} ({kind}) now with {to}")


@conflict_app.command("declare")
def conflict_declare(
    inspector: Annotated[str, typer.Option(help="Username of the inspector")],
    body: Annotated[str, typer.Option(help="Code of the body")],
    unit: Annotated[str, typer.Option(help="The unit the inspector must not review")],
) -> None:
    """Declare a conflict of interest: the inspector never receives cases from this unit."""
    _django()
    from django.contrib.auth import get_user_model

    from casereview.web.registers.models import Body
    from casereview.web.reviews.services import conflict_declare as declare

    user = get_user_model().objects.filter(username=inspector).first()
    found = Body.objects.filter(code=body.strip().upper()).first()
    if user is None or found is None:
        err.print("[red]Unknown inspector or body[/red]")
        raise typer.Exit(EXIT_REJECTED)
    declare(inspector=user, body=found, unit=unit)
    out.print(f"{inspector} will not receive cases from {unit} ({found.code})")


@send_backs_app.command("escalate")
def send_backs_escalate(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Escalate every overdue send back once (safe to run daily), e-mail the lead and senior leads, list them."""
    _django()
    from casereview.web.referrals.services import sendbacks_escalate

    escalated = sendbacks_escalate()
    rows = [
        {
            "send_back_id": s.pk,
            "body": s.body.code,
            "urgency": s.urgency,
            "due_on": s.due_on.isoformat(),
            "inspection_id": s.inspection_id,
        }
        for s in escalated
    ]
    if as_json:
        _print_json({"escalated": rows})
    else:
        out.print(f"Escalated {len(rows)} overdue send back(s)")
        for r in rows:
            out.print(f"  {r['send_back_id']}  {r['body']}  {r['urgency']}  due {r['due_on']}")


@send_backs_app.command("list")
def send_backs_list(
    inspection: Annotated[
        int | None, typer.Option("--inspection", help="Only this inspection's send backs.")
    ] = None,
    state: Annotated[
        str | None,
        typer.Option(
            "--state",
            help="Only send backs in this state (opened, acknowledged, "
            "response_submitted, returned, escalated, closed), "
            "or 'open' for every state but closed.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List send backs, oldest first: the case, its urgency, state, due day and whether it is overdue."""
    _django()
    from casereview.domain.referrals import State
    from casereview.web.referrals.selectors import send_backs_listed

    if state is not None and state != "open" and state not in {s.value for s in State}:
        err.print(
            f"[red]Unknown state {state!r}: use open or one of {', '.join(s.value for s in State)}[/red]"
        )
        raise typer.Exit(EXIT_REJECTED)
    rows = send_backs_listed(inspection_id=inspection, state=state)
    if as_json:
        _print_json(rows)
        return
    out.print(f"{len(rows)} send back(s)")
    for r in rows:
        late = "  OVERDUE" if r["overdue"] else ""
        out.print(
            f"  {r['id']}  inspection {r['inspection_id']}  {r['case_ref']}  {r['urgency']}  {r['state']}  "
            f"due {r['due']}{late}"
        )


@baseline_app.command("add")
def baseline_add(
    body: Annotated[str, typer.Option(help="Code of the body")],
    label: Annotated[str, typer.Option(help="e.g. 'Inspection 2022 (published)'")],
    period_end: Annotated[str, typer.Option(help="Last day of the period, dd/mm/yyyy")],
    total: Annotated[int, typer.Option(help="Cases graded")],
    ri_or_inadequate: Annotated[
        int,
        typer.Option("--ri-or-inadequate", help="Cases graded requires improvement or inadequate"),
    ],
    good: Annotated[int | None, typer.Option(help="Cases graded good")] = None,
    requires_improvement: Annotated[
        int | None, typer.Option(help="Cases graded requires improvement")
    ] = None,
    inadequate: Annotated[int | None, typer.Option(help="Cases graded inadequate")] = None,
    weakness: Annotated[
        list[str] | None,
        typer.Option(help="CODE=CASES for a weakness the published result counted; repeat"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record a published result that predates casereview, for trends, comparisons and weakness recurrence."""
    _django()
    from casereview.web.reports.services import BaselineError
    from casereview.web.reports.services import baseline_add as add

    with _refused_on(BaselineError):
        made = add(
            body_code=body,
            label=label,
            period_end=_date(period_end),
            total=total,
            ri_or_inadequate=ri_or_inadequate,
            good=good,
            requires_improvement=requires_improvement,
            inadequate=inadequate,
            weaknesses=weakness,
        )
    if as_json:
        _print_json({"baseline_id": made.pk, "body": made.body.code, "label": made.label})
    else:
        out.print(f"Recorded baseline {made.pk} for {made.body.code}: {made.label}")


def _write_atomically(path: Path, content: bytes) -> None:
    """Write to PATH.part, then rename: an interrupted write never leaves a file that looks complete."""
    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_bytes(content)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        err.print(f"[red]Could not write {path}: {exc.strerror or exc}[/red]")
        raise typer.Exit(1) from exc


@app.command("report")
def report(
    inspection: Annotated[int, typer.Argument(metavar="INSPECTION")],
    fmt: Annotated[str, typer.Option("--format", help="json, html, pdf, csv or xlsx")] = "json",
    published: Annotated[
        bool,
        typer.Option(
            "--published",
            help="Suppress small numbers for publication; no case references, no free text",
        ),
    ] = False,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write to this file (needed for pdf and xlsx)")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Figures as of this day, dd/mm/yyyy (default today); give a report's as_of to regenerate it",
        ),
    ] = None,
    check: Annotated[
        Path | None,
        typer.Option(
            "--check",
            help="Regenerate and compare with this JSON report: exit 0 when the figures are the same, 1 when not",
        ),
    ] = None,
) -> None:
    """An inspection's report: grades with 95% Wilson intervals, breakdowns, trends, weaknesses, send backs, agreement."""
    _django()
    from casereview.domain.publication import published as publish
    from casereview.web.reports import rendering
    from casereview.web.reports.selectors import report_for
    from casereview.web.reports.services import report_disclosed

    if fmt not in rendering.FORMATS:
        err.print(f"[red]--format must be one of {', '.join(rendering.FORMATS)}[/red]")
        raise typer.Exit(EXIT_REJECTED)
    if fmt in ("pdf", "xlsx") and out_path is None and check is None:
        err.print(f"[red]--format {fmt} needs --out PATH[/red]")
        raise typer.Exit(EXIT_REJECTED)
    found = _inspection_or_exit(inspection)
    day = _date(as_of) if as_of else None
    if check is not None:
        try:
            earlier = json.loads(check.read_text(encoding="utf-8"))
            recorded = earlier["reproducibility"]
            day = day or _date(recorded["parameters"]["as_of"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            err.print(f"[red]{check} is not a casereview JSON report: {exc}[/red]")
            raise typer.Exit(EXIT_REJECTED) from exc
        data = report_for(found, as_of=day)
        if earlier.get("published"):
            data = publish(data)
        now = data["reproducibility"]
        same = now["figures_sha256"] == recorded.get("figures_sha256")
        _print_json(
            {
                "same_figures": same,
                "same_input": now["input_sha256"] == recorded.get("input_sha256"),
                "figures_sha256": now["figures_sha256"],
                "recorded_figures_sha256": recorded.get("figures_sha256"),
                "as_of": now["parameters"]["as_of"],
            }
        )
        raise typer.Exit(0 if same else 1)
    data = report_for(found, as_of=day)
    if published:
        data = publish(data)
    made = rendering.render(data, fmt)
    report_disclosed(
        actor=None,
        inspection_id=found.pk,
        fmt=fmt,
        published=published,
        actor_name="cli",
        figures_sha256=data["reproducibility"]["figures_sha256"],
    )
    if out_path is None:
        sys.stdout.write(made.content.decode("utf-8").lstrip("\ufeff"))
    else:
        _write_atomically(out_path, made.content)
        out.print(f"Wrote the {fmt} report to {out_path}")


@token_app.command("create")
def token_create(
    user: Annotated[str, typer.Option(help="Whose token: it reaches only what this user may")],
    name: Annotated[str, typer.Option(help="What will use it, e.g. 'MPS case system'")],
    scope: Annotated[
        list[str],
        typer.Option(help="read, register_upload or send_back_response; repeat for several"),
    ],
    days: Annotated[int, typer.Option(help="Days until it expires (1 to 366)")] = 90,
    rate: Annotated[
        int | None, typer.Option(help="Requests a minute (default CASEREVIEW_API_RATE_PER_MINUTE)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Make a personal access token for the API; it is printed once and stored only as a hash."""
    _django()
    from django.contrib.auth import get_user_model

    from casereview.web.api.services import TokenError
    from casereview.web.api.services import token_create as create

    found = get_user_model().objects.filter(username=user).first()
    if found is None:
        err.print(f"[red]No user {user!r}[/red]")
        raise typer.Exit(EXIT_REJECTED)
    with _refused_on(TokenError):
        issued = create(user=found, name=name, scopes=scope, days=days, rate_per_minute=rate)
    result = {
        "token_id": issued.token.pk,
        "token": issued.secret,
        "user": user,
        "scopes": issued.token.scopes,
        "expires_at": issued.token.expires_at.isoformat(),
        "rate_per_minute": issued.token.rate_per_minute,
    }
    if as_json:
        _print_json(result)
    else:
        out.print(
            f"Token {issued.token.pk} for {user} ({', '.join(issued.token.scopes)}), expires {issued.token.expires_at:%d/%m/%Y}."
        )
        out.print("Copy it now; it is not shown again:")
        sys.stdout.write(issued.secret + "\n")


@token_app.command("list")
def token_list(
    user: Annotated[str | None, typer.Option(help="Only this user's tokens")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """API tokens (never their secrets): owner, scopes, expiry, last use, revoked."""
    _django()
    from casereview.web.api.models import ApiToken

    found = ApiToken.objects.select_related("user").order_by("id")
    if user:
        found = found.filter(user__username=user)
    rows = [
        {
            "token_id": t.pk,
            "user": t.user.get_username(),
            "name": t.name,
            "key_id": t.key_id,
            "scopes": t.scopes,
            "expires_at": t.expires_at.isoformat(),
            "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
            "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
        }
        for t in found
    ]
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "user", "name", "scopes", "expires", "last used", "revoked")
    for r in rows:
        table.add_row(
            str(r["token_id"]),
            str(r["user"]),
            str(r["name"]),
            ", ".join(r["scopes"]),
            str(r["expires_at"])[:10],
            str(r["last_used_at"] or "never")[:16],
            str(r["revoked_at"] or "")[:10],
        )
    out.print(table)


@token_app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Revoke a token at once; a revoked token is refused from its next request."""
    _django()
    from casereview.web.api.models import ApiToken
    from casereview.web.api.services import token_revoke as revoke

    found = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if found is None:
        err.print(f"[red]No token {token_id}[/red]")
        raise typer.Exit(EXIT_REJECTED)
    revoke(token=found)
    out.print(f"Token {token_id} of {found.user.get_username()} is revoked")


@app.command("openapi")
def openapi(
    out_path: Annotated[
        Path | None,
        typer.Option("--out", help="Write to this file (docs/openapi.json is kept in step)"),
    ] = None,
) -> None:
    """The API's OpenAPI 3 description, as served at /api/v1/openapi.json."""
    _django()
    from casereview.web.api.api import api

    text = (
        json.dumps(api.get_openapi_schema(path_prefix="/api/v1"), indent=2, ensure_ascii=False)
        + "\n"
    )
    if out_path is None:
        sys.stdout.write(text)
    else:
        _write_atomically(out_path, text.encode("utf-8"))
        out.print(f"Wrote the OpenAPI description to {out_path}")


@app.command("trend")
def trend(
    body: Annotated[
        list[str] | None,
        typer.Option(help="Only this body (repeat for several); default every body"),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="json or csv")] = "json",
    out_path: Annotated[Path | None, typer.Option("--out", help="Write to this file")] = None,
) -> None:
    """The national trend: each body's share requires improvement or inadequate per inspection, and every quarter's national estimate."""
    _django()
    from casereview.web.reports.rendering import csv_text
    from casereview.web.reports.selectors import national_trend

    if fmt not in ("json", "csv"):
        err.print("[red]--format must be json or csv[/red]")
        raise typer.Exit(EXIT_REJECTED)
    data = national_trend([b.strip().upper() for b in body] if body else None)
    if fmt == "json":
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    else:
        rows = [
            ("national", q["period_end"], key, q[key])
            for q in data["quarters"]
            for key in ("bodies", "reviews", "share", "ci_low", "ci_high")
        ]
        for b in data["bodies"]:
            for point in b["series"]:
                rows += [
                    (b["body"], point["period_end"], key, point[key])
                    for key in ("reviews", "count", "share", "ci_low", "ci_high")
                ]
                if point.get("change_from_previous"):
                    rows.append(
                        (
                            b["body"],
                            point["period_end"],
                            "direction",
                            point["change_from_previous"]["direction"],
                        )
                    )
        text = csv_text(rows)
    if out_path is None:
        sys.stdout.write(text)
    else:
        _write_atomically(out_path, text.encode("utf-8"))
        out.print(f"Wrote the national trend to {out_path}")


@framework_app.command("validate")
def framework_validate(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Check a framework file and report every problem (exit 2 if there are any)."""
    from casereview.domain.framework import FrameworkError
    from casereview.importing.frameworks import validate_framework_file

    try:
        framework = validate_framework_file(file)
    except FrameworkError as exc:
        if as_json:
            _print_json({"ok": False, "error": str(exc)})
        else:
            err.print(f"[red]{exc}[/red]")
        raise typer.Exit(EXIT_REJECTED) from exc
    summary = {
        "ok": True,
        "framework": framework.ref,
        "areas": len(framework.areas),
        "grades": list(framework.grade_codes),
        "weaknesses": len(framework.weaknesses),
    }
    if as_json:
        _print_json(summary)
    else:
        out.print(
            f"{file}: framework {framework.ref} is valid ({len(framework.areas)} areas, {len(framework.weaknesses)} weakness codes)"
        )


@framework_app.command("list")
def framework_list() -> None:
    """List the shipped frameworks (id/version)."""
    from casereview.importing.frameworks import shipped_frameworks

    for ref in shipped_frameworks():
        out.print(ref)


# E-mail notifications: the outbox (docs/deployment.md) ------------------------------------------------------------

notify_app = typer.Typer(
    help="E-mail notifications: send what the outbox owes, list what is not delivered.",
    no_args_is_help=True,
)
app.add_typer(notify_app, name="notify")


@notify_app.command("send")
def notify_send(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Send every due message in the outbox; a failed try waits 1, 2, 4 ... minutes. Safe to run every minute."""
    _django()
    from casereview.web.notifications.services import notify_send as send

    result = send()
    if as_json:
        _print_json({"sent": result.sent, "failed": result.failed, "pending": result.pending})
    else:
        out.print(f"Sent {result.sent}, failed {result.failed}, pending {result.pending}")


@notify_app.command("list")
def notify_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Messages not delivered: failed ones, then pending ones by their next try (never their content)."""
    _django()
    from casereview.web.notifications.selectors import outbox_unsent

    rows = [
        {
            "id": m.pk,
            "event": m.event,
            "recipient": m.recipient,
            "state": m.state,
            "attempts": m.attempts,
            "next_attempt_at": m.next_attempt_at.isoformat() if m.state == "pending" else None,
            "last_error": m.last_error,
            "created_at": m.created_at.isoformat(),
        }
        for m in outbox_unsent()
    ]
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "state", "event", "to", "tries", "next try", "last error")
    for r in rows:
        table.add_row(
            str(r["id"]),
            str(r["state"]),
            str(r["event"]),
            str(r["recipient"]),
            str(r["attempts"]),
            str(r["next_attempt_at"] or "")[:16],
            str(r["last_error"]),
        )
    out.print(table)


@notify_app.command("retry")
def notify_retry(
    ids: Annotated[
        list[int] | None, typer.Argument(metavar="[ID]...", help="Failed messages to send again")
    ] = None,
    all_failed: Annotated[bool, typer.Option("--all-failed", help="Every failed message")] = False,
) -> None:
    """Make failed messages pending again, with a fresh count of tries; the next `notify send` sends them."""
    if not ids and not all_failed:
        err.print(
            "[red]Give the ids of failed messages (see `casereview notify list`), or --all-failed[/red]"
        )
        raise typer.Exit(EXIT_REJECTED)
    _django()
    from casereview.web.notifications.services import notification_retry

    count = notification_retry(ids=None if all_failed else ids)
    out.print(f"{count} failed message(s) will be sent at the next `casereview notify send`")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
