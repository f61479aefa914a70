"""Erasing registers past their retention date: the cases, and the samples' pointers to them.

It lives with inspections, above registers, because the pointers (``RelatedCase``) belong to samples.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from casereview.domain.journal import JournalAction, Operation
from casereview.domain.retention import purge_due
from casereview.web.core.users import User
from casereview.web.journal.services import journal_record
from casereview.web.registers.models import Case, Register

from .models import RelatedCase


def registers_purge_due(*, today: Any = None, actor: User | None = None) -> list[dict[str, Any]]:
    """Erase the cases of every register past its retention date; keep counts. Idempotent."""
    today = today or timezone.localdate()
    purged: list[dict[str, Any]] = []
    for register in Register.objects.filter(purged_at__isnull=True).order_by("id"):
        if not purge_due(register.retain_until, today):
            continue
        with transaction.atomic():
            counts = dict(
                Case.objects.filter(register=register)
                .values_list("category")
                .annotate(n=Count("id"))
                .values_list("category", "n")
            )
            # The samples' pointers to the rows erased here go first (they carry no constraint).
            RelatedCase.objects.filter(sampled_case__sample__register=register).delete()
            erased, _ = Case.objects.filter(register=register).delete()
            register.category_counts = counts
            register.purged_at = timezone.now()
            register.save(update_fields=["category_counts", "purged_at"])
            journal_record(
                actor=actor,
                operation=Operation.ERASURE,
                action=JournalAction.REGISTER_PURGE,
                object_type="register",
                object_id=register.pk,
                detail={"cases_erased": erased, "retain_until": register.retain_until.isoformat()},
            )
        purged.append({"register_id": register.pk, "cases_erased": erased})
    return purged
