"""The synthetic demo: write a synthetic register, load the demo once, print a demo user's code."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from django.conf import settings

from casereview.demo import CREDENTIALS_FILE, DEMO_USERS, demo_code, load_demo
from casereview.synthetic import write_register_file

from .shared import found_or_reject, out


def demo_register(
    rows: Annotated[int, typer.Option(min=1, help="How many cases")],
    seed: Annotated[int, typer.Option(help="The same seed gives the same file")],
    out_path: Annotated[Path, typer.Option("--out", help="CSV file to write")],
) -> None:
    """Write a synthetic register (no real data) to a CSV file."""
    write_register_file(out_path, rows=rows, seed=seed)
    out.print(f"Wrote {rows:,} synthetic cases to {out_path}")


def demo_load(rows: Annotated[int, typer.Option(help="Cases in the demo register")] = 5000) -> None:
    """Load the synthetic demo once: users for every role, a body, a published earlier quarter, a baseline, and the
    current quarter part-way through (reviews, a moderation disagreement, an open and an overdue send back).
    Every event is dated as it would have happened, in order, over the months up to now."""
    var = Path(settings.VAR_DIR)
    made = load_demo(var, rows=rows)
    out.print(
        "[bold]Demo data loaded (all synthetic).[/bold] Sign in at http://127.0.0.1:8000/ as:"
    )
    for username, role in DEMO_USERS:
        out.print(f"  {username:<11} ({role})")
    out.print(
        f"  password for every demo user: [bold]{made['password']}[/bold]  (also in {var / CREDENTIALS_FILE})"
    )
    out.print("  second step: the code printed by `.venv/bin/casereview demo-code USERNAME`")


def demo_code_command(username: str) -> None:
    """Print the current authenticator code of a demo user (reads ./var/demo-totp.json only)."""
    code = demo_code(Path(settings.VAR_DIR), username)
    out.print(
        found_or_reject(code, f"[red]{username!r} is not a demo user of this installation[/red]")
    )
