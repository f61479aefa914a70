"""Patterns the inspected body may have missed: linked children, places and suspects.

A register holds keyed pseudonyms for the child (`child_pseudonym`) and the
suspect (`suspect_pseudonym`), and a place reference (`location_ref`).  From
them, with polars group-bys and window expressions (no Python loops over rows):

* **repeat missing**: a child with `repeat_missing_cases` or more
  `missing_child` cases within any `repeat_missing_days` days (all of them
  reported inside that many consecutive days: the last no more than
  `days - 1` days after the first);
* **place clusters**: a place with `place_cases` or more cases of the
  `place_categories` within any `place_days` days, counted the same way;
* **suspects linked to several children**: a suspect on cases of
  `suspect_children` or more different children.

And, for the cases an inspector reviews, the other register cases that share
the case's child, suspect or place (references, categories and dates only).
Nothing here returns a pseudonym or a place reference: outputs name cases by
their reference and count everything else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

from .language import Phrase, gettext_lazy, say
from .registers import CATEGORIES
from .words import Kind, words

CASE_REF, CATEGORY, REPORTED_ON = "case_ref", "category", "reported_on"
CHILD, SUSPECT, PLACE = "child_pseudonym", "suspect_pseudonym", "location_ref"
#: The register columns the links are computed from.
COLUMNS: tuple[str, ...] = (CASE_REF, CATEGORY, REPORTED_ON, CHILD, SUSPECT, PLACE)
#: What a related case shares with the case in hand, and the column that says so.
KINDS: dict[str, str] = {"child": CHILD, "suspect": SUSPECT, "place": PLACE}
KIND_LABELS: dict[str, str] = {
    "child": "The same child",
    "suspect": "The same suspect",
    "place": "The same place",
}


def _lower_first(text: str) -> str:
    """Words in a sentence: "Missing child" -> "missing child", "FGM" kept as it is."""
    return text[:1].lower() + text[1:]


MISSING = "missing_child"
EXPLOITATION_OR_MISSING: tuple[str, ...] = (
    "child_sexual_exploitation",
    "child_criminal_exploitation",
    MISSING,
)


class LinkRulesError(ValueError):
    """Thresholds that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class LinkRules:
    repeat_missing_cases: int = 3
    repeat_missing_days: int = 90
    place_cases: int = 3
    place_days: int = 90
    place_categories: tuple[str, ...] = EXPLOITATION_OR_MISSING
    suspect_children: int = 2
    #: related cases listed per kind on the review page (the nearest in date; all are counted)
    listed: int = 20

    def __post_init__(self) -> None:
        problems = [
            f"{name} must be a whole number of at least {low}, not {getattr(self, name)!r}"
            for name, low in (
                ("repeat_missing_cases", 2),
                ("repeat_missing_days", 1),
                ("place_cases", 2),
                ("place_days", 1),
                ("suspect_children", 2),
                ("listed", 1),
            )
            if not isinstance(getattr(self, name), int)
            or isinstance(getattr(self, name), bool)
            or getattr(self, name) < low
        ]
        unknown = [c for c in self.place_categories if c not in CATEGORIES]
        if unknown or not self.place_categories:
            problems.append(
                f"place_categories must be categories of the register schema, not {list(self.place_categories)!r}"
            )
        if problems:
            raise LinkRulesError("; ".join(problems))

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> LinkRules:
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(values) - known)
        if unknown:
            raise LinkRulesError(f"unknown link settings: {', '.join(unknown)}")
        given = dict(values)
        if "place_categories" in given:
            given["place_categories"] = tuple(given["place_categories"])
        return cls(**given)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "place_categories": list(self.place_categories)}

    def descriptions(self, write: Callable[[Phrase], str] = say) -> dict[str, str]:
        """How each pattern is defined, in words, for every page and report that uses it.

        ``write`` writes each sentence: by default in the language of the document being written (``say``:
        English outside one, as the command line has it); a page passes its own writer
        (``casereview.web.core.phrases.translated``) to write them in its reader's language."""

        def word(english: str) -> str:
            return write(Phrase(english))

        names = [_lower_first(words(Kind.CATEGORY, c, word)) for c in self.place_categories]
        places = (
            names[0]
            if len(names) == 1
            else write(
                gettext_lazy("%(some)s or %(last)s", some=", ".join(names[:-1]), last=names[-1])
            )
        )
        return {
            "repeat_missing": write(
                gettext_lazy(
                    "a child with %(cases)s or more missing-child cases within %(days)s days",
                    cases=self.repeat_missing_cases,
                    days=self.repeat_missing_days,
                )
            ),
            "place": write(
                gettext_lazy(
                    "a place with %(cases)s or more cases of %(places)s within %(days)s days",
                    cases=self.place_cases,
                    places=places,
                    days=self.place_days,
                )
            ),
            "suspect": write(
                gettext_lazy(
                    "a suspect on cases of %(children)s or more different children",
                    children=self.suspect_children,
                )
            ),
        }


@dataclass(frozen=True)
class RegisterLinks:
    #: one row per case in any pattern: case_ref, repeat_missing, place_cluster, suspect_several (booleans)
    flagged: pl.DataFrame
    summary: dict[str, int] = field(default_factory=dict)
    #: per pattern, its cases with the child, place or suspect that joins them: for counting, never shown
    members: Mapping[str, pl.DataFrame] = field(default_factory=dict, repr=False)

    def summary_within(self, refs: Iterable[str]) -> dict[str, int]:
        """The patterns as seen from some cases (a sample's frame): the children, places and suspects with a
        pattern that includes at least one of them, and how many of them are in one."""
        wanted = pl.Series(list(refs), dtype=pl.String)
        inside = {
            name: found.filter(pl.col(CASE_REF).is_in(wanted.implode()))
            for name, found in self.members.items()
        }
        return {
            **_counts(inside),
            "cases_in_any_pattern": self.flagged.filter(
                pl.col(CASE_REF).is_in(wanted.implode())
            ).height,
            "cases": wanted.n_unique(),
        }


def _counts(members: Mapping[str, pl.DataFrame]) -> dict[str, int]:
    missing, places, suspects = members["repeat_missing"], members["place"], members["suspect"]
    return {
        "repeat_missing_children": missing[CHILD].n_unique(),
        "repeat_missing_cases": missing.height,
        "place_clusters": places[PLACE].n_unique(),
        "place_cluster_cases": places.height,
        "suspects_linked_to_several_children": suspects[SUSPECT].n_unique(),
        "suspect_linked_cases": suspects.height,
    }


def _in_window_of(frame: pl.DataFrame, key: str, cases: int, days: int) -> pl.DataFrame:
    """The rows of ``frame`` that belong to some run of ``cases`` rows with one ``key`` within ``days`` days.

    Sorted by key and date, row i starts a run when the row ``cases - 1`` places on (same key) is dated no
    more than ``days - 1`` days later; a row is in a run when one of the ``cases`` rows ending at it starts one.
    """
    ordered = frame.drop_nulls(key).sort([key, REPORTED_ON, CASE_REF])
    later = pl.col(REPORTED_ON).shift(-(cases - 1)).over(key)
    starts = ordered.with_columns(
        start=((later - pl.col(REPORTED_ON)).dt.total_days() <= days - 1).fill_null(False)
    )
    member = pl.any_horizontal(
        [pl.col("start").shift(j).over(key).fill_null(False) for j in range(cases)]
    )
    return starts.with_columns(member=member).filter(pl.col("member")).select(CASE_REF, key)


def register_links(frame: pl.DataFrame, rules: LinkRules) -> RegisterLinks:
    """The repeat-missing children, place clusters and suspects of several children in a register."""
    base = frame.select(COLUMNS)
    missing = _in_window_of(
        base.filter(pl.col(CATEGORY) == MISSING),
        CHILD,
        rules.repeat_missing_cases,
        rules.repeat_missing_days,
    )
    places = _in_window_of(
        base.filter(pl.col(CATEGORY).is_in(list(rules.place_categories))),
        PLACE,
        rules.place_cases,
        rules.place_days,
    )
    by_suspect = (
        base.drop_nulls(SUSPECT)
        .group_by(SUSPECT)
        .agg(pl.col(CHILD).drop_nulls().n_unique().alias("children"))
        .filter(pl.col("children") >= rules.suspect_children)
    )
    suspects = base.join(by_suspect.select(SUSPECT), on=SUSPECT, how="semi").select(
        CASE_REF, SUSPECT
    )
    refs = pl.concat(
        [missing.select(CASE_REF), places.select(CASE_REF), suspects.select(CASE_REF)]
    ).unique()
    flagged = refs.with_columns(
        repeat_missing=pl.col(CASE_REF).is_in(missing[CASE_REF].implode()),
        place_cluster=pl.col(CASE_REF).is_in(places[CASE_REF].implode()),
        suspect_several=pl.col(CASE_REF).is_in(suspects[CASE_REF].implode()),
    ).sort(CASE_REF)
    members = {"repeat_missing": missing, "place": places, "suspect": suspects}
    summary = {
        **_counts(members),
        "cases_in_any_pattern": flagged.height,
        "register_cases": base.height,
    }
    return RegisterLinks(flagged=flagged, summary=summary, members=members)


def related_cases(
    frame: pl.DataFrame, refs: Iterable[str], rules: LinkRules
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """For each case in ``refs``: how many other register cases share its child, suspect or place, and the
    nearest in date of them (at most ``rules.listed`` per kind).

    Returns ``(counts, listed)``: counts has case_ref, kind, cases; listed has case_ref, kind,
    related_ref, category, reported_on, ordered by case, kind, distance in days, reference.
    """
    base = frame.select(COLUMNS)
    wanted = base.filter(pl.col(CASE_REF).is_in(pl.Series(list(refs), dtype=pl.String).implode()))
    counts, listed = [], []
    for kind, column in KINDS.items():
        mine = wanted.select(CASE_REF, column, own_date=pl.col(REPORTED_ON)).drop_nulls(column)
        others = base.select(
            column,
            related_ref=pl.col(CASE_REF),
            category=pl.col(CATEGORY),
            reported_on=pl.col(REPORTED_ON),
        )
        pairs = (
            mine.join(others, on=column)
            .filter(pl.col("related_ref") != pl.col(CASE_REF))
            .with_columns(
                kind=pl.lit(kind),
                distance=(pl.col(REPORTED_ON) - pl.col("own_date")).dt.total_days().abs(),
            )
        )
        counts.append(pairs.group_by(CASE_REF).agg(cases=pl.len()).with_columns(kind=pl.lit(kind)))
        listed.append(
            pairs.sort([CASE_REF, "distance", "related_ref"])
            .group_by(CASE_REF, maintain_order=True)
            .head(rules.listed)
            .select(CASE_REF, "kind", "related_ref", "category", REPORTED_ON)
        )
    order = {k: i for i, k in enumerate(KINDS)}
    count_frame = pl.concat(counts).select(CASE_REF, "kind", pl.col("cases").cast(pl.Int64))
    listed_frame = pl.concat(listed)
    return (
        count_frame.sort([CASE_REF, pl.col("kind").replace_strict(order)]),
        listed_frame.with_columns(_k=pl.col("kind").replace_strict(order))
        .sort([CASE_REF, "_k"], maintain_order=True)
        .drop("_k"),
    )


def quarter_label(year: int, quarter: int) -> str:
    return f"{year} Q{quarter}"


def volume_by_quarter(frame: pl.DataFrame) -> dict[str, Any]:
    """Recorded cases per category per calendar quarter: ``{"quarters": [...], "categories": {code: [n, …]}}``.

    Every quarter from the first to the last case is listed (a quarter with no cases is zeros), so a
    chart's gaps are real.  Categories are those with any case, in the schema's order.
    """
    if frame.is_empty():
        return {"quarters": [], "categories": {}}
    date = pl.col(REPORTED_ON)
    grouped = (
        frame.select(
            CATEGORY, q=date.dt.year().cast(pl.Int32) * 4 + date.dt.quarter().cast(pl.Int32) - 1
        )
        .group_by(["q", CATEGORY])
        .agg(n=pl.len())
    )
    first, last = int(grouped["q"].min()), int(grouped["q"].max())  # type: ignore[arg-type]
    present = set(grouped[CATEGORY].to_list())
    table = {c: [0] * (last - first + 1) for c in CATEGORIES if c in present}
    for q, category, n in grouped.iter_rows():
        table[category][q - first] = int(n)
    return {
        "quarters": [quarter_label(q // 4, q % 4 + 1) for q in range(first, last + 1)],
        "categories": table,
    }


def quarter_index(day: dt.date) -> int:
    """A date's calendar quarter as a number that counts up by one a quarter."""
    return day.year * 4 + (day.month - 1) // 3


def _label_index(label: str) -> int:
    year, quarter = label.split(" Q")
    return int(year) * 4 + int(quarter) - 1


def volume_window(
    volume: Mapping[str, Any], *, period_start: dt.date, period_end: dt.date, quarters_before: int
) -> dict[str, Any]:
    """The part of a ``volume_by_quarter`` table a report shows: the inspection's period and at most
    ``quarters_before`` quarters before it, never the register's whole span (so a register's size or an odd
    date cannot make the table, the chart or an export grow without bound).  Categories with no case inside
    the window are left out."""
    if quarters_before < 0:
        raise ValueError(f"quarters_before must be 0 or more, not {quarters_before}")
    first, last = quarter_index(period_start) - quarters_before, quarter_index(period_end)
    labels = list(volume.get("quarters", []))
    keep = [i for i, label in enumerate(labels) if first <= _label_index(label) <= last]
    if not keep:
        return {"quarters": [], "categories": {}}
    lo, hi = (
        keep[0],
        keep[-1] + 1,
    )  # the stored quarters are consecutive, so the kept ones are one slice
    categories = {
        code: list(counts[lo:hi]) for code, counts in volume.get("categories", {}).items()
    }
    return {
        "quarters": labels[lo:hi],
        "categories": {c: n for c, n in categories.items() if any(n)},
    }


def count_related(
    refs: Iterable[str], related: Mapping[str, Mapping[str, int]]
) -> tuple[int, dict[str, int]]:
    """Of ``refs``, how many have any related case, and how many share each kind (child, suspect, place)."""
    refs = list(refs)
    with_any = sum(any(related.get(ref, {}).values()) for ref in refs)
    return with_any, {
        kind: sum(bool(related.get(ref, {}).get(kind)) for ref in refs) for kind in KINDS
    }


def links_section(
    sampled: Sequence[tuple[str, frozenset[str]]],
    related: Mapping[str, Mapping[str, int]],
    register: Mapping[str, int],
    rules: LinkRules,
    *,
    weakness: str = "W15",
    frame: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The report's section on links: ``sampled`` is (case_ref, weakness codes found) per reviewed case,
    ``related`` the related-case counts per case and kind, ``register`` the register's pattern summary and
    ``frame`` the same seen from the sample's frame (``RegisterLinks.summary_within``)."""
    with_related = [(ref, found) for ref, found in sampled if any(related.get(ref, {}).values())]
    _, by_kind = count_related((ref for ref, _ in sampled), related)
    return {
        "rules": rules.as_dict(),
        "definitions": rules.descriptions(),
        "weakness": weakness,
        "reviewed_cases": len(sampled),
        "with_related_cases": len(with_related),
        "with_related_cases_and_weakness": sum(weakness in found for _, found in with_related),
        "weakness_without_related_cases": sum(
            weakness in found for ref, found in sampled if not any(related.get(ref, {}).values())
        ),
        "by_kind": by_kind,
        "register": dict(register),
        "frame": dict(frame) if frame is not None else None,
    }
