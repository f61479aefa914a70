"""The new sample's counts for judging a recommendation (``domain.followup_evidence``), as the report
counts.

``counts_from_report``: a weakness is the cases showing it, of the graded cases; an area is the cases graded
worse than the best grade in it, of the cases graded in it (the report's weakness and area tables).

``weighted_shares``: when the new sample was drawn out of proportion, each item's design-weighted share now
and its linearised standard error (the report's domain estimates, ``domain.domain_estimates``); how the
evidence uses them is ``domain.followup_evidence``'s to say.

``titles_of`` and ``concern_of``: the framework's words for each weakness and area, and for its grades of
concern.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import domain_estimates
from .followup_basis import AREA, WEAKNESS, Key
from .framework import Framework
from .report_model import Report
from .report_words import concern_words

if TYPE_CHECKING:  # domain.report imports this module (its progress section): no cycle at run time
    from .report import GradedCase


def counts_from_report(
    report: Report, weakness_codes: Sequence[str] = ()
) -> dict[Key, tuple[int, int]]:
    """(kind, code) -> (count, total) as the report states them (``domain.report.build_report``):

    * each weakness: the cases showing it (its row's figure), of the graded cases; a weakness of
      ``weakness_codes`` that no case showed is 0 of the graded cases (the report lists only those found);
    * each area: the cases graded in it worse than the best grade (the report's ``concern_grades``), of the
      cases given a grade in it (not "not applicable", not left ungraded).
    """
    out: dict[Key, tuple[int, int]] = {
        (WEAKNESS, code): (0, report.reviews) for code in weakness_codes
    }
    for row in report.weaknesses:
        out[(WEAKNESS, row.code)] = (row.figure.count, row.figure.total)
    concern = set(report.reproducibility.parameters.concern_grades)
    for area in report.areas:
        graded = sum(area.grades.values())
        out[(AREA, area.area)] = (sum(n for g, n in area.grades.items() if g in concern), graded)
    return out


def titles_of(framework: Framework) -> dict[Key, str]:
    """The words for each weakness and area of a framework."""
    return {
        **{(WEAKNESS, w.code): w.text for w in framework.weaknesses},
        **{(AREA, a.slug): a.title for a in framework.areas},
    }


def concern_of(framework: Framework) -> str:
    """ "requires improvement or inadequate": the framework's grades worse than its best, in words."""
    return concern_words([g.label for g in framework.grades[1:]])


def weighted_shares(
    cases: Sequence[GradedCase],
    sample: Mapping[str, Any],
    *,
    grades: Sequence[str],
    weakness_codes: Sequence[str] = (),
    areas: Sequence[str] = (),
) -> dict[Key, tuple[float, float, float]] | None:
    """(kind, code) -> (share, standard error, effective size) of the design-weighted share now, for a
    sample drawn out of proportion (``sample`` as the report is given it: ``strata`` and ``proportional``);
    None for a proportional sample (or one without strata), whose shares need no weights.

    The report's own domain estimates (``domain_estimates.domain_of``): a weakness is the whole sample as
    the domain and the weakness as the attribute (exactly the report's weakness row's ``design_weighted``);
    an area is the cases given a grade in it (``grades``, best first) as the domain and a grade worse than
    the best as the attribute. An item with no graded case in a stratum with a frame is left out."""
    frames = domain_estimates.stratum_frames(sample)
    if frames is None:
        return None
    scale, concern = set(grades), set(grades[1:])
    out: dict[Key, tuple[float, float, float]] = {}
    for code in weakness_codes:
        found = domain_estimates.domain_of(
            ((c.stratum, True, code in c.weaknesses) for c in cases), frames
        )
        if found is not None:
            out[(WEAKNESS, code)] = found.as_tuple
    for slug in areas:
        found = domain_estimates.domain_of(
            (
                (c.stratum, c.area_grades.get(slug) in scale, c.area_grades.get(slug) in concern)
                for c in cases
            ),
            frames,
        )
        if found is not None:
            out[(AREA, slug)] = found.as_tuple
    return out
