"""What every command module shares: the two consoles, exit statuses, refusals, JSON, dates, atomic writes.

A refusal the user can act on goes to standard error with exit status 2 (``EXIT_REJECTED``); a check that
fails (a broken journal, a sample not verified, a report whose figures changed) exits 1. Machine-readable
output (``--json``) is one line of JSON on standard output.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.table import Table

out = Console()
err = Console(stderr=True)

EXIT_REJECTED = 2

T = TypeVar("T")


@contextmanager
def refused_on(*errors: type[Exception]) -> Iterator[None]:
    """A refusal the user can act on: its message in red, exit status 2."""
    try:
        yield
    except errors as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(EXIT_REJECTED) from exc


def reject(message: str) -> NoReturn:
    """Print ``message`` (Rich markup, as given) on standard error and exit with status 2."""
    err.print(message)
    raise typer.Exit(EXIT_REJECTED)


def found_or_reject(found: T | None, message: str) -> T:
    """``found``, or ``message`` on standard error and exit status 2 when a lookup found nothing."""
    if found is None:
        reject(message)
    return found


def by_id_or_reject(lookup: Callable[[int], T | None], key: int, what: str) -> T:
    """``lookup(key)``, or "No <what> <key>" and exit status 2 when there is none."""
    return found_or_reject(lookup(key), f"[red]No {what} {key}[/red]")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, default=str) + "\n")


def print_rows(
    rows: list[dict[str, Any]],
    columns: Sequence[tuple[str, Callable[[dict[str, Any]], str]]],
    *,
    as_json: bool,
) -> None:
    """A listing: ``rows`` as one line of JSON (``--json``), or a table of ``columns`` (heading, cell text)."""
    if as_json:
        print_json(rows)
        return
    table = Table(*(heading for heading, _ in columns))
    for row in rows:
        table.add_row(*(cell(row) for _, cell in columns))
    out.print(table)


def parse_date(text: str) -> dt.date:
    """A calendar day typed as dd/mm/yyyy (or yyyy-mm-dd); anything else is refused."""
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007  (a calendar date, no time)
        except ValueError:
            continue
    reject(f"[red]{text!r} is not a date; use dd/mm/yyyy[/red]")


def write_atomically(path: Path, content: bytes) -> None:
    """Write to PATH.part, then rename: an interrupted write never leaves a file that looks complete."""
    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_bytes(content)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        err.print(f"[red]Could not write {path}: {exc.strerror or exc}[/red]")
        raise typer.Exit(1) from exc
