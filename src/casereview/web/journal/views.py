from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import urlencode

from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render

from casereview.domain.roles import Role
from casereview.web.core.access import role_required

from .forms import JournalExportForm, JournalFilterForm
from .selectors import journal_anchor_status, journal_page
from .services import journal_consulted, journal_export

_FILTERS = ("user", "action", "object", "start", "end")


def _cursor(request: HttpRequest, name: str) -> int | None:
    """A page's cursor: a sequence number in ASCII digits ("²" is a digit to ``isdigit`` too, and ``int`` refuses
    it), short enough for the database's integers; anything else is no cursor."""
    value = request.GET.get(name, "")
    return int(value) if len(value) <= 18 and value.isascii() and value.isdigit() else None


@role_required(Role.ADMINISTRATOR)
def index(request: HttpRequest) -> HttpResponseBase:
    """The journal, newest first, narrowed by user, action, object and dates, 50 entries a page by keyset;
    the export downloads what the filters let through between two dates."""
    given = {k: request.GET[k].strip() for k in _FILTERS if request.GET.get(k, "").strip()}
    filter_form = JournalFilterForm(given or None)
    filter_form.is_valid()
    filters = filter_form.filters()
    before, after = _cursor(request, "before"), _cursor(request, "after")
    if request.method == "POST":
        form = JournalExportForm(request.POST)
    else:
        form = JournalExportForm(initial={"start": given.get("start"), "end": given.get("end")})
    if request.method == "POST" and form.is_valid():
        handle = tempfile.NamedTemporaryFile(suffix=".csv", delete=False)  # noqa: SIM115
        handle.close()
        path = Path(handle.name)
        journal_export(
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            path=path,
            actor=request.user,
            purpose=form.cleaned_data["purpose"],
            filters=filters,
        )
        response = FileResponse(path.open("rb"), as_attachment=True, filename="journal.csv")
        path.unlink()  # the open handle keeps the data until the response is sent
        return response
    cursor = {"before": before} if before is not None else {}
    if after is not None:
        cursor = {"after": after}
    journal_consulted(actor=request.user, detail={**filters.detail(), **cursor})
    page = journal_page(filters, before=before, after=after)
    kept = {k: v for k, v in given.items() if k not in filter_form.errors}
    return render(
        request,
        "journal/index.html",
        {
            "page": page,
            "filter_form": filter_form,
            "filtered": filters.any(),
            "query": urlencode(kept),
            "newer_query": (
                urlencode({**kept, "after": page.newer}) if page.newer is not None else ""
            ),
            "older_query": (
                urlencode({**kept, "before": page.older}) if page.older is not None else ""
            ),
            "form": form,
            "summary_form": filter_form if filter_form.errors else form,
            "anchors": journal_anchor_status(),
        },
        status=400 if form.errors or filter_form.errors else 200,
    )
