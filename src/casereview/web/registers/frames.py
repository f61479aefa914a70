"""Registers read in bulk as polars frames (no ORM objects): what a draw and the links computation read.

``STORED_FOR_DRAW`` is the one list of columns a draw may read; ``LINK_COLUMNS`` those the links add.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from django.db import connection

from .models import Case, Register

STORED_FOR_DRAW = (
    "case_ref",
    "category",
    "reported_on",
    "unit",
    "risk_level",
    "status",
    "outcome",
    "child_age",
)
#: Read for links between cases (pseudonyms and place references stay inside the computation).
LINK_COLUMNS = ("id", "child_pseudonym", "suspect_pseudonym", "location_ref")


_UNIT = "\x1f"  # the ASCII unit separator: never in a validated register value


def _sqlite_frame(raw: Any, table: str, wanted: list[str], register_id: int) -> pl.DataFrame:
    """One text value per row, split by polars: far fewer Python objects than a row of columns.

    Deliberately the same SQLite library as Django's connection: opening the
    database file through a second copy of SQLite (ADBC's) in this process
    would release this connection's POSIX locks when it closed.
    """
    joined_sql = " || char(31) || ".join(f"ifnull(CAST({c} AS TEXT), '')" for c in wanted)
    query = f"SELECT {joined_sql} FROM {table} WHERE register_id = ?"  # noqa: S608
    rows = raw.execute(query, (register_id,)).fetchall()
    joined = pl.Series("row", [r[0] for r in rows], dtype=pl.String)
    if (
        len(wanted) > 1
        and not (joined.str.count_matches(_UNIT, literal=True) == len(wanted) - 1).all()
    ):
        # A value holds the separator: the slow, exact way.
        select = ", ".join(f"CAST({c} AS TEXT)" for c in wanted)
        query = f"SELECT {select} FROM {table} WHERE register_id = ?"  # noqa: S608
        plain = raw.execute(query, (register_id,)).fetchall()
        return pl.DataFrame(plain, schema=dict.fromkeys(wanted, pl.String), orient="row")
    parts = (
        joined.str.split_exact(_UNIT, len(wanted) - 1).struct.rename_fields(wanted).struct.unnest()
    )
    return parts.with_columns(pl.all().replace("", None))


def _adbc_frame(path: str, table: str, wanted: list[str], register_id: int) -> pl.DataFrame:
    """Read through ADBC straight into Arrow columns: about twice as fast as the sqlite3 module.

    ADBC carries its own copy of SQLite.  Two copies of SQLite must never have
    one database file open in one process at the same time (closing either
    drops the other's POSIX locks), so Django's connection is closed first and
    reopens by itself on its next query.
    """
    # Deferred: ADBC (with pyarrow) takes ~0.2 s to import and only SQLite file databases use it.
    import adbc_driver_sqlite.dbapi as adbc

    connection.close()
    select = ", ".join(f"CAST({c} AS TEXT) AS {c}" for c in wanted)
    with adbc.connect(path) as reader, reader.cursor() as cursor:
        cursor.execute(f"SELECT {select} FROM {table} WHERE register_id = {register_id}")  # noqa: S608
        frame = pl.DataFrame(cursor.fetch_arrow())
    return frame.with_columns(pl.col(c).cast(pl.String) for c in wanted)


def register_frame(register: Register, columns: tuple[str, ...] = STORED_FOR_DRAW) -> pl.DataFrame:
    """The register's cases with the columns a plan needs, read in bulk (no ORM objects).

    PostgreSQL: COPY … TO STDOUT as CSV into polars.  SQLite: one raw query
    with every column as text (no per-value date conversion), typed by polars.
    """
    table = Case._meta.db_table
    wanted = [c for c in (*STORED_FOR_DRAW, *LINK_COLUMNS) if c in columns]
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "postgresql":
        buffer = bytearray()
        with (
            raw.cursor() as cursor,
            cursor.copy(
                f"COPY (SELECT {', '.join(wanted)} FROM {table} WHERE register_id = {int(register.pk)}) TO STDOUT (FORMAT csv)"  # noqa: S608
            ) as copy,
        ):
            for block in copy:
                buffer += block
        frame = (
            pl.read_csv(bytes(buffer), has_header=False, new_columns=wanted, infer_schema=False)
            if buffer
            else pl.DataFrame(schema=dict.fromkeys(wanted, pl.String))
        )
    elif Path(str(connection.settings_dict["NAME"])).is_file() and not connection.in_atomic_block:
        frame = _adbc_frame(str(connection.settings_dict["NAME"]), table, wanted, int(register.pk))
    else:
        frame = _sqlite_frame(raw, table, wanted, int(register.pk))
    casts = [pl.col("reported_on").str.to_date("%Y-%m-%d")] if "reported_on" in wanted else []
    if "child_age" in wanted:
        casts.append(pl.col("child_age").cast(pl.Int16))
    if "id" in wanted:
        casts.append(pl.col("id").cast(pl.Int64))
    return frame.with_columns(casts)
