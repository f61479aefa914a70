"""Every write to bodies, registers and cases: one transaction, one journal entry."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from casereview.domain.journal import Operation
from casereview.domain.pseudonyms import derive_key
from casereview.domain.registers import (
    EXPORT_COLUMNS,
    STORED_COLUMNS,
    RegisterError,
    RowError,
)
from casereview.importing.loaders import Sink, postgres_sink, sqlite_sink
from casereview.importing.pipeline import run_import
from casereview.importing.profiles import load_profile
from casereview.importing.readers import Limits, inspect_file, open_reader
from casereview.web.journal.services import journal_record

from .models import Body, Case, Register


class RegisterRejected(Exception):
    """A register file was refused; ``errors`` lists every bad row."""

    def __init__(self, message: str, errors: list[RowError] | None = None, unmapped: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []
        self.unmapped = unmapped


class _Rollback(Exception):
    pass


def body_add(*, code: str, name: str, actor: Any = None) -> Body:
    code = code.strip().upper()
    body = Body(code=code, name=name.strip(), created_at=timezone.now())
    try:
        body.full_clean()
    except ValidationError as exc:
        messages = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        raise RegisterError(f"Cannot add body {code!r}: {messages}") from exc
    with transaction.atomic():
        body.save()
        journal_record(
            actor=actor,
            operation=Operation.ADMINISTRATION,
            action="body_add",
            object_type="body",
            object_id=body.code,
            detail={"name": body.name},
        )
    return body


def import_limits() -> Limits:
    return Limits(
        max_bytes=settings.CASEREVIEW_MAX_REGISTER_BYTES,
        max_xlsx_uncompressed_bytes=settings.CASEREVIEW_MAX_XLSX_UNCOMPRESSED_BYTES,
        max_xlsx_entries=settings.CASEREVIEW_MAX_XLSX_ENTRIES,
    )


def _sink(register_id: int) -> Sink:
    connection.ensure_connection()
    raw = connection.connection
    columns = list(STORED_COLUMNS)
    table = Case._meta.db_table
    if connection.vendor == "postgresql":
        return postgres_sink(raw, table=table, columns=columns, register_id=register_id)
    if connection.vendor == "sqlite":
        return sqlite_sink(raw, table=table, columns=columns, register_id=register_id)
    raise RegisterError(f"Register import does not support the {connection.vendor} database")


@dataclass
class ImportStarted:
    """What an importer is told before the rows are read (for progress bars)."""

    filename: str
    size: int
    line_count: int


def register_import(
    *,
    path: Path,
    body_code: str,
    actor: Any = None,
    filename: str | None = None,
    profile: str | None = None,
    sheet: str | None = None,
    replace: bool = False,
    on_start: Callable[[ImportStarted], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Register:
    """Import a register file for a body, all or nothing.

    Raises ``RegisterRejected`` (nothing stored) with every bad row listed.
    """
    body = Body.objects.filter(code=body_code.strip().upper()).first()
    if body is None:
        raise RegisterRejected(
            f"No inspected body with code {body_code!r}; add it first with `casereview body add`"
        )
    try:
        mapping_profile = load_profile(profile)
        source = inspect_file(path, filename=filename, limits=import_limits())
    except RegisterError as exc:
        _journal_refusal(actor, body, filename or path.name, str(exc), 0)
        raise RegisterRejected(str(exc)) from exc
    existing = Register.objects.filter(body=body, sha256=source.sha256, state=Register.State.LOCKED).first()
    if existing is not None and not replace:
        raise RegisterRejected(
            f"This file (SHA-256 {source.sha256[:12]}…) was already imported for {body.code} "
            f"as register {existing.pk} on {timezone.localtime(existing.imported_at):%d/%m/%Y %H:%M}; "
            "use --replace to import it again"
        )
    secret = settings.CASEREVIEW_PSEUDONYM_KEY
    key = derive_key(secret) if secret else None
    if on_start is not None:
        on_start(ImportStarted(source.filename, source.size, source.line_count))
    tmp_dir = Path(settings.VAR_DIR) / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    try:
        with transaction.atomic():
            previous = list(
                Register.objects.select_for_update().filter(body=body, state=Register.State.LOCKED)
            ) if replace else []
            replaced = [r for r in previous if r.sha256 == source.sha256] if replace else []
            for old in replaced:
                old.state = Register.State.REPLACED
                old.save(update_fields=["state"])
            register = Register.objects.create(
                body=body,
                sha256=source.sha256,
                filename=source.filename[:255],
                size_bytes=source.size,
                file_type=source.file_type,
                encoding=source.encoding,
                profile=mapping_profile.name,
                rows=0,
                imported_at=timezone.now(),
                imported_by=actor if actor is not None and actor.is_authenticated else None,
            )
            with open_reader(source, sheet=sheet, tmp_dir=tmp_dir) as reader:
                outcome = run_import(
                    reader,
                    profile=mapping_profile,
                    key=key,
                    sink=_sink(register.pk),
                    batch_rows=settings.CASEREVIEW_IMPORT_BATCH_ROWS,
                    progress=progress,
                )
            if not outcome.ok:
                raise _Rollback
            register.rows = outcome.rows
            register.unmapped_columns = list(outcome.unmapped)
            register.save(update_fields=["rows", "unmapped_columns"])
            for old in replaced:
                old.replaced_by = register
                old.save(update_fields=["replaced_by"])
            journal_record(
                actor=actor,
                operation=Operation.COLLECTION,
                action="register_import",
                object_type="register",
                object_id=register.pk,
                detail={
                    "body": body.code,
                    "filename": register.filename,
                    "sha256": register.sha256,
                    "rows": register.rows,
                    "profile": register.profile,
                    "unmapped_columns": register.unmapped_columns,
                    "replaces": [r.pk for r in replaced],
                },
            )
            return register
    except RegisterError as exc:
        _journal_refusal(actor, body, source.filename, str(exc), 0)
        raise RegisterRejected(str(exc)) from exc
    except _Rollback:
        _journal_refusal(actor, body, source.filename, "bad rows", len(outcome.errors))
        raise RegisterRejected(
            f"{source.filename} was not imported: {len(outcome.errors):,} problem"
            f"{'s' if len(outcome.errors) != 1 else ''} found. Nothing was stored; "
            "correct the file and import it again.",
            outcome.errors,
            outcome.unmapped,
        ) from None


def _journal_refusal(actor: Any, body: Body, filename: str, reason: str, errors: int) -> None:
    journal_record(
        actor=actor,
        operation=Operation.ADMINISTRATION,
        action="register_import_refused",
        object_type="body",
        object_id=body.code,
        detail={"filename": filename, "reason": reason[:500], "errors": errors},
    )


def write_errors_csv(errors: list[RowError], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["line", "column", "value", "reason"])
        for error in errors:
            writer.writerow([error.line, error.column, error.value, error.reason])


def register_export(*, register: Register, path: Path, actor: Any = None) -> int:
    """Write a register's stored cases in the canonical columns (never ``summary``)."""
    columns = list(EXPORT_COLUMNS)
    written = 0
    tmp = path.with_name(path.name + ".part")
    with transaction.atomic():
        queryset = Case.objects.filter(register=register).order_by("id").values_list(*columns)
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
        tmp.replace(path)
        journal_record(
            actor=actor,
            operation=Operation.DISCLOSURE,
            action="register_export",
            object_type="register",
            object_id=register.pk,
            detail={"rows": written, "columns": columns},
        )
    return written


def _write_block(fh: Any, rows: list[tuple[Any, ...]], columns: list[str], *, header: bool) -> None:
    schema = {c: (pl.Date if c in ("reported_on", "closed_on") else pl.String) for c in columns}
    schema["child_age"] = pl.Int16
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    frame.write_csv(fh, include_header=header, date_format="%Y-%m-%d")
