"""Links between a sample's cases and the rest of its register (`casereview.domain.links`), stored.

Computed once a sample exists (after the draw, after an imported sample, or by `casereview links`):
the register is read in bulk, the patterns and each sampled case's related cases found by polars, and
kept as counts (`CaseLinks`, `SampleLinks`) and pointers to a few register rows per kind (`RelatedCase`).
Pseudonyms and place references never leave the computation.  Computing is a "combination" of case
data and is journaled as one; so is every showing of a case's links (`case_links`).
"""

from __future__ import annotations

from typing import Any

import polars as pl
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Subquery
from django.utils import timezone

from casereview.domain import links as domain
from casereview.domain.journal import Operation
from casereview.domain.sampling import frame_filter, plan_from_mapping
from casereview.web.journal.services import Record, journal_record

from .models import CaseLinks, RelatedCase, Sample, SampledCase, SampleLinks


class LinksUnavailable(Exception):
    """The links cannot be computed (the register's content has been erased)."""


def link_rules() -> domain.LinkRules:
    return domain.LinkRules.from_mapping(settings.CASEREVIEW_LINK_RULES)


def link_weakness() -> tuple[str, str]:
    """(weakness code, area slug) the review page's related-cases panel records."""
    chosen = settings.CASEREVIEW_LINK_WEAKNESS
    return str(chosen["code"]), str(chosen["area"])


def links_compute(
    *, sample: Sample, rules: domain.LinkRules | None = None, actor: Any = None
) -> SampleLinks:
    """Compute (or compute again) the links of every case of ``sample`` (sampled and reserve)."""
    from .services import register_frame

    rules = rules or link_rules()
    register = sample.register
    if register.purged_at is not None:
        raise LinksUnavailable(
            f"Register {register.pk}'s case content was erased at the end of its retention "
            "period; its links cannot be computed again"
        )
    frame = register_frame(register, columns=("id", "unit", *domain.COLUMNS))
    found = domain.register_links(frame, rules)
    in_frame = frame_filter(frame, plan_from_mapping(sample.plan)) if sample.plan else frame
    frame_summary = found.summary_within(in_frame[domain.CASE_REF])
    sampled = dict(SampledCase.objects.filter(sample=sample).values_list("case_ref", "id"))
    counts, listed = domain.related_cases(frame, sampled, rules)
    volume = domain.volume_by_quarter(frame)
    flags = {
        row[domain.CASE_REF]: row
        for row in found.flagged.filter(pl.col(domain.CASE_REF).is_in(list(sampled))).iter_rows(
            named=True
        )
    }
    per_case: dict[str, dict[str, int]] = {}
    for ref, kind, n in counts.iter_rows():
        per_case.setdefault(ref, {})[kind] = int(n)
    ids = frame.select(related_ref=pl.col(domain.CASE_REF), related_id=pl.col("id"))
    pointers = listed.join(ids, on="related_ref", how="left").with_columns(
        rank=pl.int_range(pl.len()).over([domain.CASE_REF, "kind"])
    )
    with transaction.atomic():
        RelatedCase.objects.filter(sampled_case__sample=sample).delete()
        CaseLinks.objects.filter(sampled_case__sample=sample).delete()
        SampleLinks.objects.filter(sample=sample).delete()
        made = SampleLinks.objects.create(
            sample=sample,
            rules=rules.as_dict(),
            register_summary=found.summary,
            frame_summary=frame_summary,
            volume=volume,
            computed_at=timezone.now(),
        )
        CaseLinks.objects.bulk_create(
            [
                CaseLinks(
                    sampled_case_id=pk,
                    child_cases=per_case.get(ref, {}).get("child", 0),
                    suspect_cases=per_case.get(ref, {}).get("suspect", 0),
                    place_cases=per_case.get(ref, {}).get("place", 0),
                    repeat_missing=bool(flags.get(ref, {}).get("repeat_missing")),
                    place_cluster=bool(flags.get(ref, {}).get("place_cluster")),
                    suspect_several=bool(flags.get(ref, {}).get("suspect_several")),
                )
                for ref, pk in sampled.items()
            ],
            batch_size=2000,
        )
        RelatedCase.objects.bulk_create(
            [
                RelatedCase(
                    sampled_case_id=sampled[ref], kind=kind, case_id=int(case_id), rank=int(rank)
                )
                for ref, kind, case_id, rank in pointers.select(
                    domain.CASE_REF, "kind", "related_id", "rank"
                ).iter_rows()
            ],
            batch_size=5000,
        )
        journal_record(
            actor=actor,
            operation=Operation.COMBINATION,
            action="links_compute",
            object_type="sample",
            object_id=sample.pk,
            detail={
                "rules": rules.as_dict(),
                "cases": len(sampled),
                "with_related_cases": domain.count_related(sampled, per_case)[0],
                **found.summary,
            },
        )
    return made


def links_for(sample: Sample, *, only: tuple[str, ...] = ()) -> SampleLinks | None:
    """The sample's stored links (just the fields in ``only``, when given), computed first if they never were
    (samples drawn before links existed).  None when they cannot be computed (the register's content is erased)."""
    query = SampleLinks.objects.filter(sample=sample)
    stored = (query.only(*only) if only else query).first()
    if stored is not None:
        return stored
    try:
        return links_compute(sample=sample)
    except LinksUnavailable:
        return None
    except IntegrityError:  # computed at the same moment by another request: use theirs
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
    """What the review page shows of one case's links; None without links.  Showing them is a combination:
    journal it (`case_links_record`) with the page's consultation."""
    counts = _case_counts(sampled_case)
    if (
        counts is None and links_for(sampled_case.sample, only=("id",)) is not None
    ):  # computed now if never
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
    definitions = rules.descriptions()
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
                "label": domain.KIND_LABELS[kind],
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
        action="case_links",
        object_type="sampled_case",
        object_id=links["sampled_case"],
        reason="case_review",
        detail={
            **{f"{k['kind']}_cases": k["total"] for k in links["kinds"]},
            "listed": sum(len(k["cases"]) for k in links["kinds"]),
            "patterns": len(links["patterns"]),
        },
    )
