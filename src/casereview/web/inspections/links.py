"""Links between a sample's cases and the rest of its register (`casereview.domain.links`), stored.

Computed once a sample exists (after the draw, after an imported sample, or by `casereview links`):
the register is read in bulk, the patterns and each sampled case's related cases found by polars, and
kept as counts (`CaseLinks`, `SampleLinks`) and pointers to a few register rows per kind (`RelatedCase`).
Pseudonyms and place references never leave the computation.  Computing is a "combination" of case
data and is journaled as one; so is every showing of a case's links (`case_links`).  Reads never
compute: a page that shows links calls `links_refresh` first (a sample drawn before links existed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext

from casereview.domain import links as domain
from casereview.domain.errors import Refused
from casereview.domain.journal import JournalAction, Operation
from casereview.domain.plans import plan_from_mapping
from casereview.domain.sampling import frame_filter
from casereview.web.core.phrases import translated
from casereview.web.core.users import User
from casereview.web.journal.services import Record, journal_record
from casereview.web.registers.frames import register_frame

from .models import CaseLinks, Inspection, RelatedCase, Sample, SampledCase, SampleLinks


class LinksUnavailable(Refused):
    """The links cannot be computed (the register's content has been erased)."""


def link_rules() -> domain.LinkRules:
    return domain.LinkRules.from_mapping(settings.CASEREVIEW_LINK_RULES)


def link_weakness() -> tuple[str, str]:
    """(weakness code, area slug) the review page's related-cases panel records."""
    chosen = settings.CASEREVIEW_LINK_WEAKNESS
    return str(chosen["code"]), str(chosen["area"])


@dataclass(frozen=True)
class _Found:
    """A sample's links as computed, before they are stored."""

    register: domain.RegisterLinks
    frame_summary: dict[str, Any]
    volume: dict[str, Any]
    sampled: dict[str, int]  # case reference -> sampled case id
    per_case: dict[str, dict[str, int]]  # case reference -> kind -> related cases
    flags: dict[str, dict[str, Any]]  # case reference -> its patterns
    pointers: pl.DataFrame  # case_ref, kind, related_id, rank: the register rows listed


def _found(sample: Sample, rules: domain.LinkRules) -> _Found:
    """Read the register in bulk and find the links of every case of the sample."""
    frame = register_frame(sample.register, columns=("id", "unit", *domain.COLUMNS))
    found = domain.register_links(frame, rules)
    in_frame = frame_filter(frame, plan_from_mapping(sample.plan)) if sample.plan else frame
    sampled = dict(SampledCase.objects.filter(sample=sample).values_list("case_ref", "id"))
    counts, listed = domain.related_cases(frame, sampled, rules)
    flagged = found.flagged.filter(pl.col(domain.CASE_REF).is_in(list(sampled)))
    per_case: dict[str, dict[str, int]] = {}
    for ref, kind, n in counts.iter_rows():
        per_case.setdefault(ref, {})[kind] = int(n)
    ids = frame.select(related_ref=pl.col(domain.CASE_REF), related_id=pl.col("id"))
    pointers = listed.join(ids, on="related_ref", how="left").with_columns(
        rank=pl.int_range(pl.len()).over([domain.CASE_REF, "kind"])
    )
    return _Found(
        register=found,
        frame_summary=found.summary_within(in_frame[domain.CASE_REF]),
        volume=domain.volume_by_quarter(frame),
        sampled=sampled,
        per_case=per_case,
        flags={row[domain.CASE_REF]: row for row in flagged.iter_rows(named=True)},
        pointers=pointers,
    )


def _case_links_rows(found: _Found) -> list[CaseLinks]:
    rows = []
    for ref, pk in found.sampled.items():
        counts, flags = found.per_case.get(ref, {}), found.flags.get(ref, {})
        rows.append(
            CaseLinks(
                sampled_case_id=pk,
                child_cases=counts.get("child", 0),
                suspect_cases=counts.get("suspect", 0),
                place_cases=counts.get("place", 0),
                repeat_missing=bool(flags.get("repeat_missing")),
                place_cluster=bool(flags.get("place_cluster")),
                suspect_several=bool(flags.get("suspect_several")),
            )
        )
    return rows


def links_compute(
    *,
    sample: Sample,
    rules: domain.LinkRules | None = None,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> SampleLinks:
    """Compute (or compute again) the links of every case of ``sample`` (sampled and reserve)."""
    rules = rules or link_rules()
    register = sample.register
    if register.purged_at is not None:
        raise LinksUnavailable(
            f"Register {register.pk}'s case content was erased at the end of its retention "
            "period; its links cannot be computed again"
        )
    found = _found(sample, rules)
    with transaction.atomic():
        RelatedCase.objects.filter(sampled_case__sample=sample).delete()
        CaseLinks.objects.filter(sampled_case__sample=sample).delete()
        SampleLinks.objects.filter(sample=sample).delete()
        made = SampleLinks.objects.create(
            sample=sample,
            rules=rules.as_dict(),
            register_summary=found.register.summary,
            frame_summary=found.frame_summary,
            volume=found.volume,
            computed_at=now or timezone.now(),
        )
        CaseLinks.objects.bulk_create(_case_links_rows(found), batch_size=2000)
        RelatedCase.objects.bulk_create(
            [
                RelatedCase(
                    sampled_case_id=found.sampled[ref],
                    kind=kind,
                    case_id=int(case_id),
                    rank=int(rank),
                )
                for ref, kind, case_id, rank in found.pointers.select(
                    domain.CASE_REF, "kind", "related_id", "rank"
                ).iter_rows()
            ],
            batch_size=5000,
        )
        journal_record(
            actor=actor,
            operation=Operation.COMBINATION,
            action=JournalAction.LINKS_COMPUTE,
            object_type="sample",
            object_id=sample.pk,
            detail={
                "rules": rules.as_dict(),
                "cases": len(found.sampled),
                "with_related_cases": domain.count_related(found.sampled, found.per_case)[0],
                **found.register.summary,
            },
            at=now,
        )
    return made


def links_refresh(*, sample: Sample, actor: User | None = None) -> bool:
    """Compute the sample's links if they never were (samples drawn before links existed); whether the
    sample has stored links now (False when they cannot be computed: the register's content is erased).
    Pages that show links call it before they read them, so no read ever writes."""
    if SampleLinks.objects.filter(sample=sample).exists():
        return True
    try:
        links_compute(sample=sample, actor=actor)
    except LinksUnavailable:
        return False
    except IntegrityError:  # computed at the same moment by another request: theirs are stored
        return SampleLinks.objects.filter(sample=sample).exists()
    return True


def links_stored(inspection: Inspection) -> bool:
    """Whether the inspection's sample has its links stored (one query, without reading the sample)."""
    return SampleLinks.objects.filter(sample__inspection=inspection).exists()


def links_for(sample: Sample) -> SampleLinks | None:
    """The sample's stored links; None if they were never computed.  A read: `links_refresh` computes."""
    return SampleLinks.objects.filter(sample=sample).first()


def case_link_counts(sample: Sample) -> dict[str, dict[str, int]]:
    """Related-case counts per kind for every case of the sample, by case reference."""
    return {
        ref: {"child": child, "suspect": suspect, "place": place}
        for ref, child, suspect, place in CaseLinks.objects.filter(
            sampled_case__sample=sample
        ).values_list("sampled_case__case_ref", "child_cases", "suspect_cases", "place_cases")
    }


def _case_counts(sampled_case: SampledCase) -> Any:
    """The case's stored counts (`CaseLinks`, or None), its sample's `rules` and `links_computed_at` read in the same query."""
    sample_links = SampleLinks.objects.filter(sample_id=sampled_case.sample_id)
    return (
        CaseLinks.objects.filter(sampled_case=sampled_case)
        .annotate(
            rules=Subquery(sample_links.values("rules")[:1]),
            links_computed_at=Subquery(sample_links.values("computed_at")[:1]),
        )
        .first()
    )


def case_links(sampled_case: SampledCase) -> dict[str, Any] | None:
    """What the review page shows of one case's links; None without stored links (`links_refresh` computes
    them first).  Showing them is a combination: journal it (`case_links_record`) with the page's consultation."""
    counts = _case_counts(sampled_case)
    if counts is None:
        return None
    rules = domain.LinkRules.from_mapping(counts.rules)
    related = (
        RelatedCase.objects.filter(sampled_case=sampled_case)
        .select_related("case")
        .only("kind", "rank", "case__case_ref", "case__category", "case__reported_on")
    )
    listed: dict[str, list[Any]] = {kind: [] for kind in domain.KINDS}
    for item in related:
        listed[item.kind].append(item.case)
    totals = {
        "child": counts.child_cases,
        "suspect": counts.suspect_cases,
        "place": counts.place_cases,
    }
    definitions = rules.descriptions(translated)  # in the page's language
    patterns = [
        definitions[name]
        for name, on in (
            ("repeat_missing", counts.repeat_missing),
            ("place", counts.place_cluster),
            ("suspect", counts.suspect_several),
        )
        if on
    ]
    return {
        "sampled_case": sampled_case.pk,
        "kinds": [
            {
                "kind": kind,
                # marked with RelatedCase.Kind's labels; shown on the review page
                "label": gettext(domain.KIND_LABELS[kind]),
                "total": totals[kind],
                "cases": listed[kind],
                "more": totals[kind] - len(listed[kind]),
            }
            for kind in domain.KINDS
        ],
        "any": counts.any_related,
        "patterns": patterns,
        "definitions": definitions,
        "listed": rules.listed,
        "computed_at": counts.links_computed_at,
    }


def case_links_record(links: dict[str, Any]) -> Record:
    """The journal entry for showing a case's links (a combination of case data): counts only."""
    return Record(
        operation=Operation.COMBINATION,
        action=JournalAction.CASE_LINKS,
        object_type="sampled_case",
        object_id=links["sampled_case"],
        reason="case_review",
        detail={
            **{f"{k['kind']}_cases": k["total"] for k in links["kinds"]},
            "listed": sum(len(k["cases"]) for k in links["kinds"]),
            "patterns": len(links["patterns"]),
        },
    )
