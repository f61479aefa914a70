"""Bulk loaders: batches of validated cases into the cases table.

SQLite: one prepared INSERT run with executemany (no ORM objects).
PostgreSQL: COPY FROM STDIN in CSV form.  Both run on the caller's open
transaction, so an interrupted import leaves nothing behind.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

Sink = Callable[[pl.DataFrame], None]


class SinkRejected(Exception):
    """The database refused a batch (a constraint the checks did not foresee)."""


def _with_register(frame: pl.DataFrame, register_id: int) -> pl.DataFrame:
    return frame.with_columns(pl.lit(register_id, dtype=pl.Int64).alias("register_id"))


def sqlite_sink(
    connection: sqlite3.Connection, *, table: str, columns: Sequence[str], register_id: int
) -> Sink:
    names = [*columns, "register_id"]
    sql = f'INSERT INTO "{table}" ({", ".join(names)}) VALUES ({", ".join("?" * len(names))})'  # noqa: S608

    def load(frame: pl.DataFrame) -> None:
        rows = _with_register(frame, register_id).with_columns(
            pl.col(pl.Date).dt.to_string("%Y-%m-%d")
        ).select(names)
        try:
            connection.executemany(sql, rows.iter_rows())
        except sqlite3.IntegrityError as exc:
            raise SinkRejected(str(exc)) from exc

    return load


def postgres_sink(connection: Any, *, table: str, columns: Sequence[str], register_id: int) -> Sink:
    import psycopg

    names = [*columns, "register_id"]
    sql = f'COPY "{table}" ({", ".join(names)}) FROM STDIN (FORMAT csv)'

    def load(frame: pl.DataFrame) -> None:
        data = _with_register(frame, register_id).select(names).write_csv(include_header=False)
        try:
            with connection.cursor() as cursor, cursor.copy(sql) as copy:
                copy.write(data.encode("utf-8"))
        except psycopg.errors.IntegrityError as exc:
            raise SinkRejected(str(exc)) from exc

    return load
