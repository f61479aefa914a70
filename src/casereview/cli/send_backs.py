"""Send backs: list them, and escalate the overdue ones (safe to run daily)."""

from __future__ import annotations

from typing import Annotated

import typer

from casereview.domain.referrals import State
from casereview.domain.words import count
from casereview.web.referrals.selectors import send_backs_listed
from casereview.web.referrals.services import sendbacks_escalate

from .shared import out, print_json, reject


def escalate(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Escalate every overdue send back once (safe to run daily), e-mail the lead and senior leads, list them."""
    escalated = sendbacks_escalate()
    rows = [
        {
            "send_back_id": s.pk,
            "body": s.body.code,
            "urgency": s.urgency,
            "due_on": s.due_on.isoformat(),
            "inspection_id": s.inspection_id,
        }
        for s in escalated
    ]
    if as_json:
        print_json({"escalated": rows})
    else:
        out.print(f"Escalated {count(len(rows), 'overdue send back')}")
        for r in rows:
            out.print(f"  {r['send_back_id']}  {r['body']}  {r['urgency']}  due {r['due_on']}")


def send_backs_list(
    inspection: Annotated[
        int | None, typer.Option("--inspection", help="Only this inspection's send backs.")
    ] = None,
    state: Annotated[
        str | None,
        typer.Option(
            "--state",
            help="Only send backs in this state (opened, acknowledged, "
            "response_submitted, returned, escalated, closed), "
            "or 'open' for every state but closed.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List send backs, oldest first: the case, its urgency, state, due day and whether it is overdue."""
    if state is not None and state != "open" and state not in {s.value for s in State}:
        reject(
            f"[red]Unknown state {state!r}: use open or one of {', '.join(s.value for s in State)}[/red]"
        )
    rows = send_backs_listed(inspection_id=inspection, state=state)
    if as_json:
        print_json(rows)
        return
    out.print(f"{count(len(rows), 'send back')}")
    for r in rows:
        late = "  OVERDUE" if r["overdue"] else ""
        out.print(
            f"  {r['id']}  inspection {r['inspection_id']}  {r['case_ref']}  {r['urgency']}  {r['state']}  "
            f"due {r['due']}{late}"
        )
