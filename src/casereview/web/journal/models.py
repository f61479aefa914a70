"""The append-only journal (DPA 2018 s.62), hash-chained, and its signed anchors.

The journal table is created by its migration, not by Django (``managed =
False``): the migration adds database triggers that refuse UPDATE, DELETE and
TRUNCATE, and Django's test flush, which empties managed tables, leaves it be.
There is deliberately no foreign key to users: the journal outlives them.

Anchors are kept the same way since migration 0002: unmanaged, and triggers
refuse UPDATE, DELETE and TRUNCATE.  Each anchor's signature covers the one
before it (``previous``), so removing one from the middle is caught; removing
the latest is caught only by a copy kept outside the database (the anchor file).
"""

from __future__ import annotations

from django.db import models


class JournalEntry(models.Model):
    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor_id = models.IntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=150)
    operation = models.CharField(max_length=20)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=64, blank=True)
    recipient = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict)
    previous = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, unique=True)

    class Meta:
        managed = False
        db_table = "journal_journalentry"
        ordering = ["seq"]
        verbose_name_plural = "journal entries"

    def __str__(self) -> str:
        return f"{self.seq} {self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"


class JournalAnchor(models.Model):
    seq = models.BigIntegerField()
    digest = models.CharField(max_length=64)
    signature = models.CharField(max_length=64)
    at = models.DateTimeField()
    #: The signature of the anchor before it (GENESIS for the first); blank for anchors made before chaining.
    previous = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        managed = False
        db_table = "journal_journalanchor"
        ordering = ["-seq", "-id"]

    def __str__(self) -> str:
        return f"anchor at {self.seq}"
