"""E-mail notifications (docs/deployment.md): send what the outbox owes, list what is not delivered, retry."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from casereview.domain.words import count as count_words
from casereview.web.notifications.selectors import outbox_unsent
from casereview.web.notifications.services import notification_retry, notify_send

from .shared import out, print_json, print_rows, reject


def send(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Send every due message in the outbox; a failed try waits 1, 2, 4 ... minutes. Safe to run every minute."""
    result = notify_send()
    if as_json:
        print_json({"sent": result.sent, "failed": result.failed, "pending": result.pending})
    else:
        out.print(f"Sent {result.sent}, failed {result.failed}, pending {result.pending}")


def notify_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Messages not delivered: failed ones, then pending ones by their next try (never their content)."""
    rows: list[dict[str, Any]] = [
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
    print_rows(
        rows,
        [
            ("id", lambda r: str(r["id"])),
            ("state", lambda r: str(r["state"])),
            ("event", lambda r: str(r["event"])),
            ("to", lambda r: str(r["recipient"])),
            ("tries", lambda r: str(r["attempts"])),
            ("next try", lambda r: str(r["next_attempt_at"] or "")[:16]),
            ("last error", lambda r: str(r["last_error"])),
        ],
        as_json=as_json,
    )


def retry(
    ids: Annotated[
        list[int] | None, typer.Argument(metavar="[ID]...", help="Failed messages to send again")
    ] = None,
    all_failed: Annotated[bool, typer.Option("--all-failed", help="Every failed message")] = False,
) -> None:
    """Make failed messages pending again, with a fresh count of tries; the next `notify send` sends them."""
    if not ids and not all_failed:
        reject(
            "[red]Give the ids of failed messages (see `casereview notify list`), or --all-failed[/red]"
        )
    count = notification_retry(ids=None if all_failed else ids)
    out.print(
        f"{count_words(count, 'failed message')} will be sent at the next `casereview notify send`"
    )
