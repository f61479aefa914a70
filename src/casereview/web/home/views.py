from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from casereview.domain.roles import CAN_IMPORT_REGISTERS, GRADING_ROLES, LEADING_ROLES, Role
from casereview.web.core.access import user_roles
from casereview.web.core.templatetags.casereview import uk_date  # the page's language
from casereview.web.registers.selectors import bodies_for_home, can_see_registers

from .selectors import admin_work, analyst_work, inspector_work, lead_work, liaison_work


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page: one block of work for each role the person holds, then the bodies they work with."""
    user = request.user
    roles = user_roles(user)
    # A lead inspector may review cases too: their cases show when they have some.
    cases = inspector_work(user) if roles & set(GRADING_ROLES) else None
    if cases is not None and Role.INSPECTOR not in roles and not cases.inspections:
        cases = None
    return render(
        request,
        "home/start.html",
        {
            "roles": sorted(roles, key=lambda r: r.label),
            "admin": admin_work() if Role.ADMINISTRATOR in roles else None,
            "lead": lead_work(user) if roles & set(LEADING_ROLES) else None,
            "inspector": cases,
            "liaison": liaison_work(user) if Role.LIAISON_OFFICER in roles else None,
            "analyst": analyst_work(user) if Role.ANALYST in roles else None,
            "can_import": bool(roles & CAN_IMPORT_REGISTERS),
            "bodies": bodies_for_home(user),
            "show_registers": can_see_registers(user),
        },
    )


#: The help pages: URL name -> (template, title); the titles are translated when a page is drawn.
HELP_PAGES = {
    "help:sample": ("home/help/sample.html", _("The sample and how to check it")),
    "help:grades": ("home/help/grades.html", _("Grades, shares and intervals")),
    "help:send_backs": ("home/help/send_backs.html", _("What a send back asks of the body")),
}


@login_required
def help_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "home/help/index.html",
        {"help_pages": [(name, title) for name, (_, title) in HELP_PAGES.items()]},
    )


def _help(request: HttpRequest, name: str) -> HttpResponse:
    template, title = HELP_PAGES[name]
    return render(request, template, {"title": title})


@login_required
def help_sample(request: HttpRequest) -> HttpResponse:
    return _help(request, "help:sample")


@login_required
def help_grades(request: HttpRequest) -> HttpResponse:
    return _help(request, "help:grades")


@login_required
def help_send_backs(request: HttpRequest) -> HttpResponse:
    return _help(request, "help:send_backs")


#: The accessibility statement's dates (prepared, last reviewed, last tested): change them with its text.
STATEMENT_PREPARED = dt.date(2026, 12, 3)
STATEMENT_REVIEWED = dt.date(2026, 12, 3)
STATEMENT_TESTED = dt.date(2026, 12, 3)
#: The day report files (PDF, ODS, XLSX) began to be made tagged and structured: files downloaded before it
#: are not, whatever the statement's own dates say.
ACCESSIBLE_FORMATS_FROM = dt.date(2026, 12, 3)


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement, in the model form (Public Sector Bodies Accessibility Regulations 2018);
    open to everyone, signed in or not: someone who cannot sign in must be able to read it."""
    return render(
        request,
        "home/accessibility.html",
        {
            "organisation": str(settings.CASEREVIEW_ORGANISATION).strip(),
            "contact": str(settings.CASEREVIEW_ACCESSIBILITY_CONTACT).strip()
            or str(settings.CASEREVIEW_SUPPORT_CONTACT).strip(),
            "prepared": uk_date(STATEMENT_PREPARED),
            "reviewed": uk_date(STATEMENT_REVIEWED),
            "tested": uk_date(STATEMENT_TESTED),
            "accessible_formats_from": uk_date(ACCESSIBLE_FORMATS_FROM),
        },
    )
