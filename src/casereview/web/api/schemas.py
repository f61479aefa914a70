"""The API's request and response shapes (they become the OpenAPI description)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema


class ErrorDetail(Schema):
    status: int = Field(description="The HTTP status code, repeated")
    code: str = Field(
        description="A stable machine-readable code, e.g. `not_found`, `invalid_rows`"
    )
    message: str = Field(description="What went wrong, for a person")
    details: list[dict[str, Any]] = Field(
        default_factory=list, description="Every problem, where there are several"
    )


class Error(Schema):
    error: ErrorDetail


class RowProblem(Schema):
    line: int
    column: str
    value: str
    reason: str


class RegisterUpload(Schema):
    body: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,15}$",
        description="The inspected body's code, e.g. MPS",
    )
    replace: bool = Field(False, description="Import again a file already imported for this body")


class RegisterOut(Schema):
    id: int
    body: str
    filename: str
    rows: int
    sha256: str
    state: Literal["locked", "replaced"]
    imported_at: dt.datetime
    profile: str
    unmapped_columns: list[str]
    samples: list[int] = Field(
        description="Inspections whose sample was drawn from this register (their ids)"
    )


class ManifestOut(Schema):
    inspection_id: int
    register_id: int
    manifest: dict[str, Any] = Field(description="The sample manifest; see docs/sampling.md")


class SendBackEventOut(Schema):
    action: str
    from_state: str
    to_state: str
    at: dt.datetime
    by: str
    note: str


class SendBackOut(Schema):
    id: int
    inspection_id: int
    inspection: str
    body: str
    case_ref: str
    reason: str
    urgency: Literal["immediate", "priority", "routine"]
    state: Literal[
        "opened", "acknowledged", "response_submitted", "returned", "escalated", "closed"
    ]
    version: int = Field(
        description="Send it back with an action: an action against an older version is a conflict (409)"
    )
    opened_at: dt.datetime
    due_on: dt.date
    overdue: bool
    first_response_at: dt.datetime | None
    closed_at: dt.datetime | None
    events: list[SendBackEventOut]


class SendBackAction(Schema):
    action: Literal["acknowledge", "respond", "return", "accept"]
    version: int = Field(ge=0, le=2_147_483_647, description="The send back's version you acted on")
    note: str = Field(
        default="",
        max_length=10_000,
        description="Required to respond (what was done) or return (what more is needed)",
    )


class PublicationOut(Schema):
    id: int
    inspection_id: int
    inspection: str
    body: str
    period_end: dt.date
    published_at: dt.datetime
    figures_sha256: str


# Recommendations (issue 24) ----------------------------------------------------------------------------------


class BasisItemOut(Schema):
    kind: Literal["weakness", "area"]
    code: str = Field(description="A weakness code (W04) or a framework area's id")
    count: int = Field(
        description="Cases showing the weakness, or graded below the best in the area"
    )
    total: int = Field(description="Of this many cases (those graded, or where the area applied)")


class FindingOut(Schema):
    number: int
    kind: Literal["cause_of_concern", "area_for_improvement"]
    text: str
    basis: list[BasisItemOut] = Field(
        description="The counts the report gave when the finding was made"
    )


class ProgressUpdateOut(Schema):
    note: str
    evidence: str
    by: str
    at: dt.datetime


class PlanActionOut(Schema):
    id: int
    text: str
    owner: str = Field(description="Names or posts, as the body wrote them")
    target_on: dt.date
    state: Literal["open", "done", "escalated", "withdrawn"]
    completed_at: dt.datetime | None
    updates: list[ProgressUpdateOut]


class JudgementOut(Schema):
    inspection_id: int = Field(description="The later inspection that judged it")
    judgement: Literal["met", "partly_met", "not_met", "no_longer_relevant"]
    proposed: str | None = Field(
        description="What the new sample's numbers proposed (None: no proposal)"
    )
    rationale: str
    at: dt.datetime
    evidence: dict[str, Any] = Field(description="The evidence shown to the lead, as stored")


class RecommendationOut(Schema):
    id: int
    number: str = Field(description='Its number within the inspection, e.g. "R2"')
    body: str
    inspection_id: int
    finding: FindingOut
    text: str
    state: Literal["draft", "open", "met", "no_longer_relevant", "withdrawn"]
    immediate: bool
    due_on: dt.date | None = Field(description="None while a draft is due in working days")
    rag: Literal["red", "amber", "green"] = Field(description="See docs/recommendations.md")
    age_days: int | None = Field(description="Days since publication (to closure when closed)")
    last_judgement: Literal["met", "partly_met", "not_met", "no_longer_relevant"] | None
    judged_at: dt.datetime | None
    plan_state: (
        Literal["awaiting", "draft", "submitted", "returned", "accepted", "escalated"] | None
    )
    actions: list[PlanActionOut]
    judgements: list[JudgementOut]
