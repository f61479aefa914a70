"""Bulk loaders: batches of validated cases into the cases table.

Three ways in, all leaving nothing behind when an import is refused or killed:

* PostgreSQL: ``COPY FROM STDIN`` (CSV) on the caller's open transaction.
* SQLite, staged (the fast path): batches go through ADBC straight from Arrow
  memory into a throw-away staging database file; once the whole file has
  passed its checks, one ``INSERT ... SELECT`` inside the caller's transaction
  moves them into the cases table.  Python never builds a tuple per row.
* SQLite, direct: ``executemany`` on the caller's open transaction, used when
  the caller is already inside a transaction (SQLite cannot ATTACH there).
"""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any

import polars as pl

Sink = Callable[[pl.DataFrame], None]
STAGING_ALIAS = "casereview_staging"
STAGING_TABLE = "cases"


class SinkRejected(Exception):
    """The database refused a batch (a constraint the checks did not foresee)."""


def _with_register(frame: pl.DataFrame, register_id: int) -> pl.DataFrame:
    return frame.with_columns(pl.lit(register_id, dtype=pl.Int64).alias("register_id"))


def _sqlite_text_dates(frame: pl.DataFrame) -> pl.DataFrame:
    # Django stores SQLite dates as ISO text.
    return frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d"))


class SqliteInsert:
    """executemany on the caller's open transaction; nothing to finish or abandon."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        *,
        table: str,
        columns: Sequence[str],
        register_id: int,
    ) -> None:
        self.connection = connection
        self.register_id = register_id
        self.names = [*columns, "register_id"]
        placeholders = ", ".join("?" * len(self.names))
        self.sql = f'INSERT INTO "{table}" ({", ".join(self.names)}) VALUES ({placeholders})'  # noqa: S608

    def __call__(self, frame: pl.DataFrame) -> None:
        rows = _sqlite_text_dates(_with_register(frame, self.register_id)).select(self.names)
        try:
            self.connection.executemany(
                self.sql, zip(*(rows[c].to_list() for c in self.names), strict=True)
            )
        except sqlite3.IntegrityError as exc:
            raise SinkRejected(str(exc)) from exc

    def finish(self) -> None:
        return None

    def abandon(self) -> None:
        return None


class SqliteStaging:
    """A staging database file filled through ADBC, then moved in with one statement."""

    def __init__(self, folder: Path, *, columns: Sequence[str]) -> None:
        import adbc_driver_sqlite.dbapi as adbc  # deferred: only SQLite imports load the ADBC driver

        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"staging-{uuid.uuid4().hex}.sqlite3"
        self.columns = list(columns)
        self._connection: Any = adbc.connect(str(self.path))
        self._created = False
        # One writer thread: ADBC releases the GIL while it writes, so the next
        # batch is checked while this one is stored.  At most one batch waits.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="staging")
        self._pending: Future[None] | None = None

    def _ingest(self, data: pl.DataFrame, mode: str) -> None:
        with self._connection.cursor() as cursor:
            cursor.adbc_ingest(STAGING_TABLE, data, mode=mode)

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def load(self, frame: pl.DataFrame) -> None:
        data = _sqlite_text_dates(frame).select(self.columns)
        self._wait()
        self._pending = self._writer.submit(
            self._ingest, data, "append" if self._created else "create"
        )
        self._created = True

    def finish_loading(self) -> None:
        self._wait()
        self._writer.shutdown()
        self._connection.commit()
        self._connection.close()
        self._connection = None

    def attach(self, connection: sqlite3.Connection) -> None:
        """Attach the staging file; must run outside a transaction."""
        connection.execute(f"ATTACH DATABASE ? AS {STAGING_ALIAS}", (str(self.path),))

    def move_into(self, connection: sqlite3.Connection, *, table: str, register_id: int) -> int:
        """Copy every staged row into ``table``; run inside the caller's transaction."""
        if not self._created:
            return 0
        names = ", ".join(self.columns)
        cursor = connection.execute(
            f'INSERT INTO "{table}" ({names}, register_id) '  # noqa: S608
            f"SELECT {names}, ? FROM {STAGING_ALIAS}.{STAGING_TABLE}",
            (register_id,),
        )
        return int(cursor.rowcount)

    @staticmethod
    def detach(connection: sqlite3.Connection) -> None:
        attached = {row[1] for row in connection.execute("PRAGMA database_list")}
        if STAGING_ALIAS in attached:
            connection.execute(f"DETACH DATABASE {STAGING_ALIAS}")

    def close(self) -> None:
        try:
            self._wait()
        finally:
            self._writer.shutdown()
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def __enter__(self) -> SqliteStaging:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class PostgresCopy:
    """One COPY for the whole file, fed from a writer thread.

    psycopg releases the GIL while it sends, so the next batch is checked
    while the server stores this one.  At most one batch waits.  Call
    ``finish()`` before committing.
    """

    def __init__(
        self, connection: Any, *, table: str, columns: Sequence[str], register_id: int
    ) -> None:
        self.names = [*columns, "register_id"]
        self.register_id = register_id
        sql = f'COPY "{table}" ({", ".join(self.names)}) FROM STDIN (FORMAT csv)'
        self._cursor = connection.cursor()
        self._copy_cm = self._cursor.copy(sql)
        self._copy = self._copy_cm.__enter__()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="copy")
        self._pending: Future[None] | None = None
        self.failed: BaseException | None = None

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def __call__(self, frame: pl.DataFrame) -> None:
        data = (
            _with_register(frame, self.register_id)
            .select(self.names)
            .write_csv(include_header=False)
        )
        self._wait()
        self._pending = self._writer.submit(self._copy.write, data.encode("utf-8"))

    def finish(self) -> None:
        import psycopg  # deferred: only PostgreSQL installations have a reason to load the driver here

        try:
            self._wait()
            self._copy_cm.__exit__(None, None, None)
        except psycopg.errors.IntegrityError as exc:
            raise SinkRejected(str(exc)) from exc
        finally:
            self._writer.shutdown()
            self._cursor.close()

    def abandon(self) -> None:
        """Stop without committing; the caller's rollback discards what was sent."""
        # The transaction is being rolled back: errors on the way out change nothing.
        with contextlib.suppress(Exception):
            self._wait()
        self._writer.shutdown()
        with contextlib.suppress(Exception):
            self._copy_cm.__exit__(SinkRejected, SinkRejected("abandoned"), None)
        self._cursor.close()
