"""Calibrations: the inspectorate's blind re-grading of a sample of the cases a body's own audit graded.

A calibration links the body's own audit (an ``Inspection`` of kind own audit) to an inspectorate inspection
of the same body made for it: that inspection's committed seed draws the sample from the cases the own audit
graded (``frame``, fixed when the calibration is created, before the seed is committed), and its inspectors
re-grade them through the ordinary review pages, which read only their own inspection's reviews.  When the
lead completes it, the figures are frozen in ``result``.

Blind before completion: the draw's manifest as the inspection keeps it carries only the SHA-256 of the strata
(the body's grades) and their counts; the manifest with the strata is kept here (``sealed_manifest``) and
replaces the inspection's at completion.  One calibration per own audit that is not withdrawn (a database
constraint): a withdrawn one is kept, with its reason, and listed as withdrawn.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casereview.web.inspections.models import Inspection
from casereview.web.registers.models import Body


class Calibration(models.Model):
    class State(models.TextChoices):
        # Lazy: the page translates the label; str() of it elsewhere (the command line) is the English.
        CREATED = "created", _("Waiting for the draw")
        DRAWN = "drawn", _("Re-grading")
        COMPLETE = "complete", _("Complete")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="calibrations")
    own_audit = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="calibrations_of"
    )
    #: The inspectorate's inspection that re-grades the drawn cases (made for this calibration).
    inspection = models.OneToOneField(
        Inspection, on_delete=models.PROTECT, related_name="calibration"
    )
    size = models.PositiveIntegerField()
    #: Drawn in proportion from the strata of the body's overall grade.
    stratify = models.BooleanField(default=False)
    #: The cases the own audit had graded when the calibration was created: references sorted, the body's
    #: overall grade of each, the register and the SHA-256 of the list (``selectors.frame_digest``).
    frame = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.CREATED)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    drawn_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    #: The figures frozen at completion: the statistics' ``as_dict()`` with the pairs' counts.
    result = models.JSONField(null=True, blank=True)
    #: The draw's whole manifest (with the strata: the body's grade of each case), kept from the inspection's
    #: pages until completion, when it replaces the inspection's sealed one.
    sealed_manifest = models.JSONField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One calibration of an own audit at a time: drawing again until a sample suits is impossible.
            models.UniqueConstraint(
                fields=["own_audit"],
                condition=~models.Q(state="withdrawn"),
                name="calibration_one_per_own_audit",
            )
        ]

    def __str__(self) -> str:
        return f"Calibration {self.pk} of {self.own_audit_id}"
