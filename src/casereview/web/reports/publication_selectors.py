"""The published reports a person reads: each publication's languages, the *Published reports* list's filters
and choices, and how often each inspection's report was published.

Apart from ``selectors`` (the report's facts and the publication's problems), which had grown past the
project's 600 lines once each publication was kept in every language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext

from casereview.domain.language import ENGLISH
from casereview.domain.words import uk_date
from casereview.web.core.phrases import active_language
from casereview.web.language.selectors import languages_offered

from .models import PublishedReport


def publication_in(publication: PublishedReport, language: str) -> dict[str, Any] | None:
    """The published document in ``language``: the English as published, or its translation made with it;
    None when it has none in that language (published before reports were written in Welsh)."""
    if language == ENGLISH:
        return dict(publication.data)
    found = (publication.translations or {}).get(language)
    return dict(found) if found else None


def publication_languages(publication: PublishedReport) -> list[str]:
    """The languages a publication's files are offered in: English, then each translation it was published
    with in a language the service offers (``languages_offered``)."""
    made = publication.translations or {}
    return [ENGLISH, *(code for code in languages_offered() if code != ENGLISH and code in made)]


@dataclass(frozen=True)
class PublicationFilters:
    """What the *Published reports* list is narrowed to (each empty: any); only ever within
    ``publications_visible``."""

    q: str = ""  # part of the inspection's name or the body's code or name, any case
    body: str = ""  # a body's code
    period: str = ""  # an inspection's last day, ISO (the list's period choices)

    def query(self) -> dict[str, str]:
        return {"q": self.q, "body": self.body, "period": self.period}

    @property
    def narrowed(self) -> bool:
        return bool(self.q or self.body or self.period)


def publications_filtered(visible: QuerySet[Any], filters: PublicationFilters) -> QuerySet[Any]:
    """The publications of ``visible`` (``publications_visible``) narrowed by ``filters``, newest first; without
    their frozen figures (a list never reads them)."""
    found = visible.defer("data", "audit", "translations")
    if filters.body:
        found = found.filter(inspection__body__code=filters.body)
    if filters.period:
        found = found.filter(inspection__period_end=filters.period)
    if filters.q:
        found = found.filter(
            Q(inspection__name__icontains=filters.q)
            | Q(inspection__body__code__icontains=filters.q)
            | Q(inspection__body__name__icontains=filters.q)
        )
    return found.order_by("-published_at", "-id")


def publication_choices(visible: QuerySet[Any]) -> dict[str, list[tuple[str, str]]]:
    """The body and period filters' choices: the bodies and the periods of ``visible``, in one query."""
    bodies: dict[str, str] = {}
    periods: dict[dt.date, str] = {}
    for code, name, start, end in (
        visible.order_by()
        .values_list(
            "inspection__body__code",
            "inspection__body__name",
            "inspection__period_start",
            "inspection__period_end",
        )
        .distinct()
    ):
        bodies[code] = f"{name} ({code})"
        language = active_language()
        periods.setdefault(
            end,
            gettext("%(start)s to %(end)s")
            % {"start": uk_date(start, language), "end": uk_date(end, language)},
        )
    return {
        "bodies": sorted(bodies.items()),
        "periods": [(end.isoformat(), periods[end]) for end in sorted(periods, reverse=True)],
    }


def publications_counted(ids: Any) -> dict[int, dict[str, int]]:
    """Per inspection id, how many times its report was published (the task list's last step; one query)."""
    return {
        pk: {"published": n}
        for pk, n in PublishedReport.objects.filter(inspection_id__in=list(ids))
        .values("inspection_id")
        .annotate(n=Count("id"))
        .values_list("inspection_id", "n")
    }
