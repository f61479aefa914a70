from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from casereview.domain.roles import CAN_IMPORT_REGISTERS
from casereview.web.accounts.services import has_any_role


def navigation(request: HttpRequest) -> dict[str, Any]:
    return {"can_import": has_any_role(getattr(request, "user", None), CAN_IMPORT_REGISTERS)}
