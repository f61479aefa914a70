"""Inspected bodies, their imported registers and the cases in them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy


class Body(models.Model):
    code = models.CharField(
        max_length=16,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9][A-Z0-9_-]{1,15}$")],
    )
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "bodies"

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class Register(models.Model):
    class State(models.TextChoices):
        # Shown on the register's page (get_state_display), in the reader's language.
        LOCKED = "locked", gettext_lazy("Locked")
        REPLACED = "replaced", gettext_lazy("Replaced")

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="registers")
    sha256 = models.CharField(max_length=64)
    filename = models.CharField(max_length=255)
    size_bytes = models.BigIntegerField()
    file_type = models.CharField(max_length=8)
    encoding = models.CharField(max_length=20, blank=True)
    profile = models.CharField(max_length=100)
    rows = models.IntegerField()
    unmapped_columns = models.JSONField(default=list)
    state = models.CharField(max_length=10, choices=State.choices, default=State.LOCKED)
    imported_at = models.DateTimeField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces"
    )
    retain_until = models.DateField()
    #: When the cases were erased at the end of retention; the counts below stay.
    purged_at = models.DateTimeField(null=True, blank=True)
    category_counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-imported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "sha256"],
                condition=models.Q(state="locked"),
                name="one_locked_register_per_file_per_body",
            )
        ]

    def __str__(self) -> str:
        return f"Register {self.pk} of {self.body.code}"


class Case(models.Model):
    """One row of a register.  Columns match ``domain.registers.STORED_COLUMNS``.

    Cases are written only by the bulk loaders, in the same transaction that
    creates their register, and registers are never deleted (PROTECT).  The
    database-level foreign key is left out on purpose: checking it row by row
    doubled the time of a million-row import (deferred triggers on
    PostgreSQL).  The unique (register, case_ref) index serves every lookup
    by register, so no separate index either.
    """

    register = models.ForeignKey(
        Register,
        on_delete=models.PROTECT,
        related_name="cases",
        db_constraint=False,
        db_index=False,
    )
    case_ref = models.CharField(max_length=100)
    category = models.CharField(max_length=40)
    reported_on = models.DateField()
    unit = models.CharField(max_length=200)
    child_pseudonym = models.CharField(max_length=32, null=True, blank=True)
    child_age = models.SmallIntegerField(null=True, blank=True)
    suspect_pseudonym = models.CharField(max_length=32, null=True, blank=True)
    location_ref = models.CharField(max_length=200, null=True, blank=True)
    risk_level = models.CharField(max_length=10, null=True, blank=True)
    status = models.CharField(max_length=10, null=True, blank=True)
    outcome = models.CharField(max_length=200, null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    summary = models.TextField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["register", "case_ref"], name="case_ref_unique_in_register"
            )
        ]

    def __str__(self) -> str:
        return self.case_ref
