from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from casereview.domain.roles import CAN_IMPORT_REGISTERS, GRADING_ROLES, LEADING_ROLES, Role
from casereview.web.core.access import has_any_role, is_verified


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    verified = is_verified(user)
    return {
        "verified": verified,
        "can_import": verified and has_any_role(user, CAN_IMPORT_REGISTERS),
        "can_read_journal": verified and has_any_role(user, {Role.ADMINISTRATOR}),
        "can_review": verified and has_any_role(user, set(GRADING_ROLES)),
        "can_send_back": verified
        and has_any_role(user, {Role.INSPECTOR, Role.LEAD_INSPECTOR, Role.LIAISON_OFFICER}),
        "can_lead": verified and has_any_role(user, set(LEADING_ROLES)),
        "can_read_reports": verified
        and has_any_role(user, {Role.ANALYST, Role.LEAD_INSPECTOR, Role.LIAISON_OFFICER}),
        # Calibrations (issue 24): everyone who may see some (``calibration.views.READERS``).
        "can_calibrate": verified
        and has_any_role(
            user,
            {Role.LEAD_INSPECTOR, Role.ANALYST, Role.BODY_AUDITOR, Role.LIAISON_OFFICER},
        ),
        # The recommendations register (issue 24): the same readers as published reports.
        "can_follow_up": verified
        and has_any_role(user, {Role.ANALYST, Role.LEAD_INSPECTOR, Role.LIAISON_OFFICER}),
    }
