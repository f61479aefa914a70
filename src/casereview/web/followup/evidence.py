"""The new sample's evidence for judging a body's open recommendations at a later inspection.

``sample_counts`` counts the inspection's graded cases exactly as its report does: the same cases
(``reports.selectors.graded_cases``: each case's first review standing, graded, with the lead's resolution as
its final overall grade) and the same figures (``domain.report.build_report``'s weakness and area rows, read
by ``domain.followup_evidence.counts_from_report``). Nothing here counts by a rule of its own.

``recommendation_evidence`` compares each recommendation's finding (its ``basis``: the counts the earlier
report gave) with those counts, every comparison of the inspection adjusted together
(``domain.followup_evidence.evidence_for_all``). It takes any objects with an ``id`` and a ``finding`` whose
``basis`` is the stored list: the follow-up models pass their recommendations (``select_related("finding")``
keeps that to one query of the caller's); this module reads two queries, however many cases or
recommendations there are, and one more for the inspection's sample design.

When the inspection's sample was drawn out of proportion (Neyman, equal or fixed allocation), the shares
now are the report's design-weighted ones (``domain.followup_evidence.weighted_shares`` from the sample as
the report states it, ``reports.selectors`` ``design_facts``), compared as the report compares them.
A finding whose basis cannot be read gets no proposal, and the reason says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from typing import Any, Protocol

from casereview.domain.followup_evidence import (
    UNREADABLE_BASIS,
    BasisItem,
    Evidence,
    EvidenceError,
    Key,
    check_basis,
    concern_of,
    counts_from_report,
    evidence_for_all,
    titles_of,
    weighted_shares,
)
from casereview.domain.framework import Framework
from casereview.domain.language import ENGLISH, Phrase, say
from casereview.domain.report import GradedCase, build_report
from casereview.domain.report_words import concern_phrase
from casereview.importing.frameworks import load_framework
from casereview.web.core.phrases import written_in
from casereview.web.inspections.models import Inspection, Sample
from casereview.web.referrals.history import day_end
from casereview.web.reports.selectors import design_facts, graded_cases


class FindingLike(Protocol):
    @property
    def basis(self) -> Any: ...


class RecommendationLike(Protocol):
    """What the evidence needs of a recommendation (``followup.models.Recommendation`` has it)."""

    @property
    def id(self) -> int: ...
    @property
    def finding(self) -> FindingLike: ...


def sample_counts(
    inspection: Inspection, *, as_of: dt.date | None = None
) -> dict[Key, tuple[int, int]]:
    """(kind, code) -> (count, total) of the inspection's graded cases, as its report gives them: every
    weakness of its framework (cases showing it, of the graded cases; 0 where none did) and every area (cases
    graded worse than the best grade in it, of the cases given a grade in it).

    As the graded cases stood at the end of ``as_of`` (``referrals.history.day_end``), or now when None.
    Two queries: the first reviews standing, and the resolutions (none when nothing is graded).
    """
    framework = load_framework(inspection.framework)
    return _counts(inspection, framework, _cases(inspection, as_of))


def _cases(inspection: Inspection, as_of: dt.date | None) -> list[GradedCase]:
    cutoff = None if as_of is None else day_end(as_of)
    return graded_cases([inspection.pk], cutoff=cutoff).get(inspection.pk, [])


def _counts(
    inspection: Inspection, framework: Framework, cases: list[GradedCase]
) -> dict[Key, tuple[int, int]]:
    # The counts are of the cases as sampled: the sample's design does not change them.
    report = build_report(
        inspection={"id": inspection.pk, "name": inspection.name},
        grades=[(g.code, g.label) for g in framework.grades],
        areas=[(a.slug, a.title) for a in framework.areas],
        cases=cases,
        sample={},
        weakness_titles={w.code: w.text for w in framework.weaknesses},
    )
    return counts_from_report(report, framework.weakness_codes)


def sample_design(inspection: Inspection) -> dict[str, Any]:
    """The inspection's sample as its report states its design (``plan``, ``strata``, ``proportional``);
    proportional with no strata when it has no sample drawn. One query."""
    drawn = Sample.objects.filter(inspection=inspection).first()
    if drawn is None:
        return {"plan": {}, "strata": [], "proportional": True}
    return design_facts(drawn)


def basis_of(recommendation: RecommendationLike) -> list[BasisItem]:
    """The recommendation's finding's basis, checked; an unreadable one gives no items (no proposal)."""
    try:
        return check_basis(recommendation.finding.basis)
    except EvidenceError:
        return []


def recommendation_evidence(
    inspection: Inspection,
    recommendations: Iterable[RecommendationLike],
    *,
    as_of: dt.date | None = None,
) -> dict[int, Evidence]:
    """Each recommendation's evidence, in English: what a judgement stores (``recommendation_evidence_in``)."""
    return recommendation_evidence_in(inspection, recommendations, as_of=as_of)[ENGLISH]


def _concern_in(framework: Framework, language: str) -> str:
    """The grades of concern in ``language`` (the framework's words in it, joined as it joins them)."""
    if language == ENGLISH:
        return concern_of(framework)
    joined = concern_phrase([g.label for g in framework.grades[1:]])
    return say(joined) if isinstance(joined, Phrase) else str(joined)


def recommendation_evidence_in(
    inspection: Inspection,
    recommendations: Iterable[RecommendationLike],
    *,
    as_of: dt.date | None = None,
    languages: Iterable[str] = (ENGLISH,),
) -> dict[str, dict[int, Evidence]]:
    """Each recommendation's evidence from ``inspection``'s sample, by recommendation id: one Holm family
    over every distinct comparison of these recommendations (judge them all at once, so that the family is
    the inspection's). Design-weighted where the sample was drawn out of proportion; a finding whose basis
    cannot be read has no items and no proposal ("the finding's basis could not be read"). By language:
    English always (what a judgement stores), and each of ``languages`` (the same figures, words for a page)."""
    bases: dict[int, list[BasisItem]] = {}
    unreadable: set[int] = set()
    for r in recommendations:
        try:
            bases[r.id] = check_basis(r.finding.basis)
        except EvidenceError:
            bases[r.id] = []
            unreadable.add(r.id)
    if not bases:
        return {language: {} for language in [ENGLISH, *languages]}
    framework = load_framework(inspection.framework)
    cases = _cases(inspection, as_of)
    design = sample_design(inspection)
    weighted = weighted_shares(
        cases,
        design,
        grades=framework.grade_codes,
        weakness_codes=framework.weakness_codes,
        areas=[a.slug for a in framework.areas],
    )
    counts = _counts(inspection, framework, cases)
    written: dict[str, dict[int, Evidence]] = {}
    # The same figures in each language (no query more): English is what a judgement stores and digests;
    # another language's words are for a page to show (its evidence sentences and the proposal's reason).
    for language in dict.fromkeys([ENGLISH, *languages]):
        words = framework.in_language(language)
        # English as the domain writes it (``written_in``: never through a catalogue), whatever the caller is
        # speaking.
        with written_in(language):
            found = evidence_for_all(
                bases,
                counts,
                titles=titles_of(words),
                concern=_concern_in(words, language),
                weighted=weighted,
                disproportionate=weighted is not None,
            )
        written[language] = {
            key: replace(evidence, reason=UNREADABLE_BASIS) if key in unreadable else evidence
            for key, evidence in found.items()
        }
    return written
