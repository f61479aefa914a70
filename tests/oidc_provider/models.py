"""The provider's own state beyond django-oauth-toolkit's: each person's extra claims, and the fault switch.

No migrations: ``__main__`` creates these tables with ``migrate --run-syncdb`` in a fresh database.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models


class Person(models.Model):
    """The claims a user's ID token carries beyond ``sub`` and ``preferred_username``."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    #: name, email, groups, and amr/acr when set.
    claims = models.JSONField(default=dict)
    # Declared because mypy's Django plugin reads casereview's settings, where this app is not installed.
    objects: ClassVar[models.Manager[Person]] = models.Manager()

    def __str__(self) -> str:
        return str(self.user)


class Fault(models.Model):
    """One row (pk 1): the fault applied to ID tokens being issued, "" for none."""

    mode = models.CharField(max_length=32, blank=True, default="")
    objects: ClassVar[models.Manager[Fault]] = models.Manager()

    def __str__(self) -> str:
        return self.mode or "none"

    @classmethod
    def current(cls) -> str:
        return cls.objects.filter(pk=1).values_list("mode", flat=True).first() or ""
