"""Every read a register page needs, scoped to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from casereview.domain.roles import Role
from casereview.web.accounts.services import user_roles

from .models import Body, Case, Register

#: Roles that may see registers (their metadata; case content comes with later scoping).
REGISTER_READERS = frozenset({Role.ADMINISTRATOR, Role.LEAD_INSPECTOR, Role.INSPECTOR})


def can_see_registers(user: Any) -> bool:
    return bool(user_roles(user) & REGISTER_READERS)


def bodies_for_home(user: Any) -> list[Body]:
    bodies = Body.objects.order_by("code")
    if can_see_registers(user):
        bodies = bodies.prefetch_related(
            Prefetch(
                "registers",
                queryset=Register.objects.filter(state=Register.State.LOCKED).order_by("-imported_at"),
                to_attr="locked_registers",
            )
        )
    return list(bodies)


def registers_visible(user: Any) -> QuerySet[Register]:
    if not can_see_registers(user):
        return Register.objects.none()
    return Register.objects.select_related("body", "imported_by")


def register_detail(user: Any, register_id: int) -> Register | None:
    return registers_visible(user).filter(pk=register_id).first()


def register_category_counts(register: Register) -> list[dict[str, Any]]:
    if register.purged_at is not None:  # the cases are gone; their counts were kept
        counts = sorted(register.category_counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return [{"category": c, "cases": n} for c, n in counts]
    return list(
        Case.objects.filter(register=register)
        .values("category")
        .annotate(cases=Count("id"))
        .order_by("-cases", "category")
    )


def bodies_for_choice() -> QuerySet[Body]:
    return Body.objects.order_by("code")
