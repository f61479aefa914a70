from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext

from casereview.domain.registers import CATEGORIES, STATUSES, RegisterError
from casereview.domain.roles import CAN_IMPORT_REGISTERS, Role
from casereview.domain.words import number
from casereview.web.core.access import role_required
from casereview.web.core.phrases import refusal_words

from . import selectors
from .forms import BodyForm, RegisterUploadForm
from .services import (
    RegisterRejected,
    body_add,
    error_report_take,
    error_report_write,
    register_import,
)

SHOWN_ERRORS = 1000
_ERRORS_KEY = "register_errors_token"


def _shown(errors: list[Any]) -> list[Any]:
    """The first SHOWN_ERRORS problems, and always the lines counting the rest (line 0)."""
    return errors[:SHOWN_ERRORS] + [e for e in errors[SHOWN_ERRORS:] if e.line == 0]


def _rejection_links(rejection: RegisterRejected | None) -> list[dict[str, str]]:
    """The error summary's link down to the table of row problems, when there are any."""
    if rejection is None or not rejection.errors:
        return []
    total = rejection.total
    message = ngettext(
        "See the %(shown)s problem below", "See the %(shown)s problems below", total
    ) % {"shown": total}
    return [{"field": "row-errors", "message": message}]


@role_required(*CAN_IMPORT_REGISTERS)
def upload(request: HttpRequest) -> HttpResponse:
    form = (
        RegisterUploadForm(request.POST, request.FILES)
        if request.method == "POST"
        else RegisterUploadForm()
    )
    rejection: RegisterRejected | None = None
    token = ""
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        tmp_dir = Path(settings.VAR_DIR) / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        suffix = Path(uploaded.name).suffix.lower()[:6]
        with tempfile.NamedTemporaryFile(dir=tmp_dir, suffix=suffix) as tmp:
            for chunk in uploaded.chunks():
                tmp.write(chunk)
            tmp.flush()
            try:
                register = register_import(
                    path=Path(tmp.name),
                    filename=Path(uploaded.name).name,
                    body_code=form.cleaned_data["body"].code,
                    profile=form.cleaned_data["profile"],
                    sheet=form.cleaned_data["sheet"] or None,
                    replace=form.cleaned_data["replace"],
                    actor=request.user,
                )
            except RegisterRejected as exc:
                rejection = exc
                # This request's own refusal: its page says it in the reader's language (the English
                # ``message`` is the command line's and the API's).
                rejection.message = refusal_words(exc)
                if exc.errors:
                    token = error_report_write(exc.errors)
                    request.session[_ERRORS_KEY] = token
            else:
                messages.success(
                    request,
                    ngettext(
                        "Register %(register)s imported for %(body)s: %(shown)s case",
                        "Register %(register)s imported for %(body)s: %(shown)s cases",
                        register.rows,
                    )
                    % {
                        "register": register.pk,
                        "body": register.body.name,
                        "shown": number(register.rows),
                    },
                )
                return redirect("registers:detail", register_id=register.pk)
    return render(
        request,
        "registers/upload.html",
        {
            "form": form,
            "rejection": rejection,
            "shown_errors": _shown(rejection.errors) if rejection else [],
            "rejection_links": _rejection_links(rejection),
            "errors_token": token,
            "error_report_hours": f"{settings.CASEREVIEW_ERROR_REPORT_HOURS:g}",
        },
        status=422 if rejection else 200,
    )


@role_required(*CAN_IMPORT_REGISTERS)
def upload_errors(request: HttpRequest, token: str) -> HttpResponseBase:
    if request.session.get(_ERRORS_KEY) != token:
        raise Http404
    report = error_report_take(token)  # one download: the body's values are not kept after it
    if report is None:
        raise Http404
    return FileResponse(report, as_attachment=True, filename="register-errors.csv")


@role_required(Role.ADMINISTRATOR, Role.LEAD_INSPECTOR, Role.INSPECTOR)
def detail(request: HttpRequest, register_id: int) -> HttpResponse:
    register = selectors.register_detail(request.user, register_id)
    if register is None:
        raise Http404
    return render(
        request,
        "registers/detail.html",
        {"register": register, "categories": selectors.register_category_counts(register)},
    )


@role_required(Role.ADMINISTRATOR)
def body_new(request: HttpRequest) -> HttpResponse:
    """Administrators add an inspected body (its short code and name)."""
    form = BodyForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            body_add(
                code=form.cleaned_data["code"], name=form.cleaned_data["name"], actor=request.user
            )
        except RegisterError as exc:
            form.add_error("code", refusal_words(exc))
        else:
            messages.success(
                request,
                gettext("%(name)s added, with the short code %(code)s")
                % {"name": form.cleaned_data["name"], "code": form.cleaned_data["code"].upper()},
            )
            return redirect("home")
    return render(
        request, "registers/body_new.html", {"form": form}, status=400 if form.errors else 200
    )


@role_required(*CAN_IMPORT_REGISTERS)
def cases(request: HttpRequest, register_id: int) -> HttpResponse:
    """A register's cases (never summaries or pseudonyms), filtered, counted, 50 at a time with Previous and
    Next; each page journaled."""
    register = selectors.register_detail(request.user, register_id)
    if register is None or register.purged_at is not None:
        raise Http404
    filters = {
        key: request.GET.get(key, "").strip()[:100] for key in ("category", "unit", "status", "q")
    }
    if filters["category"] not in ("", *CATEGORIES):
        filters["category"] = ""
    if filters["status"] not in ("", *STATUSES):
        filters["status"] = ""
    after = request.GET.get("after", "")[:100]
    before = "" if after else request.GET.get("before", "")[:100]
    page = selectors.cases_consulted(
        register, actor=request.user, filters=filters, after=after, before=before
    )
    kept = {k: v for k, v in filters.items() if v}
    return render(
        request,
        "registers/cases.html",
        {
            "register": register,
            "page": page,
            "rows": page.rows,
            "filters": filters,
            "filtered": bool(kept),
            "previous_query": urlencode({**kept, "before": page.previous_before})
            if page.previous_before
            else "",
            "next_query": urlencode({**kept, "after": page.next_after}) if page.next_after else "",
            "choices": selectors.case_choices(register),
            "statuses": STATUSES,
        },
    )
