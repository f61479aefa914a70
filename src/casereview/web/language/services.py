"""Storing a person's choice of language: one row, one journal entry when it changes."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from casereview.domain.errors import Refused
from casereview.domain.journal import JournalAction, Operation
from casereview.domain.language import gettext_lazy, is_language
from casereview.web.journal.services import journal_record

from .models import LanguageChoice


def language_choose(*, user: Any, language: str) -> bool:
    """Store ``language`` as the person's own; True when that changed their choice (choosing the language
    they already had writes nothing and journals nothing)."""
    if not is_language(language):
        # A Phrase: ``str()`` is the English (logs, the command line), a page says it in its reader's language.
        raise Refused(
            gettext_lazy(
                "casereview is in English or Cymraeg, not %(language)s.", language=language[:20]
            )
        )
    with transaction.atomic():
        choice = LanguageChoice.objects.select_for_update().filter(user=user).first()
        if choice is not None and choice.language == language:
            return False
        before = choice.language if choice is not None else ""
        LanguageChoice.objects.update_or_create(
            user=user, defaults={"language": language, "changed_at": timezone.now()}
        )
        journal_record(
            actor=user,
            operation=Operation.ADMINISTRATION,
            action=JournalAction.LANGUAGE_CHOOSE,
            object_type="user",
            object_id=user.pk,
            detail={"language": language, "before": before},
        )
    return True
