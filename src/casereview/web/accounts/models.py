"""Roles are Django groups named after ``domain.roles.Role``; the one table of our own keeps answers a person
posted after their session had ended (``kept.py``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class KeptAnswers(models.Model):
    """What one person posted on one page after their session ended: shown back to that person alone, once,
    after they sign in again, and dropped after a day whatever happens (never the CSRF token)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=255)
    data = models.JSONField()  # {field: [values]}
    kept_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "path"], name="kept_answers_one_per_user_and_page"
            )
        ]

    def __str__(self) -> str:
        return f"answers kept for user {self.user_id} on {self.path}"
