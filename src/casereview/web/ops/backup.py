"""Backups that are known to restore: SQLite's online backup or pg_dump, with a manifest to check against.

``backup`` writes the database to PATH (SQLite: the online backup API, safe while the app runs;
PostgreSQL: ``pg_dump --format=custom``) and PATH.manifest.json: every table's row count and a
SHA-256 over its rows in primary-key order, the journal's head, the software version and the
backup file's own SHA-256.  ``restore`` refuses any database that already has tables (it never
overwrites), restores, then checks: no migration left to apply, every count and checksum equal to
the manifest, the journal chain intact.  A drill is a restore into a new, empty database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from casereview import __version__
from casereview.domain.errors import Refused
from casereview.domain.journal import canonical
from casereview.web.journal.selectors import journal_head
from casereview.web.journal.services import journal_verify


class BackupError(Refused):
    """Refused or failed; the message says why."""


def _tables() -> list[tuple[str, str]]:
    """(table, primary key column) of every table Django knows, sorted; the journal included."""
    found = {
        (m._meta.db_table, m._meta.pk.column) for m in apps.get_models(include_auto_created=True)
    }
    names = set(connection.introspection.table_names())
    return sorted(t for t in found if t[0] in names)


def table_fingerprints() -> dict[str, dict[str, Any]]:
    """Each table's row count and SHA-256 over its rows in primary-key order."""
    out: dict[str, dict[str, Any]] = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, pk in _tables():
            cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {quote(pk)}")  # noqa: S608 - names from Django's models
            digest = hashlib.sha256()
            rows = 0
            while batch := cursor.fetchmany(10_000):
                for row in batch:
                    digest.update(
                        canonical(
                            {
                                "r": [
                                    v if isinstance(v, (int, float, str, type(None))) else str(v)
                                    for v in row
                                ]
                            }
                        ).encode()
                    )
                    digest.update(b"\n")
                rows += len(batch)
            out[table] = {"rows": rows, "sha256": digest.hexdigest()}
    return out


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env() -> tuple[list[str], dict[str, str]]:
    settings = connection.settings_dict
    args = [
        "--host",
        str(settings.get("HOST") or "localhost"),
        "--port",
        str(settings.get("PORT") or 5432),
        "--username",
        str(settings.get("USER") or "postgres"),
        "--dbname",
        str(settings["NAME"]),
    ]
    env = {**os.environ}
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def backup(path: Path) -> dict[str, Any]:
    """Write a backup and its manifest; both written whole or not at all."""
    if path.exists():
        raise BackupError(f"{path} exists; choose a new file (a backup never overwrites)")
    tmp = path.with_name(path.name + ".part")
    try:
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(tmp)
            try:
                connection.connection.backup(target)  # online: consistent while the app writes
            finally:
                target.close()
        elif connection.vendor == "postgresql":
            args, env = _pg_env()
            run = subprocess.run(  # noqa: S603
                [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(tmp), *args],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if run.returncode != 0:
                raise BackupError(f"pg_dump failed: {run.stderr.strip()[:500]}")
        else:
            raise BackupError(f"Backups of {connection.vendor} are not supported")
        manifest = {
            "format": "casereview-backup/1",
            "vendor": connection.vendor,
            "software_version": __version__,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "file": path.name,
            "file_sha256": _file_sha256(tmp),
            "journal_head": journal_head(),
            "tables": table_fingerprints(),
        }
        manifest_tmp = tmp.with_name(tmp.name + ".manifest")
        manifest_tmp.write_text(
            json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8"
        )
        tmp.replace(path)
        manifest_tmp.replace(manifest_path(path))
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".manifest").unlink(missing_ok=True)
        raise BackupError(
            f"Could not write the backup: {exc.strerror or exc}; nothing was kept"
        ) from exc
    return manifest


def restore(path: Path) -> dict[str, Any]:
    """Restore PATH into the configured, empty database, then check it against the manifest."""
    try:
        manifest = json.loads(manifest_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(
            f"No readable manifest beside {path} ({manifest_path(path).name})"
        ) from exc
    if manifest.get("vendor") != connection.vendor:
        raise BackupError(
            f"This is a {manifest.get('vendor')} backup; the configured database is {connection.vendor}"
        )
    if _file_sha256(path) != manifest.get("file_sha256"):
        raise BackupError(
            f"{path.name} is not the file the manifest describes (SHA-256 differs): damaged or replaced"
        )
    if connection.introspection.table_names():
        raise BackupError(
            "The configured database already has tables: restore only into a new, empty database"
        )
    if connection.vendor == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            connection.ensure_connection()
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        args, env = _pg_env()
        run = subprocess.run(  # noqa: S603
            [_tool("pg_restore"), "--no-owner", "--exit-on-error", *args, str(path)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode != 0:
            raise BackupError(f"pg_restore failed: {run.stderr.strip()[:500]}")
    connection.close()
    return check(manifest)


def check(manifest: dict[str, Any]) -> dict[str, Any]:
    """Migrations, counts, checksums and the journal chain of the restored database against the manifest."""
    executor = MigrationExecutor(connection)
    unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
    now = table_fingerprints()
    differences = [
        {"table": table, "backup": manifest["tables"].get(table), "restored": now.get(table)}
        for table in sorted(set(manifest["tables"]) | set(now))
        if manifest["tables"].get(table) != now.get(table)
    ]
    broken = journal_verify()
    head = journal_head()
    return {
        "ok": not unapplied
        and not differences
        and broken is None
        and head == manifest["journal_head"],
        "migrations_pending": [f"{m.app_label}.{m.name}" for m, _ in unapplied],
        "tables": len(now),
        "rows": sum(t["rows"] for t in now.values()),
        "differences": differences,
        "journal": "intact" if broken is None else f"broken at {broken.seq}: {broken.reason}",
        "journal_head": head,
        "journal_head_matches": head == manifest["journal_head"],
    }
