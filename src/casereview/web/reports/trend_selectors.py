"""The national trend: every body's inspections with their shares and each quarter's national estimate, and
the published (suppressed, audited) trend, whose reading is journaled as a disclosure.

The inspections' figures come from ``selectors`` (final grades, counts, a sample's design).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections import Counter, defaultdict
from typing import Any

from django.db.models import Count

from casereview.domain.journal import JournalAction, Operation
from casereview.domain.language import ENGLISH
from casereview.domain.linked import Audit
from casereview.domain.plans import drawn_in_proportion
from casereview.domain.roles import InspectionKind, Role
from casereview.domain.trend_publication import published_trend, restricted_to
from casereview.domain.trends import InspectionResult, StratumResult
from casereview.domain.trends import national_trend as trend
from casereview.web.core.phrases import active_language, written_in
from casereview.web.inspections.models import Inspection, Sample
from casereview.web.journal.services import journal_record

from .selectors import INSPECTION, concern_codes, final_reviews, inspection_counts, sample_facts


def national_trend(body_codes: list[str] | None = None) -> dict[str, Any]:
    """Every body's inspections with their shares, and each quarter's national estimate (grouped queries).

    A disproportionate sample (``sample_facts`` says whether, and gives its strata) brings its strata's
    frames and their graded and concern counts, so that its point and its part of the quarter are
    design-weighted; every other inspection needs only its counts of final grades."""

    # The inspectorate's inspections only: a body's own audit is the body's, never a national figure.
    inspections = Inspection.objects.select_related("body").filter(kind=InspectionKind.INSPECTION)
    if body_codes:
        inspections = inspections.filter(body__code__in=body_codes)
    rows = list(inspections.values_list("id", "name", "body__code", "period_end", "framework"))
    counts = inspection_counts([r[0] for r in rows] if body_codes else None)
    frames: dict[int, int | None] = {}
    uneven: list[int] = []
    for inspection_id, frame_size, plan in Sample.objects.filter(
        inspection__in=inspections
    ).values_list("inspection_id", "frame_size", "plan"):
        frames[inspection_id] = frame_size
        if not drawn_in_proportion(plan or {}):
            uneven.append(inspection_id)
    concern = {framework: concern_codes(framework) for framework in {r[4] for r in rows}}
    framework_of = {r[0]: r[4] for r in rows}
    strata: dict[int, tuple[StratumResult, ...]] = {}
    if uneven:
        by_stratum: dict[int, Counter[tuple[str, bool]]] = defaultdict(Counter)
        for inspection_id, stratum, final, n in (
            final_reviews(uneven)
            .values_list(INSPECTION, "assignment__sampled_case__stratum", "final")
            .annotate(n=Count("id"))
            .order_by()
        ):
            by_stratum[inspection_id][(stratum, final in concern[framework_of[inspection_id]])] += n
        for drawn in Sample.objects.filter(inspection_id__in=uneven).select_related("inspection"):
            facts = sample_facts(drawn.inspection, drawn)
            if facts["proportional"] or not facts["strata"]:
                continue
            tally = by_stratum[drawn.inspection_id]
            strata[drawn.inspection_id] = tuple(
                StratumResult(
                    label=str(s["label"]),
                    frame_size=int(s["frame_size"]),
                    graded=tally[(str(s["label"]), True)] + tally[(str(s["label"]), False)],
                    concern=tally[(str(s["label"]), True)],
                )
                for s in facts["strata"]
            )
    return trend(
        InspectionResult(
            body=code,
            inspection=name,
            period_end=period_end,
            count=sum(
                n for grade, n in counts.get(pk, Counter()).items() if grade in concern[framework]
            ),
            total=sum(counts.get(pk, Counter()).values()),
            frame_size=frames.get(pk),
            strata=strata.get(pk, ()),
            proportional=pk not in strata,
        )
        for pk, name, code, period_end, framework in rows
    )


#: Who may read the published national trend: it covers every body, so never a liaison officer.
TREND_READERS = (Role.ANALYST, Role.LEAD_INSPECTOR, Role.ADMINISTRATOR)
#: The last published trend this process computed in each language, by the digest of the trend it was computed
#: from: auditing a national trend takes seconds, and the page is read far more often than a grade changes.
#: The trend's words are in the language it is made in, so its digest differs by language as well.
_LAST_PUBLISHED: dict[str, tuple[str, tuple[dict[str, Any], Audit]]] = {}


def _published(data: dict[str, Any], language: str) -> tuple[dict[str, Any], Audit]:
    key = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode("utf-8")).hexdigest()
    last = _LAST_PUBLISHED.get(language)
    if last is not None and last[0] == key:
        found = last[1]
    else:
        found = published_trend(data)
        _LAST_PUBLISHED[language] = (key, found)
    document, audit = found
    return copy.deepcopy(document), audit


def national_trend_disclosed(
    *,
    actor: Any,
    fmt: str,
    actor_name: str | None = None,
    body_codes: list[str] | None = None,
) -> tuple[dict[str, Any], Audit]:
    """The published national trend and its audit; journaled as a disclosure (``trend_generate``).

    Always suppressed and audited over every body (``domain.trend_publication``); ``body_codes`` then keeps
    only those bodies' series, so a narrower trend prints nothing the whole one hides.  Made on demand, in
    the active language (a page's; English on the command line): its words are written as it is made."""
    language = active_language()
    with written_in(language):
        document, audit = _published(national_trend(), language)
    if body_codes:
        document = restricted_to(document, set(body_codes))
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, default=str)
    detail: dict[str, Any] = {
        "format": fmt,
        "published": True,
        "figures_sha256": hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        "audit_sha256": document["disclosure"]["audit"]["sha256"],
        "audit_passed": audit.passed,
    }
    if body_codes:
        detail["bodies"] = sorted(body_codes)
    if (
        language != ENGLISH
    ):  # its words, so its digest, are in that language (an English entry is unchanged)
        detail["language"] = language
    journal_record(
        actor=actor,
        operation=Operation.DISCLOSURE,
        action=JournalAction.TREND_GENERATE,
        object_type="trend",
        object_id="national",
        actor_name=actor_name,
        detail=detail,
    )
    return document, audit
