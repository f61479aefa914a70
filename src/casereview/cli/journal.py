"""The tamper-evident journal: verify its chain (against anchors kept outside), sign an anchor, export it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from django.conf import settings

from casereview.domain.journal import Anchor, parse_anchor_lines
from casereview.domain.roles import Role
from casereview.domain.words import count
from casereview.web.core.access import has_any_role
from casereview.web.core.users import user_by_username
from casereview.web.journal.selectors import journal_head
from casereview.web.journal.services import (
    anchor_file_append,
    journal_anchor_line,
    journal_verified,
)
from casereview.web.journal.services import journal_anchor as anchor_sign
from casereview.web.journal.services import journal_export as export
from casereview.web.journal.services import journal_verify as chain_verify

from .shared import EXIT_REJECTED, err, out, parse_date, print_json, reject


def _outside_anchors(given: list[str] | None) -> list[Anchor]:
    """The anchors in each --anchor (a file, or one printed anchor); the configured anchor file if none."""
    configured = str(getattr(settings, "CASEREVIEW_JOURNAL_ANCHOR_FILE", "") or "")
    if not given and configured and Path(configured).is_file():
        given = [configured]  # the deployment's own outside witness, unless others are named
    external = []
    for one in given or []:
        path = Path(one)
        try:
            is_file = path.is_file()
        except OSError:  # a printed anchor is no file name (too long for one)
            is_file = False
        try:
            text = path.read_text(encoding="utf-8") if is_file else one
            external.extend(parse_anchor_lines(text))
        except (OSError, UnicodeDecodeError, ValueError) as problem:
            err.print(f"[red]--anchor {one[:80]!r}: {problem}[/red]")
            raise typer.Exit(EXIT_REJECTED) from None
    return external


def verify(
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
    The result (intact or broken, entries checked, anchors reached) is journaled: the start page shows it.
    """
    external = _outside_anchors(anchor)
    head = int(journal_head()["seq"])
    broken = chain_verify(external=external)
    # The result is journaled (after the entries checked), so the administrator's start page can say when
    # the chain was last verified and how it went.
    journal_verified(broken=broken, entries=head, outside=len(external))
    if as_json:
        print_json(
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
                f", and it reaches and matches {count(len(external), 'anchor')} kept outside"
                if external
                else ""
            )
        )
    else:
        err.print(f"[red]Journal broken at entry {broken.seq}: {broken.reason}[/red]")
    if broken is not None:
        raise typer.Exit(1)


def anchor(
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
    made = anchor_sign()
    line = journal_anchor_line(made)
    if out_path is not None:
        anchor_file_append(path=out_path, line=line)
    if as_line:
        print(line)
    else:
        print_json(
            {
                "seq": made.seq,
                "digest": made.digest,
                "signature": made.signature,
                "previous": made.previous,
                "at": made.at.isoformat(),
                "line": line,
            }
        )


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
    admin = user_by_username(user, active_only=True)
    if admin is None or not has_any_role(admin, {Role.ADMINISTRATOR}):
        reject(
            f"[red]{user!r} is not an active administrator; only administrators may read the journal[/red]"
        )
    rows = export(
        start=parse_date(start), end=parse_date(end), path=out_path, actor=admin, purpose=purpose
    )
    out.print(f"Wrote {rows:,} journal entries to {out_path}")
