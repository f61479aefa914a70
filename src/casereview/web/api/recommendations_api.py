"""The JSON API's recommendations: the register of recommendations, each with its finding, the body's actions
and the later inspections' judgements (``GET /api/v1/recommendations`` and ``/{recommendation_id}``).

Registered on the one ``api`` (``base.py``) when ``api.py`` imports this module, after its own operations.
"""

# No ``from __future__ import annotations`` here: see ``base.strict_query``.
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query
from pydantic import Field

from casereview.domain.tokens import Scope
from casereview.web.followup.page_selectors import recommendation_details
from casereview.web.followup.selectors import (
    RegisterFilters,
    recommendation_visible,
    recommendations_visible,
    register_rows,
)

from . import schemas as s
from .base import Page, api, error_responses, strict_query, token_user

# Recommendations --------------------------------------------------------------------------------------------


class RecommendationFilter(Page):
    body: str | None = Field(
        None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,15}$", description="Only this body's (its code)"
    )
    state: str | None = Field(None, pattern="^(draft|open|met|no_longer_relevant|withdrawn)$")
    rag: str | None = Field(None, pattern="^(red|amber|green)$")
    judgement: str | None = Field(
        None,
        pattern="^(met|partly_met|not_met|no_longer_relevant|none)$",
        description="The last judgement (`none`: never judged)",
    )
    inspection_id: int | None = Field(
        None, ge=1, le=2_147_483_647, description="Only this inspection's recommendations"
    )


def _recommendations_out(user: Any, rows: list[Any]) -> list[dict[str, Any]]:
    """Register rows with each one's finding, the plan's actions for it (with their updates) and its
    judgements: three queries whatever the number of rows."""
    found = {
        r.pk: r
        for r in recommendation_details(recommendations_visible(user), [row.id for row in rows])
    }
    out = []
    for row in rows:
        rec = found[row.id]
        shown = row.as_dict()
        out.append(
            {
                **{k: shown[k] for k in RECOMMENDATION_KEYS},
                "finding": {
                    "number": rec.finding.number,
                    "kind": rec.finding.kind,
                    "text": rec.finding.text,
                    "basis": list(rec.finding.basis or []),
                },
                "actions": [
                    {
                        "id": a.pk,
                        "text": a.text,
                        "owner": a.owner,
                        "target_on": a.target_on,
                        "state": a.state,
                        "completed_at": a.completed_at,
                        "updates": [
                            {"note": u.note, "evidence": u.evidence, "by": u.by_name, "at": u.at}
                            for u in a.updates.all()
                        ],
                    }
                    for a in rec.actions.all()
                ],
                "judgements": [
                    {
                        "inspection_id": j.inspection_id,
                        "judgement": j.judgement,
                        "proposed": j.proposed or None,
                        "rationale": j.rationale,
                        "at": j.at,
                        "evidence": dict(j.evidence or {}),
                    }
                    for j in rec.judgements.all()
                ],
            }
        )
    return out


#: The register row's keys the API gives as they are (codes).
RECOMMENDATION_KEYS = (
    "id",
    "number",
    "body",
    "inspection_id",
    "text",
    "state",
    "immediate",
    "due_on",
    "rag",
    "age_days",
    "last_judgement",
    "judged_at",
    "plan_state",
)


@api.get(
    "/recommendations",
    response={200: list[s.RecommendationOut], **error_responses()},
    operation_id="list_recommendations",
    url_name="recommendations",
    tags=["recommendations"],
    summary="Recommendations you may see (a liaison officer: their body's), oldest inspection first",
    description="The recommendations register: each recommendation with its finding, the body's actions for "
    "it and their progress, and the judgements of later inspections. Scoped as the web register is: a "
    "liaison officer or senior lead sees their body's published ones; a lead inspector those of inspections "
    "they lead and the published ones of bodies they inspect; an analyst every published one. See "
    "docs/recommendations.md.",
    openapi_extra={
        "responses": {
            "200": {
                "description": "OK",
                "links": {
                    "GetRecommendation": {
                        "operationId": "get_recommendation",
                        "parameters": {"recommendation_id": "$response.body#/0/id"},
                    }
                },
            }
        }
    },
)
@strict_query(*RecommendationFilter.model_fields)
def list_recommendations(request: HttpRequest, filters: Query[RecommendationFilter]) -> Any:
    user = token_user(request, Scope.READ)
    rows = register_rows(
        user,
        RegisterFilters(
            body=filters.body or "",
            state=filters.state or "",
            rag=filters.rag or "",
            judgement=filters.judgement or "",
            inspection_id=filters.inspection_id,
        ),
    )
    return _recommendations_out(user, rows[filters.offset : filters.offset + filters.limit])


@api.get(
    "/recommendations/{recommendation_id}",
    response={200: s.RecommendationOut, **error_responses()},
    operation_id="get_recommendation",
    url_name="recommendation",
    tags=["recommendations"],
    summary="One recommendation with its finding, actions and judgements",
)
@strict_query()
def get_recommendation(request: HttpRequest, recommendation_id: int) -> Any:
    user = token_user(request, Scope.READ)
    found = recommendation_visible(user, recommendation_id)
    if found is None:
        raise Http404
    # Its inspection's rows of the register (the same rule for every figure), then this one.
    rows = register_rows(user, RegisterFilters(inspection_id=found.finding.inspection_id))
    return _recommendations_out(user, [r for r in rows if r.id == recommendation_id])[0]
