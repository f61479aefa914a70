"""Every read a register page needs, scoped to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Prefetch, Q, QuerySet

from casereview.domain.journal import JournalAction, Operation
from casereview.domain.roles import AUDITOR_CONTACT, Role
from casereview.domain.words import Kind, words
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
    if Role.BODY_AUDITOR in roles:
        found |= Q(contacts__user=user, contacts__kind=AUDITOR_CONTACT)
    if Role.ANALYST in roles:
        found |= Q(inspections__publications__isnull=False)
    return found


def bodies_visible(user: Any) -> QuerySet[Body]:
    """The bodies a user works with: administrators all; a lead inspector those of the inspections they lead; an
    inspector those of the cases assigned to them; a liaison officer those they are a liaison officer for; a
    body auditor those they audit; an analyst those with a published report; nobody else any."""
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
#: A filtered count that must walk the cases stops here ("more than 10,000 cases match").
COUNT_CAP = 10_000
#: More units than this and the unit filter is a text box, not a drop-down.
UNIT_CHOICES_MAX = 200


def register_values(register: Register) -> list[tuple[str, str, int]]:
    """(category, unit, cases) for every pair in the register: the case list's drop-downs and its counts.

    One GROUP BY over the register's cases, kept in the cache for good: a register's cases never change once
    imported (erasure ends the case list), so each process reads it once per register, not once a page."""
    key = f"casereview:register-values:{register.pk}:{register.sha256}:{register.imported_at.timestamp()}"
    found = cache.get(key)
    if found is None:
        found = [
            (category, unit, n)
            for category, unit, n in Case.objects.filter(register=register)
            .order_by()
            .values("category", "unit")
            .annotate(n=Count("id"))
            .values_list("category", "unit", "n")
        ]
        cache.set(key, found, timeout=None)
    return list(found)


@dataclass(frozen=True)
class CaseChoices:
    categories: list[str]  # codes, in the order of their words
    units: list[str]  # empty when there are more than UNIT_CHOICES_MAX (the filter is then typed)


def case_choices(register: Register) -> CaseChoices:
    values = register_values(register)
    categories = sorted({c for c, _, _ in values}, key=lambda c: words(Kind.CATEGORY, c))
    units = sorted({u for _, u, _ in values}, key=str.casefold)
    return CaseChoices(categories, units if len(units) <= UNIT_CHOICES_MAX else [])


@dataclass(frozen=True)
class CasePage:
    rows: list[dict[str, Any]]
    #: Cases matching: exact when `count_exact`, else at least COUNT_CAP.
    count: int
    count_exact: bool
    #: The cursors of the neighbouring pages: Previous (``before``) and Next (``after``).
    previous_before: str | None
    next_after: str | None


def cases_consulted(
    register: Register, *, actor: User, filters: dict[str, str], after: str, before: str = ""
) -> CasePage:
    """One page of the case list for a person: the read is journaled (the filters, never the cases)."""
    found = case_list_page(
        register,
        category=filters["category"],
        unit=filters["unit"],
        status=filters["status"],
        q=filters["q"],
        after=after,
        before=before,
    )
    journal_record(
        actor=actor,
        operation=Operation.CONSULTATION,
        action=JournalAction.CASE_LIST,
        object_type="register",
        object_id=register.pk,
        reason="case_list",
        detail={k: v for k, v in {**filters, "after": after, "before": before}.items() if v},
    )
    return found


def _cases(register: Register, *, category: str, unit: str, status: str, q: str) -> QuerySet[Case]:
    """The register's cases that the filters let through, unordered.  Unit and reference match whatever
    their case; a reference search matches the start of the reference."""
    cases = Case.objects.filter(register=register)
    if category:
        cases = cases.filter(category=category)
    if unit:
        cases = cases.filter(unit__iexact=unit)
    if status:
        cases = cases.filter(status=status)
    if q:
        # Ranges the reference index can serve under any collation (LIKE 'q%' cannot, except under C), for
        # the reference as typed, in capitals and in small letters; then the prefix test, in any case.
        ranges = Q(pk__in=[])
        for variant in dict.fromkeys((q, q.upper(), q.lower())):
            ranges |= Q(case_ref__gte=variant, case_ref__lt=variant + "\U0010ffff")
        cases = cases.filter(ranges, case_ref__istartswith=q)
    return cases


_CASE_COLUMNS = (
    "case_ref",
    "category",
    "reported_on",
    "unit",
    "risk_level",
    "status",
    "outcome",
    "closed_on",
)


def case_count(
    register: Register, *, category: str = "", unit: str = "", status: str = "", q: str = ""
) -> tuple[int, bool]:
    """How many cases match, and whether exactly: the register's row count, or the sum of its (category,
    unit) counts when only those filter; otherwise counted up to COUNT_CAP + 1 only."""
    if not status and not q:
        if not category and not unit:
            return register.rows, True
        wanted = unit.casefold()
        return sum(
            n
            for c, u, n in register_values(register)
            if (not category or c == category) and (not unit or u.casefold() == wanted)
        ), True
    found = (
        _cases(register, category=category, unit=unit, status=status, q=q)
        .order_by()
        .values("id")[: COUNT_CAP + 1]
        .count()
    )
    return min(found, COUNT_CAP), found <= COUNT_CAP


def case_list_page(
    register: Register,
    *,
    category: str = "",
    unit: str = "",
    status: str = "",
    q: str = "",
    after: str = "",
    before: str = "",
    limit: int = PAGE_SIZE,
) -> CasePage:
    """One page of a register's cases in reference order: the first, those after ``after`` (Next) or those
    before ``before`` (Previous), with the count and the cursors of the pages either side.

    Keyset pagination on the (register, case_ref) index, so a page costs the same at the first case and the
    ten-millionth.  Filters are applied while walking that index (no extra index, which would slow every
    import): a page of a rare category reads more index entries, a filter matching nothing reads them all.
    """
    found = _cases(register, category=category, unit=unit, status=status, q=q)
    count, exact = case_count(register, category=category, unit=unit, status=status, q=q)
    if before:
        earlier = list(
            found.filter(case_ref__lt=before)
            .order_by("-case_ref")
            .values(*_CASE_COLUMNS)[: limit + 1]
        )
        if earlier:
            rows = [dict(r) for r in earlier[:limit][::-1]]
            previous = rows[0]["case_ref"] if len(earlier) > limit else None
            later = found.filter(case_ref__gt=rows[-1]["case_ref"]).exists()
            return CasePage(rows, count, exact, previous, rows[-1]["case_ref"] if later else None)
        after = ""  # nothing before the cursor: the first page
    rows, next_after = case_page(
        register, category=category, unit=unit, status=status, q=q, after=after, limit=limit
    )
    previous = (
        rows[0]["case_ref"]
        if after and rows and found.filter(case_ref__lt=rows[0]["case_ref"]).exists()
        else None
    )
    return CasePage(rows, count, exact, previous, next_after)


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
    """One page of a register's cases in case-reference order after ``after``, and the reference to continue
    after (None on the last page); nothing counted (`case_list_page` adds the count and Previous)."""
    cases = _cases(register, category=category, unit=unit, status=status, q=q)
    if after:
        cases = cases.filter(case_ref__gt=after)
    rows: list[dict[str, Any]] = [
        dict(r) for r in cases.order_by("case_ref").values(*_CASE_COLUMNS)[: limit + 1]
    ]
    more = len(rows) > limit
    return rows[:limit], rows[limit - 1]["case_ref"] if more else None


def registers_listed() -> QuerySet[Register]:
    """Every imported register with its body, oldest first (the CLI's `casereview registers`)."""
    return Register.objects.select_related("body").order_by("id")


def register_by_id(register_id: int) -> Register | None:
    """The register with this id, or None."""
    return Register.objects.filter(pk=register_id).first()
