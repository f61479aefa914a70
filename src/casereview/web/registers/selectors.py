"""Every read a register page needs, scoped to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from casereview.domain.journal import JournalAction, Operation
from casereview.domain.roles import Role
from casereview.web.core.access import user_roles
from casereview.web.core.users import User
from casereview.web.journal.services import journal_record

from .models import Body, Case, Register

#: Roles that may see registers (their metadata; case content comes with later scoping).
REGISTER_READERS = frozenset({Role.ADMINISTRATOR, Role.LEAD_INSPECTOR, Role.INSPECTOR})


def body_by_code(code: str) -> Body | None:
    """The body with this code (as typed: surrounding spaces and case do not matter), or None."""
    return Body.objects.filter(code=code.strip().upper()).first()


def can_see_registers(user: Any) -> bool:
    return bool(user_roles(user) & REGISTER_READERS)


def _works_with(user: Any, roles: frozenset[Role]) -> Q:
    """The bodies each of ``roles`` works with (docs/security.md, *Who sees which bodies*)."""
    found = Q(pk__in=[])
    if Role.LEAD_INSPECTOR in roles:
        found |= Q(inspections__lead=user)
    if Role.INSPECTOR in roles:
        found |= Q(inspections__samples__cases__assignments__inspector=user)
    if Role.LIAISON_OFFICER in roles:
        found |= Q(contacts__user=user, contacts__kind="liaison")
    if Role.ANALYST in roles:
        found |= Q(inspections__publications__isnull=False)
    return found


def bodies_visible(user: Any) -> QuerySet[Body]:
    """The bodies a user works with: administrators all; a lead inspector those of the inspections they lead; an
    inspector those of the cases assigned to them; a liaison officer those they are a liaison officer for; an
    analyst those with a published report; nobody else any."""
    roles = user_roles(user)
    if Role.ADMINISTRATOR in roles:
        return Body.objects.all()
    return Body.objects.filter(pk__in=Body.objects.filter(_works_with(user, roles)).values("pk"))


def bodies_for_home(user: Any) -> list[Body]:
    bodies = bodies_visible(user).order_by("code")
    if can_see_registers(user):
        bodies = bodies.prefetch_related(
            Prefetch(
                "registers",
                queryset=registers_visible(user)
                .filter(state=Register.State.LOCKED)
                .order_by("-imported_at"),
                to_attr="locked_registers",
            )
        )
    return list(bodies)


def registers_visible(user: Any) -> QuerySet[Register]:
    """Registers of the bodies the user works with (administrators: all), and those they imported themselves.

    A lead inspector pages only through registers of bodies whose inspections they lead; a register they imported
    is theirs to see whichever body it is for (they held the file).
    """
    roles = user_roles(user)
    if not roles & REGISTER_READERS:
        return Register.objects.none()
    found = Register.objects.select_related("body", "imported_by")
    if Role.ADMINISTRATOR in roles:
        return found
    return found.filter(Q(body__in=bodies_visible(user)) | Q(imported_by=user))


def sampled_by(register_ids: list[int]) -> dict[int, list[int]]:
    """The inspections that drew a sample from each register, in id order: one query for all of them."""
    out: dict[int, list[int]] = {pk: [] for pk in register_ids}
    for pk, inspection_id in Register.objects.filter(
        pk__in=register_ids, samples__isnull=False
    ).values_list("pk", "samples__inspection_id"):
        out[pk].append(inspection_id)
    return {pk: sorted(ids) for pk, ids in out.items()}


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


PAGE_SIZE = 50


def cases_consulted(
    register: Register, *, actor: User, filters: dict[str, str], after: str
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the case list for a person: the read is journaled (the filters, never the cases)."""
    found = case_page(
        register,
        after=after,
        category=filters["category"],
        unit=filters["unit"],
        status=filters["status"],
        q=filters["q"],
    )
    journal_record(
        actor=actor,
        operation=Operation.CONSULTATION,
        action=JournalAction.CASE_LIST,
        object_type="register",
        object_id=register.pk,
        reason="case_list",
        detail={k: v for k, v in {**filters, "after": after}.items() if v},
    )
    return found


def case_page(
    register: Register,
    *,
    category: str = "",
    unit: str = "",
    status: str = "",
    q: str = "",
    after: str = "",
    limit: int = PAGE_SIZE,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a register's cases in case-reference order, and the reference to continue after.

    Keyset pagination on the (register, case_ref) index, so a page costs the same at the first case and the
    ten-millionth, and nothing is ever counted.  Filters are applied while walking that index (no extra
    index, which would slow every import): a page of a rare category reads more index entries, a filter
    matching nothing reads them all.  A reference search matches the start of the reference.
    """
    cases = Case.objects.filter(register=register)
    if category:
        cases = cases.filter(category=category)
    if unit:
        cases = cases.filter(unit=unit)
    if status:
        cases = cases.filter(status=status)
    if q:
        # A range the reference index can serve under any collation (LIKE 'q%' cannot, except under C),
        # then the exact prefix test.
        cases = cases.filter(case_ref__gte=q, case_ref__lt=q + "\U0010ffff", case_ref__startswith=q)
    if after:
        cases = cases.filter(case_ref__gt=after)
    rows: list[dict[str, Any]] = [
        dict(r)
        for r in cases.order_by("case_ref").values(
            "case_ref",
            "category",
            "reported_on",
            "unit",
            "risk_level",
            "status",
            "outcome",
            "closed_on",
        )[: limit + 1]
    ]
    more = len(rows) > limit
    return rows[:limit], rows[limit - 1]["case_ref"] if more else None


def registers_listed() -> QuerySet[Register]:
    """Every imported register with its body, oldest first (the CLI's `casereview registers`)."""
    return Register.objects.select_related("body").order_by("id")


def register_by_id(register_id: int) -> Register | None:
    """The register with this id, or None."""
    return Register.objects.filter(pk=register_id).first()
