"""Progress against earlier recommendations: the report's section, built from the follow-up facts.

``progress_section`` takes the follow-up app's facts (``report_model_progress.ProgressFact``: each
recommendation judged at this inspection, or open for the body and not yet judged) and the report being
built, and gives the section.  The evidence is ``domain.followup_evidence``'s, from **the report's own
counts** (``counts_from_report``: the weakness and area tables' figures), so that a share "now" in the
section is always the share the report's tables give; every comparison of the section is one Holm family.

``domain.published_progress`` writes its published version.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from .followup_evidence import (
    ADJUSTMENT,
    METHOD,
    BasisItem,
    EvidenceError,
    ItemEvidence,
    Key,
    check_basis,
    counts_from_report,
    evidence_for_all,
)
from .language import Phrase, say, say_word
from .report_model import Report
from .report_model_progress import (
    NOT_JUDGED,
    TALLY,
    Progress,
    ProgressFact,
    ProgressItem,
    ProgressRecommendation,
)
from .report_words import concern_phrase

__all__ = ["progress_input", "progress_section", "with_progress"]


def _basis(fact: ProgressFact) -> list[BasisItem]:
    try:
        return check_basis(list(fact.basis))
    except EvidenceError:
        return []  # an unreadable basis gives no items: the lead judged from what they knew


def _item(e: ItemEvidence, against: str) -> ProgressItem:
    return ProgressItem(
        kind=e.kind,
        code=e.code,
        title=e.title,
        against=against,
        count_then=e.count_then,
        total_then=e.total_then,
        share_then=e.share_then,
        ci_low_then=e.ci_low_then,
        ci_high_then=e.ci_high_then,
        count_now=e.count_now,
        total_now=e.total_now,
        share_now=e.share_now,
        ci_low_now=e.ci_low_now,
        ci_high_now=e.ci_high_now,
        test=e.test,
        p_value=e.p_value,
        adjusted_p_value=e.adjusted_p_value,
        family_tests=e.family_tests,
        direction=e.direction,
        minimum_detectable_change=e.minimum_detectable_change,
        why_not=e.why_not,
        words=e.words,
    )


def _order(fact: ProgressFact) -> tuple[str, int, int]:
    return (fact.period[1], fact.inspection_id, fact.number)


def progress_section(
    facts: Sequence[ProgressFact],
    report: Report,
    *,
    grades: Sequence[tuple[str, str]],
    areas: Sequence[tuple[str, str]],
    weakness_titles: Mapping[str, str],
) -> Progress | None:
    """The section of ``report`` (None when there is no recommendation to show).

    ``weakness_titles`` holds every weakness of the framework (one no case showed counts 0 of the graded
    cases, as the report's rule says); ``grades`` best first (the worse ones are "of concern")."""
    if not facts:
        return None
    ordered = sorted(facts, key=_order)
    now = counts_from_report(report, list(weakness_titles))
    titles: dict[Key, str] = {
        **{("weakness", code): title for code, title in weakness_titles.items()},
        **{("area", slug): title for slug, title in areas},
    }
    # The grades of concern joined as the document's language joins them ("requires improvement or
    # inadequate"; the labels come in that language already).
    joined = concern_phrase([label for _, label in grades[1:]])
    concern = say(joined) if isinstance(joined, Phrase) else str(joined)
    evidence = evidence_for_all(
        {f.recommendation_id: _basis(f) for f in ordered}, now, titles=titles, concern=concern
    )
    tests = max((e.family_tests for e in evidence.values()), default=0)
    recommendations = tuple(
        ProgressRecommendation(
            number=f"R{f.number}",
            finding_number=f.finding_number,
            finding_kind=f.finding_kind,
            text=f.text,
            immediate=f.immediate,
            due_on=f.due_on,
            inspection={"id": f.inspection_id, "name": f.inspection_name, "period": list(f.period)},
            judgement=f.judgement,
            judged_on=f.judged_on,
            rationale=f.rationale,
            proposal=evidence[f.recommendation_id].proposal,
            proposal_reason=evidence[f.recommendation_id].reason,
            items=tuple(_item(e, f.inspection_name) for e in evidence[f.recommendation_id].items),
        )
        for f in ordered
    )
    tally = Counter(r.judgement or NOT_JUDGED for r in recommendations)
    return Progress(
        recommendations=recommendations,
        counts={k: tally[k] for k in TALLY},
        family_tests=tests,
        adjustment=ADJUSTMENT,
        method=say_word(METHOD),  # in the document's language
    )


def progress_input(facts: Sequence[ProgressFact]) -> dict[str, Any]:
    """The follow-up facts' part of the report's input digest (``report._input_digest``).

    Only when there are earlier recommendations: every other report keeps the digest it had."""
    return {"followup": [f.as_input() for f in facts]} if facts else {}


def with_progress(
    report: Report,
    facts: Sequence[ProgressFact],
    *,
    grades: Sequence[tuple[str, str]],
    areas: Sequence[tuple[str, str]],
    weakness_titles: Mapping[str, str],
) -> Report:
    """``report`` with its progress section (``progress_section``; unchanged when there is none), for
    ``report.build_report``: the body's earlier recommendations judged at this inspection or open and not
    yet judged (issue 24).  Its evidence "now" is the report's own weakness and area figures."""
    progress = progress_section(
        facts, report, grades=grades, areas=areas, weakness_titles=weakness_titles
    )
    if progress is not None:
        report = replace(report, progress=progress)
    return report
