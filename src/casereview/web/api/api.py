"""The JSON API at /api/v1/ for the inspected bodies' systems and for analysts.

Personal access tokens (``Authorization: Bearer cr_…``), each with scopes, an
expiry and a rate limit; a token never reaches more than its user could on
the web (the same selectors decide).  Every error is
``{"error": {"status", "code", "message", "details"}}``.  Every use is
journaled (``ApiJournalMiddleware``), and the services journal what they do.
The recommendations' operations are in ``recommendations_api.py``.
"""

# No ``from __future__ import annotations`` here: see ``base.strict_query``.
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import File, Form, Query, Status
from ninja.files import UploadedFile
from pydantic import Field

from casereview.domain.referrals import TransitionRefused
from casereview.domain.roles import CAN_IMPORT_REGISTERS
from casereview.domain.tokens import Scope
from casereview.web.core.access import has_any_role
from casereview.web.inspections.selectors import inspection_led_or_404, inspection_sample
from casereview.web.inspections.services import manifest_disclosed
from casereview.web.referrals.selectors import late, send_back_for, send_backs_visible, with_history
from casereview.web.referrals.services import AlreadyChanged, SendBackError, sendback_act
from casereview.web.registers.selectors import registers_visible, sampled_by
from casereview.web.registers.services import RegisterRejected, import_limits, register_import
from casereview.web.reports.selectors import inspection_report, publications_visible
from casereview.web.reports.services import report_disclosed, report_links_refresh

from . import schemas as s
from .base import ApiError, Page, api, error_responses, strict_query, token_user

# Registers ----------------------------------------------------------------------------------------------

#: The API with every operation below registered on it: what ``web/urls.py`` serves.
__all__ = ["api"]


def _register_out(register: Any, samples: list[int] | None = None) -> dict[str, Any]:
    """One register; ``samples`` (the inspections that drew from it) when a list has read them already."""
    return {
        "id": register.pk,
        "body": register.body.code,
        "filename": register.filename,
        "rows": register.rows,
        "sha256": register.sha256,
        "state": register.state,
        "imported_at": register.imported_at,
        "profile": register.profile,
        "unmapped_columns": list(register.unmapped_columns or []),
        "samples": samples
        if samples is not None
        else sorted(register.samples.values_list("inspection_id", flat=True)),
    }


REGISTER_LINKS = {
    "GetRegister": {
        "operationId": "get_register",
        "parameters": {"register_id": "$response.body#/id"},
    },
    "GetSampleManifest": {
        "operationId": "get_manifest",
        "parameters": {"inspection_id": "$response.body#/samples/0"},
    },
}


@api.get(
    "/registers",
    response={200: list[s.RegisterOut], **error_responses()},
    operation_id="list_registers",
    url_name="registers",
    tags=["registers"],
    summary="Registers you may see, newest first",
    openapi_extra={
        "responses": {
            "200": {
                "description": "OK",
                "links": {
                    "GetFirstRegister": {
                        "operationId": "get_register",
                        "parameters": {"register_id": "$response.body#/0/id"},
                    },
                    "GetFirstSampleManifest": {
                        "operationId": "get_manifest",
                        "parameters": {"inspection_id": "$response.body#/0/samples/0"},
                    },
                },
            }
        }
    },
)
@strict_query(*Page.model_fields)
def list_registers(request: HttpRequest, page: Query[Page]) -> Any:
    user = token_user(request, Scope.READ)
    found = list(
        registers_visible(user).order_by("-imported_at", "-id")[
            page.offset : page.offset + page.limit
        ]
    )
    samples = sampled_by([r.pk for r in found])
    return [_register_out(r, samples[r.pk]) for r in found]


@api.post(
    "/registers",
    response={201: s.RegisterOut, **error_responses(409, 413)},
    operation_id="upload_register",
    tags=["registers"],
    summary="Send a register (CSV or XLSX), all or nothing",
    description="Validated as `casereview import-register` does. A file with bad rows stores nothing and is "
    "refused with 422 and every problem in `error.details` (line, column, value, reason). 409: the "
    "same file was already imported for the body (send `replace=true` to import it again). 413: "
    "larger than the largest register accepted. Needs the `register_upload` scope and a role that "
    "may import registers.",
    openapi_extra={"responses": {"201": {"description": "Imported", "links": REGISTER_LINKS}}},
)
@strict_query()
def upload_register(
    request: HttpRequest, form: Form[s.RegisterUpload], file: File[UploadedFile]
) -> Any:
    user = token_user(request, Scope.REGISTER_UPLOAD)
    if not has_any_role(user, CAN_IMPORT_REGISTERS):
        raise ApiError(
            403, "role_missing", "Only an administrator or a lead inspector may import registers"
        )
    if file.size is not None and file.size > import_limits().max_bytes:
        raise ApiError(
            413,
            "too_large",
            f"The file is larger than the largest register accepted ({import_limits().max_bytes:,} bytes)",
        )
    tmp_dir = Path(settings.VAR_DIR) / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    name = Path(file.name or "register.csv").name
    with tempfile.NamedTemporaryFile(dir=tmp_dir, suffix=Path(name).suffix.lower()[:6]) as tmp:
        for chunk in file.chunks():
            tmp.write(chunk)
        tmp.flush()
        try:
            register = register_import(
                path=Path(tmp.name),
                filename=name,
                body_code=form.body,
                replace=form.replace,
                actor=user,
            )
        except RegisterRejected as exc:
            status, code = {
                "unknown_body": (422, "unknown_body"),
                "duplicate": (409, "duplicate"),
                "bad_rows": (422, "invalid_rows"),
            }.get(exc.kind, (422, "invalid_file"))
            raise ApiError(status, code, exc.message, [e.as_dict() for e in exc.errors]) from exc
    return Status(201, _register_out(register))


@api.get(
    "/registers/{register_id}",
    response={200: s.RegisterOut, **error_responses()},
    operation_id="get_register",
    url_name="register",
    tags=["registers"],
    summary="One register",
    openapi_extra={
        "responses": {
            "200": {
                "description": "OK",
                "links": {"GetSampleManifest": REGISTER_LINKS["GetSampleManifest"]},
            }
        }
    },
)
@strict_query()
def get_register(request: HttpRequest, register_id: int) -> Any:
    user = token_user(request, Scope.READ)
    register = registers_visible(user).filter(pk=register_id).first()
    if register is None:
        raise Http404
    return _register_out(register)


# Inspections ----------------------------------------------------------------------------------------------


def _led(request: HttpRequest, inspection_id: int) -> Any:
    return inspection_led_or_404(token_user(request, Scope.READ), inspection_id)


@api.get(
    "/inspections/{inspection_id}/manifest",
    response={200: s.ManifestOut, **error_responses()},
    operation_id="get_manifest",
    url_name="manifest",
    tags=["inspections"],
    summary="An inspection's sample manifest (the lead inspector who leads it)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "OK",
                "links": {
                    "ListSendBacks": {
                        "operationId": "list_send_backs",
                        "parameters": {
                            "query.inspection_id": "$response.body#/inspection_id",
                            "query.offset": 0,
                            "query.limit": 100,
                        },
                    }
                },
            }
        }
    },
)
@strict_query()
def get_manifest(request: HttpRequest, inspection_id: int) -> Any:
    inspection = _led(request, inspection_id)
    sample = inspection_sample(inspection)
    if sample is None:
        raise Http404
    manifest_disclosed(sample=sample, actor=request.api_token.user)  # type: ignore[attr-defined]
    return {
        "inspection_id": inspection.pk,
        "register_id": sample.register_id,
        "manifest": sample.manifest,
    }


@api.get(
    "/inspections/{inspection_id}/report",
    response={200: dict[str, Any], **error_responses()},
    operation_id="get_report",
    url_name="report",
    tags=["reports"],
    summary="An inspection's full report as JSON (the lead inspector who leads it); see docs/reports.md",
)
@strict_query()
def get_report(request: HttpRequest, inspection_id: int) -> Any:
    inspection = _led(request, inspection_id)
    report_links_refresh(inspection=inspection)
    report = inspection_report(inspection)
    report_disclosed(
        actor=request.api_token.user,  # type: ignore[attr-defined]
        inspection_id=inspection.pk,
        fmt="api",
        published=False,
        figures_sha256=report.reproducibility.figures_sha256,
    )
    return report.to_json()


@api.get(
    "/reports",
    response={200: list[s.PublicationOut], **error_responses()},
    operation_id="list_reports",
    url_name="reports",
    tags=["reports"],
    summary="Published reports you may read, newest first",
)
@strict_query(*Page.model_fields)
def list_reports(request: HttpRequest, page: Query[Page]) -> Any:
    user = token_user(request, Scope.READ)
    return [
        {
            "id": p.pk,
            "inspection_id": p.inspection_id,
            "inspection": p.inspection.name,
            "body": p.inspection.body.code,
            "period_end": p.inspection.period_end,
            "published_at": p.published_at,
            "figures_sha256": p.figures_sha256,
        }
        for p in publications_visible(user)[page.offset : page.offset + page.limit]
    ]


@api.get(
    "/reports/{publication_id}",
    response={200: dict[str, Any], **error_responses()},
    operation_id="get_published_report",
    url_name="published_report",
    tags=["reports"],
    summary="A published report as JSON (small numbers suppressed)",
)
@strict_query()
def get_published_report(request: HttpRequest, publication_id: int) -> Any:
    found = publications_visible(token_user(request, Scope.READ)).filter(pk=publication_id).first()
    if found is None:
        raise Http404
    report_disclosed(
        actor=request.api_token.user,  # type: ignore[attr-defined]
        inspection_id=found.inspection_id,
        fmt="api",
        published=True,
        figures_sha256=found.figures_sha256,
        publication=found.pk,
    )
    return found.data


# Send backs -------------------------------------------------------------------------------------------------


def _send_back_out(send_back: Any) -> dict[str, Any]:
    return {
        "id": send_back.pk,
        "inspection_id": send_back.inspection_id,
        "inspection": send_back.inspection.name,
        "body": send_back.body.code,
        "case_ref": send_back.sampled_case.case_ref,
        "reason": send_back.reason,
        "urgency": send_back.urgency,
        "state": send_back.state,
        "version": send_back.version,
        "opened_at": send_back.opened_at,
        "due_on": send_back.due_on,
        "overdue": late(send_back, timezone.localdate()),
        "first_response_at": send_back.first_response_at,
        "closed_at": send_back.closed_at,
        "events": [
            {
                "action": e.action,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "at": e.at,
                "by": e.by_name,
                "note": e.note,
            }
            for e in send_back.events.all()  # oldest first: the model's order (and with_history's)
        ],
    }


class SendBackFilter(Page):
    inspection_id: int | None = Field(
        None, ge=1, le=2_147_483_647, description="Only this inspection's send backs"
    )
    state: str | None = Field(
        None, pattern="^(opened|acknowledged|response_submitted|returned|escalated|closed)$"
    )


SEND_BACK_LINKS = {
    "GetSendBack": {
        "operationId": "get_send_back",
        "parameters": {"send_back_id": "$response.body#/0/id"},
    },
}


@api.get(
    "/send-backs",
    response={200: list[s.SendBackOut], **error_responses()},
    operation_id="list_send_backs",
    url_name="send_backs",
    tags=["send backs"],
    summary="Send backs you may see (a liaison officer: those sent to their body), oldest due first",
    openapi_extra={"responses": {"200": {"description": "OK", "links": SEND_BACK_LINKS}}},
)
@strict_query(*SendBackFilter.model_fields)
def list_send_backs(request: HttpRequest, filters: Query[SendBackFilter]) -> Any:
    found = with_history(send_backs_visible(token_user(request, Scope.READ)))
    if filters.inspection_id is not None:
        found = found.filter(inspection_id=filters.inspection_id)
    if filters.state is not None:
        found = found.filter(state=filters.state)
    return [
        _send_back_out(b)
        for b in found.order_by("due_on", "id")[filters.offset : filters.offset + filters.limit]
    ]


def _visible_send_back(request: HttpRequest, send_back_id: int, scope: Scope) -> Any:
    found = send_back_for(token_user(request, scope), send_back_id)
    if found is None:
        raise Http404
    return found


@api.get(
    "/send-backs/{send_back_id}",
    response={200: s.SendBackOut, **error_responses()},
    operation_id="get_send_back",
    url_name="send_back",
    tags=["send backs"],
    summary="One send back with its history",
    openapi_extra={
        "responses": {
            "200": {
                "description": "OK",
                "links": {
                    "ActOnSendBack": {
                        "operationId": "act_on_send_back",
                        "parameters": {"send_back_id": "$response.body#/id"},
                    }
                },
            }
        }
    },
)
@strict_query()
def get_send_back(request: HttpRequest, send_back_id: int) -> Any:
    return _send_back_out(_visible_send_back(request, send_back_id, Scope.READ))


@api.post(
    "/send-backs/{send_back_id}/actions",
    response={200: s.SendBackOut, **error_responses(409)},
    operation_id="act_on_send_back",
    tags=["send backs"],
    summary="Acknowledge, respond to, return or accept a send back",
    description="A liaison officer acknowledges and responds (with what was done, in `note`); the inspectorate "
    "returns (with what more is needed) or accepts. `version` is the version you read: if anyone "
    "acted since, nothing changes and the answer is 409 with the current state. Needs the "
    "`send_back_response` scope.",
)
@strict_query()
def act_on_send_back(request: HttpRequest, send_back_id: int, payload: s.SendBackAction) -> Any:
    send_back = _visible_send_back(request, send_back_id, Scope.SEND_BACK_RESPONSE)
    if payload.version != send_back.version:
        raise ApiError(
            409,
            "stale_version",
            f"The send back is at version {send_back.version}; read it again",
            [{"state": send_back.state, "version": send_back.version}],
        )
    try:
        changed = sendback_act(
            send_back=send_back,
            action=payload.action,
            actor=request.api_token.user,  # type: ignore[attr-defined]
            expected_version=payload.version,
            note=payload.note,
        )
    except AlreadyChanged as exc:
        raise ApiError(
            409,
            "stale_version",
            "Someone acted on this send back first; read it again",
            [{"state": exc.send_back.state, "version": exc.send_back.version}],
        ) from exc
    except TransitionRefused as exc:
        raise ApiError(409, "not_allowed_now", str(exc), [{"state": send_back.state}]) from exc
    except SendBackError as exc:
        raise ApiError(422, "invalid_action", str(exc)) from exc
    return _send_back_out(changed)


# Last, so that the recommendations' operations follow these in the OpenAPI description, as they always have.
import casereview.web.api.recommendations_api  # noqa: E402, F401
