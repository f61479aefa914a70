"""Inspections, their seed commitments, and the samples drawn for them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from casereview.domain.roles import INSPECTION_KIND_WORDS, InspectionKind
from casereview.web.registers.models import Body, Case, Register


class Inspection(models.Model):
    class Kind(models.TextChoices):
        """The inspectorate's inspection, or one body's audit of its own cases (led and graded by its own
        auditors: ``casereview.domain.roles.LEADS``/``GRADERS``)."""

        # Labels translated where shown (the words are marked in domain.roles).
        INSPECTION = (
            InspectionKind.INSPECTION.value,
            gettext_lazy(INSPECTION_KIND_WORDS[InspectionKind.INSPECTION]),
        )
        OWN_AUDIT = (
            InspectionKind.OWN_AUDIT.value,
            gettext_lazy(INSPECTION_KIND_WORDS[InspectionKind.OWN_AUDIT]),
        )
        CALIBRATION = (
            InspectionKind.CALIBRATION.value,
            gettext_lazy(INSPECTION_KIND_WORDS[InspectionKind.CALIBRATION]),
        )

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="inspections")
    name = models.CharField(max_length=200)
    period_start = models.DateField()
    period_end = models.DateField()
    framework = models.CharField(max_length=100, default="child-protection/1")
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INSPECTION)
    #: The secret seed (hex) is kept until the draw reveals it; only its SHA-256 is shown before.
    seed = models.CharField(max_length=64, blank=True)
    commitment = models.CharField(max_length=64, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.body.code})"


class Sample(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="samples")
    register = models.ForeignKey(Register, on_delete=models.PROTECT, related_name="samples")
    algorithm = models.CharField(max_length=40)
    plan = models.JSONField()
    manifest = models.JSONField()
    late_commitment = models.BooleanField(default=False)
    # Cases in the frame the sample was drawn from (the manifest's strata summed); null for an imported sample.
    frame_size = models.IntegerField(null=True, blank=True)
    drawn_at = models.DateTimeField()
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-drawn_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection"], name="one_sample_per_inspection")
        ]

    def __str__(self) -> str:
        return f"Sample {self.pk} of {self.inspection}"


class SampledCase(models.Model):
    class Role(models.TextChoices):
        SAMPLE = "sample", gettext_lazy("In the sample")
        RESERVE = "reserve", gettext_lazy("Reserve")

    class State(models.TextChoices):
        ACTIVE = "active", gettext_lazy("Active")
        OUT_OF_SCOPE = "out_of_scope", gettext_lazy("Out of scope")
        UNUSED = "unused", gettext_lazy("Unused reserve")

    sample = models.ForeignKey(Sample, on_delete=models.PROTECT, related_name="cases")
    case = models.ForeignKey(
        Case, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    #: Kept here too: the case's row is erased at the end of retention, the sample's record is not.
    case_ref = models.CharField(max_length=100)
    stratum = models.CharField(max_length=400)
    role = models.CharField(max_length=10, choices=Role.choices)
    rank = models.IntegerField()  # position in its stratum's draw order
    design_weight = models.FloatField(null=True)
    state = models.CharField(max_length=14, choices=State.choices)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    out_of_scope_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["stratum", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "stratum", "rank"], name="one_case_per_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.stratum} #{self.rank}"


class SampleLinks(models.Model):
    """The links computed from a sample's register (see `casereview.domain.links`): the rules used, the
    register's patterns (counts only) and its recorded cases per category per quarter."""

    sample = models.OneToOneField(Sample, on_delete=models.CASCADE, related_name="links")
    rules = models.JSONField()
    register_summary = models.JSONField()
    #: the patterns seen from the sample's frame (the cases the plan could draw): those touching a frame case
    frame_summary = models.JSONField(default=dict)
    volume = models.JSONField()
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Links of sample {self.sample_id}"


class CaseLinks(models.Model):
    """How many other register cases share a sampled case's child, suspect or place, and which patterns
    the case is part of.  Counts stay when the register's content is erased."""

    sampled_case = models.OneToOneField(SampledCase, on_delete=models.CASCADE, related_name="links")
    child_cases = models.IntegerField(default=0)
    suspect_cases = models.IntegerField(default=0)
    place_cases = models.IntegerField(default=0)
    repeat_missing = models.BooleanField(default=False)
    place_cluster = models.BooleanField(default=False)
    suspect_several = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"Links of sampled case {self.sampled_case_id}"

    @property
    def any_related(self) -> bool:
        return bool(self.child_cases or self.suspect_cases or self.place_cases)


class RelatedCase(models.Model):
    """One register case sharing a sampled case's child, suspect or place: the nearest in date, a few per kind.

    Only the reference to the register's row is kept: reference, category and date are read from it (and go
    with it when the register's content is erased)."""

    class Kind(models.TextChoices):
        # The labels the review page's related cases show (``links.case_links`` translates them).
        CHILD = "child", gettext_lazy("The same child")
        SUSPECT = "suspect", gettext_lazy("The same suspect")
        PLACE = "place", gettext_lazy("The same place")

    sampled_case = models.ForeignKey(SampledCase, on_delete=models.CASCADE, related_name="related")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    case = models.ForeignKey(
        Case, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    rank = models.IntegerField()  # nearest in date first

    class Meta:
        ordering = ["sampled_case", "kind", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["sampled_case", "kind", "rank"], name="one_related_per_rank"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.rank} of sampled case {self.sampled_case_id}"
