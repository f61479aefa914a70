"""Every write to bodies, registers and cases: one transaction, one journal entry."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from casereview.domain.errors import Refused
from casereview.domain.journal import JournalAction, Operation
from casereview.domain.language import Phrase, gettext_lazy, ngettext_lazy
from casereview.domain.pseudonyms import derive_key
from casereview.domain.register_rows import DateRange
from casereview.domain.registers import (
    EXPORT_COLUMNS,
    STORED_COLUMNS,
    Profile,
    RegisterError,
    RowError,
)
from casereview.domain.retention import default_retain_until
from casereview.importing.checkpoints import checkpoint
from casereview.importing.limits import Limits
from casereview.importing.loaders import PostgresCopy, Sink, SqliteInsert, SqliteStaging
from casereview.importing.pipeline import ImportOutcome, run_import
from casereview.importing.profiles import load_profile
from casereview.importing.readers import open_reader
from casereview.importing.sources import SourceFile, inspect_file
from casereview.web.core.exports import csv_writer, write_frame_csv
from casereview.web.core.phrases import message_of
from casereview.web.core.users import User, person
from casereview.web.journal.services import journal_record

from .models import Body, Case, Register
from .selectors import body_by_code


class RegisterRejected(Refused):
    """A register file was refused; ``errors`` lists every bad row.

    ``message`` is the English the command line and the API give; the exception's own argument may be a
    Phrase, which the upload page shows in its reader's language (``refusal_words``)."""

    def __init__(
        self,
        message: str | Phrase,
        errors: list[RowError] | None = None,
        unmapped: tuple[str, ...] = (),
        kind: str = "invalid_file",
        total: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = str(message)
        #: bounded: the first errors of each column and kind, then "and N more" lines (line 0)
        self.errors = errors or []
        self.total = total if total is not None else len(self.errors)
        self.unmapped = unmapped
        #: unknown_body, invalid_file (unreadable, wrong type, too big), duplicate, or bad_rows
        self.kind = kind


class _Rollback(Exception):
    pass


def _words_of(exc: RegisterError) -> str | Phrase:
    """A file refusal's words as the reader made them: a Phrase stays one, for the page to translate."""
    words = message_of(exc)
    return words if isinstance(words, Phrase) else str(words)


def body_add(
    *, code: str, name: str, actor: User | None = None, now: dt.datetime | None = None
) -> Body:
    code = code.strip().upper()
    body = Body(code=code, name=name.strip(), created_at=now or timezone.now())
    try:
        body.full_clean()
    except ValidationError as exc:
        messages = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        raise RegisterError(
            gettext_lazy(
                "Cannot add body %(code)s: %(problems)s", code=repr(code), problems=messages
            )
        ) from exc
    with transaction.atomic():
        body.save()
        journal_record(
            actor=actor,
            operation=Operation.ADMINISTRATION,
            action=JournalAction.BODY_ADD,
            object_type="body",
            object_id=body.code,
            detail={"name": body.name},
            at=now,
        )
    return body


def import_limits() -> Limits:
    return Limits(
        max_bytes=settings.CASEREVIEW_MAX_REGISTER_BYTES,
        max_xlsx_uncompressed_bytes=settings.CASEREVIEW_MAX_XLSX_UNCOMPRESSED_BYTES,
        max_xlsx_entries=settings.CASEREVIEW_MAX_XLSX_ENTRIES,
        max_xlsx_part_bytes=settings.CASEREVIEW_MAX_XLSX_PART_BYTES,
        max_cell_chars=settings.CASEREVIEW_MAX_CELL_CHARS,
        max_xlsx_shared_strings_chars=settings.CASEREVIEW_MAX_XLSX_SHARED_STRINGS_CHARS,
        max_xlsx_other_part_bytes=settings.CASEREVIEW_MAX_XLSX_OTHER_PART_BYTES,
        max_rows=settings.CASEREVIEW_MAX_IMPORT_ROWS,
        max_columns=settings.CASEREVIEW_MAX_IMPORT_COLUMNS,
        max_seconds=settings.CASEREVIEW_MAX_IMPORT_SECONDS,
    )


@dataclass
class ImportStarted:
    """What an importer is told before the rows are read (for progress bars)."""

    filename: str
    size: int
    line_count: int


@dataclass
class _Job:
    source: SourceFile
    body: Body
    profile: Profile
    key: bytes | None
    sheet: str | None
    replace: bool
    actor: User | None
    tmp_dir: Path
    progress: Callable[[int], None] | None
    #: When the import happens (the real clock unless the caller dates it, as the demo does).
    now: dt.datetime | None = None


def _refuse_duplicate(body: Body, source: SourceFile) -> None:
    """The same file imported for the body before is refused unless the import says ``replace``."""
    existing = Register.objects.filter(
        body=body, sha256=source.sha256, state=Register.State.LOCKED
    ).first()
    if existing is not None:
        raise RegisterRejected(
            gettext_lazy(
                "This file (SHA-256 %(sha)s…) was already imported for %(body)s as register "
                "%(register)s on %(when)s; use --replace to import it again",
                sha=source.sha256[:12],
                body=body.code,
                register=existing.pk,
                when=f"{timezone.localtime(existing.imported_at):%d/%m/%Y %H:%M}",
            ),
            kind="duplicate",
        )


def register_import(
    *,
    path: Path,
    body_code: str,
    actor: User | None = None,
    filename: str | None = None,
    profile: str | None = None,
    sheet: str | None = None,
    replace: bool = False,
    on_start: Callable[[ImportStarted], None] | None = None,
    progress: Callable[[int], None] | None = None,
    now: dt.datetime | None = None,
) -> Register:
    """Import a register file for a body, all or nothing.

    Raises ``RegisterRejected`` (nothing stored) with every bad row listed.
    """
    body = body_by_code(body_code)
    if body is None:
        raise RegisterRejected(
            gettext_lazy(
                "No inspected body with code %(code)s; add it first with `casereview body add`",
                code=repr(body_code),
            ),
            kind="unknown_body",
        )
    try:
        mapping_profile = load_profile(profile)
        source = inspect_file(path, filename=filename, limits=import_limits())
    except RegisterError as exc:
        _journal_refusal(actor, body, filename or path.name, str(exc), 0)
        raise RegisterRejected(_words_of(exc)) from exc
    if not replace:
        _refuse_duplicate(body, source)
    secret = settings.CASEREVIEW_PSEUDONYM_KEY
    if on_start is not None:
        on_start(ImportStarted(source.filename, source.size, source.line_count))
    job = _Job(
        source=source,
        body=body,
        profile=mapping_profile,
        key=derive_key(secret) if secret else None,
        sheet=sheet,
        replace=replace,
        actor=actor,
        tmp_dir=Path(settings.VAR_DIR) / "tmp",
        progress=progress,
        now=now,
    )
    job.tmp_dir.mkdir(parents=True, exist_ok=True)
    try:
        if connection.vendor not in ("postgresql", "sqlite"):
            raise RegisterError(
                f"Register import does not support the {connection.vendor} database"
            )
        if connection.vendor == "sqlite" and not connection.in_atomic_block:
            return _import_staged(job)
        return _import_in_transaction(job)
    except RegisterError as exc:
        _journal_refusal(actor, body, source.filename, str(exc), 0)
        raise RegisterRejected(_words_of(exc)) from exc


def _run(job: _Job, sink: Sink) -> ImportOutcome:
    with open_reader(job.source, sheet=job.sheet, tmp_dir=job.tmp_dir) as reader:
        return run_import(
            reader,
            profile=job.profile,
            key=job.key,
            sink=sink,
            batch_rows=settings.CASEREVIEW_IMPORT_BATCH_ROWS,
            progress=job.progress,
            max_errors_per_kind=settings.CASEREVIEW_MAX_ERRORS_PER_KIND,
            dates=DateRange.for_import(
                timezone.localdate(job.now),
                earliest=settings.CASEREVIEW_EARLIEST_DATE,
                years_after=settings.CASEREVIEW_LATEST_DATE_YEARS,
            ),
        )


def _rejected(job: _Job, outcome: ImportOutcome) -> RegisterRejected:
    count = outcome.error_total or len(outcome.errors)
    _journal_refusal(job.actor, job.body, job.source.filename, "bad rows", count)
    return RegisterRejected(
        ngettext_lazy(
            "%(file)s was not imported: %(shown)s problem found. Nothing was stored; correct the file "
            "and import it again.",
            "%(file)s was not imported: %(shown)s problems found. Nothing was stored; correct the "
            "file and import it again.",
            count,
            file=job.source.filename,
            shown=f"{count:,}",
        ),
        outcome.errors,
        outcome.unmapped,
        kind="bad_rows",
        total=count,
    )


def _import_staged(job: _Job) -> Register:
    """SQLite fast path: check and stage the whole file, then move it in with one statement."""
    with SqliteStaging(job.tmp_dir, columns=STORED_COLUMNS) as staging:
        outcome = _run(job, staging.load)
        staging.finish_loading()
        if not outcome.ok:
            raise _rejected(job, outcome)
        connection.ensure_connection()
        raw = connection.connection
        staging.attach(raw)
        try:
            with transaction.atomic():
                register = _register_open(job)
                moved = staging.move_into(raw, table=Case._meta.db_table, register_id=register.pk)
                if moved != outcome.rows:
                    raise RegisterError(f"Staging held {moved:,} rows, expected {outcome.rows:,}")
                register = _register_close(job, register, outcome)
                checkpoint("register-import:before-commit")
            checkpoint("register-import:after-commit")
            return register
        finally:
            SqliteStaging.detach(raw)


def _import_in_transaction(job: _Job) -> Register:
    """PostgreSQL (one COPY), or SQLite inside an outer transaction (executemany): one transaction."""
    connection.ensure_connection()
    loader = PostgresCopy if connection.vendor == "postgresql" else SqliteInsert
    outcome = ImportOutcome()
    try:
        with transaction.atomic():
            register = _register_open(job)
            sink = loader(
                connection.connection,
                table=Case._meta.db_table,
                columns=list(STORED_COLUMNS),
                register_id=register.pk,
            )
            try:
                outcome = _run(job, sink)
            except BaseException:
                sink.abandon()
                raise
            if not outcome.ok:
                sink.abandon()
                raise _Rollback
            sink.finish()
            register = _register_close(job, register, outcome)
            checkpoint("register-import:before-commit")
    except _Rollback:
        raise _rejected(job, outcome) from None
    checkpoint("register-import:after-commit")
    if connection.vendor == "postgresql":
        # Fresh statistics for the planner: until autovacuum gets round to it (a minute or more), a register
        # of a million new rows looks empty, and the case list's filtered pages were planned as full scans
        # and a sort (50 ms instead of under 1).  ANALYZE reads a fixed sample (~0.2 s at 1,000,000 rows).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Case._meta.db_table}")
    return register


def _register_open(job: _Job) -> Register:
    if job.replace:
        for old in Register.objects.select_for_update().filter(
            body=job.body, sha256=job.source.sha256, state=Register.State.LOCKED
        ):
            old.state = Register.State.REPLACED
            old.save(update_fields=["state"])
    return Register.objects.create(
        body=job.body,
        sha256=job.source.sha256,
        filename=job.source.filename[:255],
        size_bytes=job.source.size,
        file_type=job.source.file_type,
        encoding=job.source.encoding,
        profile=job.profile.name,
        rows=0,
        imported_at=job.now or timezone.now(),
        imported_by=person(job.actor),
        retain_until=default_retain_until(
            timezone.localdate(job.now), settings.CASEREVIEW_RETENTION_YEARS
        ),
    )


def _register_close(job: _Job, register: Register, outcome: ImportOutcome) -> Register:
    register.rows = outcome.rows
    register.unmapped_columns = list(outcome.unmapped)
    register.save(update_fields=["rows", "unmapped_columns"])
    replaced = list(
        Register.objects.filter(
            body=job.body, sha256=job.source.sha256, state=Register.State.REPLACED, replaced_by=None
        )
    )
    for old in replaced:
        old.replaced_by = register
        old.save(update_fields=["replaced_by"])
    journal_record(
        actor=job.actor,
        operation=Operation.COLLECTION,
        action=JournalAction.REGISTER_IMPORT,
        object_type="register",
        object_id=register.pk,
        detail={
            "body": job.body.code,
            "filename": register.filename,
            "sha256": register.sha256,
            "rows": register.rows,
            "profile": register.profile,
            "unmapped_columns": register.unmapped_columns,
            "replaces": [r.pk for r in replaced],
        },
        at=job.now,
    )
    return register


def _journal_refusal(
    actor: User | None, body: Body, filename: str, reason: str, errors: int
) -> None:
    journal_record(
        actor=actor,
        operation=Operation.ADMINISTRATION,
        action=JournalAction.REGISTER_IMPORT_REFUSED,
        object_type="body",
        object_id=body.code,
        detail={"filename": filename, "reason": reason[:500], "errors": errors},
    )


def write_errors_csv(errors: Iterable[RowError], path: Path) -> None:
    """Stream an error report to CSV: values are already short prefixes (``RowError`` quotes them)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv_writer(fh)  # the value is the body's own text: never let a spreadsheet run it
        writer.writerow(["line", "column", "value", "reason"])
        for error in errors:
            writer.writerow([error.line, error.column, error.value, error.reason])


# Error reports of refused uploads hold the body's values outside the register's retention: they are kept
# for CASEREVIEW_ERROR_REPORT_HOURS, deleted once downloaded, and by `casereview purge` when older.
_ERROR_REPORT_PREFIX = "errors-"


def error_report_path(token: str) -> Path:
    return Path(settings.VAR_DIR) / "tmp" / f"{_ERROR_REPORT_PREFIX}{token}.csv"


def error_report_write(errors: Iterable[RowError]) -> str:
    """Keep a refused upload's error report for download; returns its unguessable token."""
    token = secrets.token_urlsafe(16)
    path = error_report_path(token)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_errors_csv(errors, path)
    return token


def error_report_take(token: str) -> Any:
    """Open an error report for one download and delete it (the open file stays readable); None if gone."""
    path = error_report_path(token)
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        return None
    path.unlink(missing_ok=True)
    return fh


def error_reports_purge(*, now: float | None = None) -> int:
    """Delete error reports older than CASEREVIEW_ERROR_REPORT_HOURS; returns how many were deleted."""
    folder = Path(settings.VAR_DIR) / "tmp"
    if not folder.is_dir():
        return 0
    cutoff = (
        now if now is not None else time.time()
    ) - settings.CASEREVIEW_ERROR_REPORT_HOURS * 3600
    deleted = 0
    for path in folder.glob(f"{_ERROR_REPORT_PREFIX}*.csv"):
        try:
            if path.stat().st_mtime <= cutoff:
                path.unlink()
                deleted += 1
        except FileNotFoundError:  # downloaded meanwhile
            continue
    return deleted


class ExportFailed(Refused):
    """The export could not be written; no partial file is left."""


def register_export(
    *,
    register: Register,
    path: Path,
    actor: User | None = None,
    recipient: str = "",
    reason: str = "export",
) -> int:
    """Write a register's stored cases in the canonical columns (never ``summary``)."""
    columns = list(EXPORT_COLUMNS)
    written = 0
    tmp = path.with_name(path.name + ".part")
    with transaction.atomic():
        queryset = Case.objects.filter(register=register).order_by("id").values_list(*columns)
        try:
            with tmp.open("wb") as fh:
                first = True
                batch: list[tuple[Any, ...]] = []
                for row in queryset.iterator(chunk_size=50_000):
                    batch.append(row)
                    if len(batch) == 50_000:
                        _write_block(fh, batch, columns, header=first)
                        written += len(batch)
                        batch, first = [], False
                if batch or first:
                    _write_block(fh, batch, columns, header=first)
                    written += len(batch)
                fh.flush()
                os.fsync(fh.fileno())
            tmp.replace(path)
        except (
            OSError
        ) as exc:  # a full disk, a quota, a vanished mount: no file that looks complete is left
            tmp.unlink(missing_ok=True)
            raise ExportFailed(
                f"Could not write {path.name}: {exc.strerror or exc}. Nothing was exported."
            ) from exc
        journal_record(
            actor=actor,
            operation=Operation.DISCLOSURE,
            action=JournalAction.REGISTER_EXPORT,
            object_type="register",
            object_id=register.pk,
            reason=reason[:64],
            recipient=recipient[:200],
            detail={"rows": written, "columns": columns},
        )
    return written


def _write_block(fh: Any, rows: list[tuple[Any, ...]], columns: list[str], *, header: bool) -> None:
    schema: dict[str, Any] = {
        c: (pl.Date if c in ("reported_on", "closed_on") else pl.String) for c in columns
    }
    schema["child_age"] = pl.Int16
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    # The body's own text (an uploaded register can hold "=cmd|..."): never a live formula in a spreadsheet.
    write_frame_csv(frame, fh, include_header=header, date_format="%Y-%m-%d")


def register_retention_set(
    *, register: Register, until: Any, actor: User | None = None
) -> Register:
    with transaction.atomic():
        previous = register.retain_until
        register.retain_until = until
        register.save(update_fields=["retain_until"])
        journal_record(
            actor=actor,
            operation=Operation.ALTERATION,
            action=JournalAction.REGISTER_RETENTION_SET,
            object_type="register",
            object_id=register.pk,
            detail={"from": previous.isoformat(), "to": until.isoformat()},
        )
    return register
