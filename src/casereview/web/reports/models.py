"""Published results that predate casereview, kept as counts for comparison."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from casereview.domain.release import ReleaseState
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
    # The same published document in each other language casereview offers ({"cy": document}), made with it
    # from the same facts: every figure, code and key as in ``data``, only the words differ, and the English
    # version's digests (``domain.report_languages``).  Empty for publications made before reports were
    # written in Welsh: those are offered in English only.
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return f"{self.inspection} published {self.published_at:%Y-%m-%d}"


class ScheduledPublication(models.Model):
    """A publication pre-announced for a moment, with the people given access before release
    (``domain.release``).  ``publish-due`` turns it into a PublishedReport at that moment, once; or it is
    cancelled, or it fails (``failure_reasons`` say why, for the lead only)."""

    State = ReleaseState  # the states are the domain's (``domain.release``), listed once

    inspection = models.ForeignKey(
        "inspections.Inspection", on_delete=models.PROTECT, related_name="scheduled_publications"
    )
    release_at = models.DateTimeField()
    # [{"name": …, "role": …}, …]: staff names and their role and organisation, never case data.
    pre_release_access = models.JSONField(default=list, blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    scheduled_at = models.DateTimeField()
    changed_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(
        max_length=16,
        choices=[(s.value, s.value.capitalize()) for s in ReleaseState],
        default=ReleaseState.SCHEDULED,
    )
    finished_at = models.DateTimeField(null=True, blank=True)  # published, cancelled or failed
    publication = models.OneToOneField(
        PublishedReport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pre_announcement",
    )
    failure_reasons = models.JSONField(default=list, blank=True)
    # The published version's figures_sha256 (as of the release day) when it was scheduled or last changed:
    # what the people given pre-release access saw.  A release whose figures differ does not go out.
    figures_sha256 = models.CharField(max_length=64, blank=True, default="")
    # Each change before release, oldest first: [{"from": ISO, "to": ISO, "reason": …, "at": ISO}].
    changes = models.JSONField(default=list, blank=True)
    cancel_reason = models.TextField(blank=True, default="")
    # Runs of publish-due that went wrong on it (an error, not a refusal), and the last error (for the log's
    # reader; never journaled or e-mailed).
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["release_at", "id"]
        constraints = [
            # One announced publication at a time for an inspection: change it rather than add another.
            models.UniqueConstraint(
                fields=["inspection"],
                condition=models.Q(state="scheduled"),
                name="one_scheduled_publication_per_inspection",
            )
        ]
        indexes = [models.Index(fields=["state", "release_at"], name="scheduled_due")]

    def __str__(self) -> str:
        return f"{self.inspection} {self.state} for {self.release_at:%Y-%m-%d %H:%M}"
