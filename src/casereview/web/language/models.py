"""A person's own choice of language (casereview.domain.language); no row: English, or this browser's choice.

One row per person who ever chose, so that notifications (a lower app reads it through selectors) can write
to each recipient in their language.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from casereview.domain.language import LANGUAGES


class LanguageChoice(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="language_choice"
    )
    language = models.CharField(max_length=8, choices=list(LANGUAGES.items()))
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language}"
