from __future__ import annotations

import tempfile
from pathlib import Path

from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render

from casereview.domain.roles import Role
from casereview.web.core.access import role_required

from .forms import JournalExportForm
from .selectors import journal_anchor_status
from .services import journal_consulted, journal_export


@role_required(Role.ADMINISTRATOR)
def index(request: HttpRequest) -> HttpResponseBase:
    form = JournalExportForm(request.POST) if request.method == "POST" else JournalExportForm()
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
        )
        response = FileResponse(path.open("rb"), as_attachment=True, filename="journal.csv")
        path.unlink()  # the open handle keeps the data until the response is sent
        return response
    return render(
        request,
        "journal/index.html",
        {
            "entries": journal_consulted(actor=request.user),
            "form": form,
            "anchors": journal_anchor_status(),
        },
        status=400 if form.errors else 200,
    )
