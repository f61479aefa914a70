"""Recording published baselines and publishing reports (audited first); journaled."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from casereview.domain.baselines import baseline_counts_problem
from casereview.domain.errors import Refused
from casereview.domain.journal import JournalAction, Operation
from casereview.domain.language import ENGLISH, Phrase
from casereview.importing.frameworks import load_framework, shipped_frameworks
from casereview.web.core.users import User, signed_in
from casereview.web.inspections.links import links_refresh, links_stored
from casereview.web.inspections.selectors import inspection_sample
from casereview.web.journal.services import journal_record
from casereview.web.language.selectors import languages_offered
from casereview.web.registers.selectors import body_by_code

from .models import Baseline, PublishedReport
from .selectors import inspection_reports, publication_problems, published_versions


class BaselineError(Refused):
    """Refused; the message says why."""


def _weakness_counts(given: list[str] | dict[str, int], total: int) -> dict[str, int]:
    """``["W01=12", …]`` (or a mapping) as {code: cases}; each count between 0 and the total."""

    known = {code for ref in shipped_frameworks() for code in load_framework(ref).weakness_codes}
    pairs = (
        list(given.items())
        if isinstance(given, dict)
        else [tuple(g.split("=", 1)) if "=" in g else (g, "") for g in given]
    )
    out: dict[str, int] = {}
    problems = []
    for code, value in pairs:
        code = str(code).strip().upper()
        try:
            n = int(value)
        except (TypeError, ValueError):
            problems.append(f"{code or '(empty)'}: give CODE=CASES, e.g. W02=14")
            continue
        if code not in known:
            problems.append(f"{code}: not a weakness code of any shipped framework")
        elif not 0 <= n <= total:
            problems.append(f"{code}: the count must be between 0 and the total ({total})")
        elif code in out:
            problems.append(f"{code}: given twice")
        else:
            out[code] = n
    if problems:
        raise BaselineError("; ".join(problems))
    return out


def baseline_add(
    *,
    body_code: str,
    label: str,
    period_end: dt.date,
    total: int,
    ri_or_inadequate: int,
    good: int | None = None,
    requires_improvement: int | None = None,
    inadequate: int | None = None,
    weaknesses: list[str] | dict[str, int] | None = None,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> Baseline:
    body = body_by_code(body_code)
    if body is None:
        raise BaselineError(f"No inspected body with code {body_code!r}")
    problem = baseline_counts_problem(
        total=total,
        ri_or_inadequate=ri_or_inadequate,
        good=good,
        requires_improvement=requires_improvement,
        inadequate=inadequate,
    )
    if problem is not None:
        raise BaselineError(problem)
    counted = _weakness_counts(weaknesses, total) if weaknesses else None
    with transaction.atomic():
        baseline = Baseline.objects.create(
            body=body,
            label=label.strip()[:200],
            period_end=period_end,
            total=total,
            ri_or_inadequate=ri_or_inadequate,
            good=good,
            requires_improvement=requires_improvement,
            inadequate=inadequate,
            weaknesses=counted,
            created_at=now or timezone.now(),
        )
        journal_record(
            actor=actor,
            operation=Operation.COLLECTION,
            action=JournalAction.BASELINE_ADD,
            object_type="baseline",
            object_id=baseline.pk,
            detail={
                "body": body.code,
                "total": total,
                "ri_or_inadequate": ri_or_inadequate,
                "weaknesses": counted,
            },
            at=now,
        )
    return baseline


class PublishError(Refused):
    """Not ready to publish; ``problems`` says what is still to do (or, after the audit, what would leak)."""

    def __init__(self, problems: Sequence[str | Phrase]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = list(
            problems
        )  # a page shows each in its reader's language (a Phrase translated)


def report_publish(
    *,
    inspection: Any,
    actor: User,
    as_of: dt.date | None = None,
    now: dt.datetime | None = None,
    published_at: dt.datetime | None = None,
) -> Any:
    """Freeze the published version of the report; journaled as a disclosure.

    The published version is computed with its audit (``domain.publication.publish``): when the auditor
    can prove a hidden count too closely, publishing is refused with the audit's reasons; otherwise the
    audit is stored with the publication and its digest journaled.  ``now``: when it is published (the real
    clock unless given; ``as_of`` is then its day unless given).  ``published_at``: the time it says it was
    published, when not ``now`` (a scheduled release: the announced moment, while the journal keeps the real
    time of the run)."""

    problems = publication_problems(inspection)
    if problems:
        raise PublishError(problems)
    report_links_refresh(inspection=inspection)
    today = as_of or timezone.localdate(now)
    # Every language the service offers at once, the English first: the other languages' documents are the
    # same report in other words (``published_versions``), stored with it, so that either can be offered ever
    # after.  An installation with Welsh turned off publishes English only (a Welsh version made without the
    # compiled catalogue, which it need not have, would be English words under a Welsh name).
    made_public, translations = published_versions(
        inspection_reports(inspection, as_of=today, languages=languages_offered())
    )
    if not made_public.audit.passed:
        raise PublishError(made_public.audit.reason_phrases())
    data = made_public.document
    audit = made_public.audit.to_json()
    with transaction.atomic():
        made = PublishedReport.objects.create(
            inspection=inspection,
            published_at=published_at or now or timezone.now(),
            published_by=signed_in(actor),
            as_of=today,
            data=data,
            audit=audit,
            translations=translations,
            input_sha256=data["reproducibility"]["input_sha256"],
            figures_sha256=data["reproducibility"]["figures_sha256"],
        )
        journal_record(
            actor=actor,
            operation=Operation.DISCLOSURE,
            action=JournalAction.REPORT_PUBLISH,
            object_type="inspection",
            object_id=inspection.pk,
            recipient="public",
            detail={
                "publication": made.pk,
                "figures_sha256": made.figures_sha256,
                "audit_sha256": audit["sha256"],
                "as_of": today.isoformat(),
            },
            at=now,
        )
    return made


def report_disclosed(
    *,
    actor: User | None,
    inspection_id: int,
    fmt: str,
    published: bool,
    figures_sha256: str,
    publication: int | None = None,
    actor_name: str | None = None,
    audit: dict[str, Any] | None = None,
    language: str = ENGLISH,
) -> None:
    """Journal one generation or download of a report (``audit``: the audit's JSON, when it was audited;
    ``language``: the language it was written in, said only when not English)."""
    detail: dict[str, Any] = {
        "format": fmt,
        "published": published,
        "figures_sha256": figures_sha256,
    }
    if language != ENGLISH:
        detail["language"] = language
    if publication is not None:
        detail["publication"] = publication
    if audit is not None:
        detail["audit_sha256"] = audit["sha256"]
        detail["audit_passed"] = audit["passed"]
    journal_record(
        actor=actor,
        operation=Operation.DISCLOSURE,
        action=JournalAction.REPORT_GENERATE,
        object_type="inspection",
        object_id=inspection_id,
        actor_name=actor_name,
        detail=detail,
    )


def report_links_refresh(*, inspection: Any) -> None:
    """Before a report is built: the links it counts are computed if its sample never had them (a sample drawn
    before links existed), so the report reads them and never writes.  Usually they are: one query."""
    if links_stored(inspection):
        return
    sample = inspection_sample(inspection)
    if sample is not None:
        links_refresh(sample=sample)
