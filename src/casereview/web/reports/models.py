"""Published results that predate casereview, kept as counts for comparison."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from casereview.web.registers.models import Body


class Baseline(models.Model):
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="baselines")
    label = models.CharField(max_length=200)
    period_end = models.DateField()
    total = models.IntegerField()
    ri_or_inadequate = models.IntegerField()
    good = models.IntegerField(null=True, blank=True)
    requires_improvement = models.IntegerField(null=True, blank=True)
    inadequate = models.IntegerField(null=True, blank=True)
    # Cases per weakness code, when the published result gave them; null when it did not.
    weaknesses = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["period_end", "id"]

    def __str__(self) -> str:
        return f"{self.body.code} {self.label}"


class PublishedReport(models.Model):
    """A report as published: the suppressed figures frozen when the lead inspector published them.

    An inspection may be published again (a correction); every publication stays,
    the latest is the current one.
    """

    inspection = models.ForeignKey(
        "inspections.Inspection", on_delete=models.PROTECT, related_name="publications"
    )
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    as_of = models.DateField()
    data = models.JSONField()
    input_sha256 = models.CharField(max_length=64)
    figures_sha256 = models.CharField(max_length=64)
    # The disclosure audit the publication passed (``Audit.to_json()``: every hidden count's proven range,
    # the rule and its sha256); empty for publications made before the auditor.
    audit = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return f"{self.inspection} published {self.published_at:%Y-%m-%d}"
