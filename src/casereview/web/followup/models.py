"""Findings, recommendations, the body's action plan and its actions, judgements, and every move's history.

Nothing is ever deleted (every foreign key protects): a withdrawn finding, recommendation or action keeps its
row and its history.  Each object that moves has a ``version``: every move increments it, and a move against
an older version is refused (compare-and-set), never applied twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from casereview.web.inspections.models import Inspection
from casereview.web.registers.models import Body


class Finding(models.Model):
    """A cause of concern or an area for improvement of a published inspection."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="findings")
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="findings")
    number = models.PositiveIntegerField()  # 1.. within the inspection
    kind = models.CharField(max_length=24)  # domain.followup.FindingKind
    text = models.TextField()
    #: The weaknesses and areas it rests on, with the counts the report gave:
    #: ``[{"kind": "weakness"|"area", "code": ..., "count": int, "total": int}]``.
    basis = models.JSONField(default=list)
    state = models.CharField(max_length=12)  # domain.followup.FindingState
    version = models.IntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["inspection_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "number"], name="finding_number_once")
        ]

    def __str__(self) -> str:
        return f"Finding {self.number} of inspection {self.inspection_id} ({self.state})"


class Recommendation(models.Model):
    """What must change, by when; ``number`` is its place within the inspection (shown as "R1")."""

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="recommendations")
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="recommendations")
    number = models.PositiveIntegerField()
    text = models.TextField()
    #: The due day: the date given, or (when due in working days) counted from publication; None while a
    #: draft is due in working days (it has no publication date yet).
    due_on = models.DateField(null=True, blank=True)
    due_working_days = models.PositiveIntegerField(null=True, blank=True)
    immediate = models.BooleanField(default=False)
    state = models.CharField(max_length=20)  # domain.followup.RecommendationState
    version = models.IntegerField(default=0)
    last_judgement = models.CharField(max_length=20, blank=True)  # a Judgement, or ""
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["finding__inspection_id", "number"]
        indexes = [models.Index(fields=["body", "state"], name="recommendation_body_state")]

    def __str__(self) -> str:
        return f"R{self.number} ({self.state})"

    @property
    def label(self) -> str:
        return f"R{self.number}"


class ActionPlan(models.Model):
    """The body's answer to an inspection's recommendations: one per (inspection, body)."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="action_plans"
    )
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="action_plans")
    state = models.CharField(max_length=12)  # domain.followup.PlanState
    version = models.IntegerField(default=0)
    due_on = models.DateField()
    created_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    #: Set once, when the plan is first escalated: the escalation never runs twice for one plan.
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "body"], name="one_plan_per_inspection")
        ]

    def __str__(self) -> str:
        return f"Action plan {self.pk} ({self.state})"


class PlanAction(models.Model):
    """One action of the body's plan, answering one recommendation."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.PROTECT, related_name="actions")
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, related_name="actions"
    )
    text = models.TextField()
    owner = models.CharField(max_length=200)  # names as text
    target_on = models.DateField()
    state = models.CharField(max_length=12)  # domain.followup.ActionState
    version = models.IntegerField(default=0)
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    #: Set once, when the action is first escalated.
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan_id", "recommendation__number", "id"]

    def __str__(self) -> str:
        return f"Action {self.pk} ({self.state})"


class ProgressUpdate(models.Model):
    action = models.ForeignKey(PlanAction, on_delete=models.PROTECT, related_name="updates")
    note = models.TextField()
    evidence = models.TextField(blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    by_name = models.CharField(max_length=150)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"Update on action {self.action_id}"


class RecommendationJudgement(models.Model):
    """The lead of a later inspection's judgement of a recommendation, with the evidence shown."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, related_name="judgements"
    )
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="recommendation_judgements"
    )
    judgement = models.CharField(max_length=20)  # domain.followup.Judgement
    rationale = models.TextField()
    proposed = models.CharField(max_length=20, blank=True)  # what the numbers proposed, or ""
    evidence = models.JSONField(default=dict, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.judgement} for recommendation {self.recommendation_id}"


class FollowupEvent(models.Model):
    """The history of every move of every finding, recommendation, plan and action."""

    object_type = models.CharField(max_length=16)  # finding | recommendation | plan | action
    object_id = models.BigIntegerField()
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    by_name = models.CharField(max_length=150)
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="followup_event_object")]

    def __str__(self) -> str:
        return f"{self.action} on {self.object_type} {self.object_id}"
