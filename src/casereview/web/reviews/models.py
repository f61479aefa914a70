"""Assignments of sampled cases to inspectors, their reviews, and conflicts of interest."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from casereview.web.inspections.models import SampledCase
from casereview.web.registers.models import Body


class ConflictOfInterest(models.Model):
    """An inspector declared they must not review cases from this unit of this body."""

    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="+")
    unit = models.CharField(max_length=200)
    declared_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["inspector", "body", "unit"], name="one_declaration")
        ]

    def __str__(self) -> str:
        return f"{self.inspector} – {self.unit}"


class Assignment(models.Model):
    class Kind(models.TextChoices):
        # Labels for pages only (get_kind_display), translated when shown.
        FIRST = "first", gettext_lazy("First review")
        MODERATION = "moderation", gettext_lazy("Moderation")

    sampled_case = models.ForeignKey(
        SampledCase, on_delete=models.PROTECT, related_name="assignments"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.FIRST)
    assigned_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sampled_case", "kind"], name="one_assignment_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.sampled_case.case_ref} → {self.inspector} ({self.kind})"


class Review(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    assignment = models.OneToOneField(Assignment, on_delete=models.PROTECT, related_name="review")
    framework = models.CharField(max_length=100)  # id/version, pinned from the inspection
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    #: Every save increments it; a save against an older version is a conflict, never an overwrite.
    version = models.IntegerField(default=0)
    area_grades = models.JSONField(default=dict)
    area_weaknesses = models.JSONField(default=dict)
    area_comments = models.JSONField(default=dict)
    overall = models.CharField(max_length=40, blank=True)
    departure_reason = models.TextField(blank=True)
    send_back = models.BooleanField(null=True)
    #: A draft's reason and urgency for the send back its submission opens (the send back keeps its own copy).
    send_back_reason = models.TextField(blank=True, default="")
    send_back_urgency = models.CharField(max_length=10, blank=True, default="")
    updated_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Review of {self.assignment}"


class ReviewConflict(models.Model):
    """A save that arrived against a stale version: kept whole beside the review, never applied."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="conflicts")
    attempted = models.JSONField()
    base_version = models.IntegerField()
    current_version = models.IntegerField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Conflict on {self.review_id} at version {self.current_version}"


class Resolution(models.Model):
    """The lead inspector's final overall grade where first and second marks disagree; both marks stay."""

    sampled_case = models.OneToOneField(
        SampledCase, on_delete=models.PROTECT, related_name="resolution"
    )
    final_overall = models.CharField(max_length=40)
    rationale = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Resolution of {self.sampled_case_id}"


class ReopenedSubmission(models.Model):
    """A submission later reopened, its answers as submitted: reopening overwrites the review's row, and a
    report as of a day before the reopening must still read what was submitted then
    (``reviews.history``)."""

    review = models.ForeignKey(
        Review, on_delete=models.PROTECT, related_name="reopened_submissions"
    )
    version = models.IntegerField()
    overall = models.CharField(max_length=40, blank=True)
    area_grades = models.JSONField(default=dict)
    area_weaknesses = models.JSONField(default=dict)
    send_back = models.BooleanField(null=True)
    submitted_at = models.DateTimeField()
    reopened_at = models.DateTimeField()
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["submitted_at", "id"]

    def __str__(self) -> str:
        return f"Submission {self.version} of review {self.review_id}, reopened"


class ReplacedResolution(models.Model):
    """A resolution later replaced by another (``resolution_record`` overwrites the row): kept so a report
    as of a day before the replacement reads the final grade of that day."""

    sampled_case = models.ForeignKey(
        SampledCase, on_delete=models.PROTECT, related_name="replaced_resolutions"
    )
    final_overall = models.CharField(max_length=40)
    rationale = models.TextField(blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    replaced_at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"Resolution of {self.sampled_case_id} at {self.at:%Y-%m-%d %H:%M}, replaced"
