"""Published results that predate casereview, kept as counts for comparison."""

from __future__ import annotations

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
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["period_end", "id"]

    def __str__(self) -> str:
        return f"{self.body.code} {self.label}"
