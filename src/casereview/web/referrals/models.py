"""Send backs (referrals) of cases to the inspected body, their history, and the body's contacts."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from casereview.web.inspections.models import Inspection, SampledCase
from casereview.web.registers.models import Body


class BodyContact(models.Model):
    class Kind(models.TextChoices):
        LIAISON = "liaison", "Liaison officer"
        SENIOR_LEAD = "senior_lead", "Senior lead"
        #: One of the body's own auditors (role ``body_auditor``): leads and grades the body's own audits.
        AUDITOR = "auditor", "Own auditor"

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="contacts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["body", "user", "kind"], name="one_contact_role")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.body.code} ({self.kind})"


class SendBack(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="send_backs")
    sampled_case = models.ForeignKey(
        SampledCase, on_delete=models.PROTECT, related_name="send_backs"
    )
    #: The submitted review whose yes opened it (None when opened on its own, e.g. for an imported review).
    review = models.ForeignKey(
        "reviews.Review", null=True, blank=True, on_delete=models.PROTECT, related_name="send_backs"
    )
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="send_backs")
    reason = models.TextField()
    urgency = models.CharField(max_length=10)
    state = models.CharField(max_length=20)
    #: Every transition increments it; a transition against an older version is refused, never applied twice.
    version = models.IntegerField(default=0)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()
    due_on = models.DateField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"Send back {self.pk} ({self.state})"


class SendBackEvent(models.Model):
    send_back = models.ForeignKey(SendBack, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=20)
    to_state = models.CharField(max_length=20)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    by_name = models.CharField(max_length=150)
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} on {self.send_back_id}"
