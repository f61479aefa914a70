from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from casereview.domain.roles import CAN_IMPORT_REGISTERS, Role
from casereview.web.core.access import has_any_role, is_verified


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    verified = is_verified(user)
    return {
        "verified": verified,
        "can_import": verified and has_any_role(user, CAN_IMPORT_REGISTERS),
        "can_read_journal": verified and has_any_role(user, {Role.ADMINISTRATOR}),
        "can_review": verified and has_any_role(user, {Role.INSPECTOR, Role.LEAD_INSPECTOR}),
        "can_send_back": verified
        and has_any_role(user, {Role.INSPECTOR, Role.LEAD_INSPECTOR, Role.LIAISON_OFFICER}),
        "can_lead": verified and has_any_role(user, {Role.LEAD_INSPECTOR}),
        "can_read_reports": verified
        and has_any_role(user, {Role.ANALYST, Role.LEAD_INSPECTOR, Role.LIAISON_OFFICER}),
    }
