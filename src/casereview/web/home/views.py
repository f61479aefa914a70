from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from casereview.web.core.access import user_roles
from casereview.web.registers.selectors import bodies_for_home, can_see_registers


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/home.html",
        {
            "bodies": bodies_for_home(request.user),
            "show_registers": can_see_registers(request.user),
            "roles": sorted(r.label for r in user_roles(request.user)),
        },
    )
