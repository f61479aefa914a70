"""Recommendations and action plans: list them, and escalate the overdue plans and actions (safe to run daily)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from casereview.domain.followup import Judgement, Rag, RecommendationState
from casereview.domain.words import count
from casereview.web.followup.selectors import RegisterFilters, recommendations_listed
from casereview.web.followup.services import followup_escalate

from .shared import out, print_json, reject


def escalate(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Escalate every overdue action plan and action once (safe to run daily); e-mail the lead and senior leads."""
    rows = [_escalated_row(item) for item in followup_escalate()]
    if as_json:
        print_json({"escalated": rows})
        return
    out.print(
        f"Escalated {count(len(rows), 'overdue plan or action', 'overdue plans and actions')}"
    )
    for r in rows:
        out.print(f"  {r['object_type']} {r['id']}  {r['body']}  due {r['due_on']}")


def _escalated_row(item: Any) -> dict[str, Any]:
    """An escalated plan or action as JSON (codes): an action has a target date and belongs to a plan."""
    is_action = hasattr(item, "target_on")
    plan = item.plan if is_action else item
    return {
        "object_type": "action" if is_action else "plan",
        "id": item.pk,
        "plan_id": plan.pk,
        "body": plan.body.code,
        "inspection_id": plan.inspection_id,
        "due_on": (item.target_on if is_action else plan.due_on).isoformat(),
    }


def recommendations_list(
    body: Annotated[str | None, typer.Option("--body", help="Only this body's (its code).")] = None,
    state: Annotated[
        str | None,
        typer.Option(
            "--state",
            help="Only recommendations in this state (open, met, no_longer_relevant, withdrawn).",
        ),
    ] = None,
    rag: Annotated[str | None, typer.Option("--rag", help="Only red, amber or green.")] = None,
    judgement: Annotated[
        str | None,
        typer.Option(
            "--judgement",
            help="Only those last judged so (met, partly_met, not_met, no_longer_relevant), or 'none'.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List every published recommendation, oldest inspection first: state, due day, RAG, last judgement."""
    if state is not None and state not in {s.value for s in RecommendationState}:
        reject(f"[red]Unknown state {state!r}: use one of {', '.join(RecommendationState)}[/red]")
    if rag is not None and rag not in {r.value for r in Rag}:
        reject(f"[red]Unknown RAG {rag!r}: use red, amber or green[/red]")
    if (
        judgement is not None
        and judgement != "none"
        and judgement not in {j.value for j in Judgement}
    ):
        reject(
            f"[red]Unknown judgement {judgement!r}: use none or one of {', '.join(Judgement)}[/red]"
        )
    rows = recommendations_listed(
        RegisterFilters(
            body=body or "", state=state or "", rag=rag or "", judgement=judgement or ""
        )
    )
    if as_json:
        print_json(rows)
        return
    out.print(count(len(rows), "recommendation"))
    for r in rows:
        judged = f"  last judged {r['last_judgement']}" if r["last_judgement"] else ""
        out.print(
            f"  {r['id']}  {r['body']}  inspection {r['inspection_id']}  {r['number']}  {r['state']}  "
            f"due {r['due_on'] or '-'}  {r['rag']}{judged}"
        )
