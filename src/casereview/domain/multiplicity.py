"""Many tests at once: which comparisons form the headline family, and how each family is adjusted.

A report compares the combined share with every earlier result, and every category, unit and weakness
with every earlier result that has it: dozens of tests, each at 5%.  Unadjusted, a report with no real
change anywhere would say "worse" somewhere in about a third of reports.  So:

* the **headline family** is the combined share against the previous inspection and against the latest
  baseline, with any comparisons the plan declared before grading (``plan.headline``: ``category:<name>``,
  ``unit:<name>``, ``weakness:<code>``, each against the same two earlier results).  It is adjusted with
  Holm's method, which keeps the chance of any false "better" or "worse" among them at 5% or less;
* every other comparison (categories, units and weaknesses against each earlier result, and the combined
  share against older ones) is **exploratory**: adjusted with the Benjamini–Hochberg method, which keeps
  the expected share of false findings among those called significant at 5% or less, and labelled so.

A comparison's ``direction`` and ``wording`` follow its adjusted p value; its own p value is kept beside.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .language import Phrase, gettext_lazy, gettext_noop, ngettext_lazy, say, say_word
from .report_model import BreakdownRow, Comparison, WeaknessRow
from .statistics import adjusted, direction_of, p_words, said_direction, said_test

HEADLINE, EXPLORATORY = "headline", "exploratory"
#: family → (statsmodels method, the name printed)
METHODS = {HEADLINE: ("holm", "Holm"), EXPLORATORY: ("fdr_bh", "Benjamini–Hochberg")}
DECLARABLE = ("category", "unit", "weakness")

Target = tuple[str, str, str]  # (against, kind, period_end): one earlier result


def target(c: Comparison) -> Target:
    return (c.against, c.kind, c.period_end)


def headline_targets(earlier: Sequence[tuple[str, str, str]]) -> frozenset[Target]:
    """The previous inspection and the latest baseline among ``earlier`` ((label, kind, period_end), oldest
    first): the earlier results the headline family compares with."""
    found: dict[str, Target] = {}
    for label, kind, period_end in earlier:
        found[kind] = (label, kind, period_end)  # the last of each kind is the latest
    return frozenset(found[k] for k in ("inspection", "baseline") if k in found)


def declared(plan: Mapping[str, Any] | None) -> frozenset[str]:
    """The plan's pre-declared headline comparisons (``"category:neglect"``, …), as written."""
    given = (plan or {}).get("headline") or []
    return frozenset(str(item) for item in given if isinstance(item, str))


def words(c: Comparison, family: str, tests: int, adjusted_p: float) -> str:
    """ "worse (two-proportion z-test, p = 0.031; Holm-adjusted over 2 headline comparisons: p = 0.062)", in
    the document's language (one catalogue sentence per family, whose name Welsh puts after the noun)."""
    values = {
        "direction": said_direction(c.direction),
        "test": said_test(c.test),
        "p": p_words(c.p_value),
    }
    if tests == 1:
        single = {
            HEADLINE: gettext_lazy(
                "%(direction)s (%(test)s, %(p)s; the only headline comparison, so not adjusted)",
                **values,
            ),
            EXPLORATORY: gettext_lazy(
                "%(direction)s (%(test)s, %(p)s; the only exploratory comparison, so not adjusted)",
                **values,
            ),
        }
        return say(single[family])
    more = {
        **values,
        "method": METHODS[family][1],
        "tests": str(tests),
        "adjusted": p_words(adjusted_p),
    }
    over = {
        HEADLINE: ngettext_lazy(
            "%(direction)s (%(test)s, %(p)s; %(method)s-adjusted over %(tests)s headline comparison: "
            "%(adjusted)s)",
            "%(direction)s (%(test)s, %(p)s; %(method)s-adjusted over %(tests)s headline comparisons: "
            "%(adjusted)s)",
            tests,
            **more,
        ),
        EXPLORATORY: ngettext_lazy(
            "%(direction)s (%(test)s, %(p)s; %(method)s-adjusted over %(tests)s exploratory comparison: "
            "%(adjusted)s)",
            "%(direction)s (%(test)s, %(p)s; %(method)s-adjusted over %(tests)s exploratory comparisons: "
            "%(adjusted)s)",
            tests,
            **more,
        ),
    }
    return say(over[family])


def adjust(items: Sequence[Comparison], family: str, *, hidden: int = 0) -> list[Comparison]:
    """``items`` as one family: each with its adjusted p value, and the direction and words that follow.

    ``hidden`` more tests of the family are not printed: each counts as p = 1, which can only raise the
    adjusted values of the others (never lower them below what the full family gives)."""
    method, name = METHODS[family]
    size = len(items) + hidden
    values = adjusted([*(c.p_value for c in items), *([None] * hidden)], method)
    out = []
    for c, q in zip(items, (float(v) for v in values if v is not None), strict=True):
        decided = replace(
            c,
            family=family,
            adjustment=name,
            family_tests=size,
            adjusted_p_value=q,
            direction=direction_of(q, c.share_now > c.share_then),
        )
        out.append(replace(decided, wording=words(decided, family, size, q)))
    return out


@dataclass
class Families:
    """Comparisons registered as the report is built, each in its family, then adjusted together."""

    members: dict[str, list[Comparison]]
    where: dict[int, tuple[str, int]]

    @classmethod
    def empty(cls) -> Families:
        return cls({HEADLINE: [], EXPLORATORY: []}, {})

    def add(self, items: Iterable[Comparison], family_of: Any) -> None:
        for c in items:
            family = family_of(c)
            self.where[id(c)] = (family, len(self.members[family]))
            self.members[family].append(c)

    def adjusted(self) -> dict[int, Comparison]:
        """id of each registered comparison → the comparison adjusted within its family."""
        done = {family: adjust(items, family) for family, items in self.members.items() if items}
        return {key: done[family][i] for key, (family, i) in self.where.items()}


#: What each family holds, in words (``say_word`` where the section is written).
FAMILY_WHAT = {
    HEADLINE: gettext_noop(
        "the combined share against the previous inspection and the latest baseline, "
        "and any comparison the plan declared before grading"
    ),
    EXPLORATORY: gettext_noop(
        "categories, units and weaknesses against each earlier result, "
        "and the combined share against older results"
    ),
}
NO_TESTS = gettext_noop(
    "This report ran no tests: there is nothing earlier to compare with, or nothing graded."
)


def section(tests: Mapping[str, int], declared_items: Iterable[str]) -> dict[str, Any]:
    """The report's ``multiplicity``: how many tests it ran, in which families, adjusted how, in words."""
    headline = tests.get(HEADLINE, 0)
    exploratory = tests.get(EXPLORATORY, 0)
    total = headline + exploratory
    families = [
        {
            "family": family,
            "adjustment": METHODS[family][1],
            "tests": count,
            "what": say_word(FAMILY_WHAT[family]),
        }
        for family, count in ((HEADLINE, headline), (EXPLORATORY, exploratory))
    ]
    if total == 0:
        said = say_word(NO_TESTS)
    else:
        said = say(
            gettext_lazy(
                "This report ran %(tests)s: %(headline)s, adjusted together with Holm's method, and "
                "%(exploratory)s (categories, units and weaknesses, and the overall share against older "
                "results), adjusted with the Benjamini–Hochberg method. Better or worse is said only where "
                "the adjusted p value is under 0.05. Exploratory results show where to look; they are not "
                "findings on their own.",
                tests=_tests(total),
                headline=_tests(headline, HEADLINE),
                exploratory=_tests(exploratory, EXPLORATORY),
            )
        )
    return {
        "tests": total,
        "families": families,
        "declared": sorted(declared_items),
        "words": said,
    }


def _tests(n: int, family: str | None = None) -> str:
    """ "23 tests", "2 headline comparisons", "1 exploratory comparison", in the document's language."""
    shown = f"{n:,}"
    counted: dict[str | None, Phrase] = {
        None: ngettext_lazy("%(shown)s test", "%(shown)s tests", n, shown=shown),
        HEADLINE: ngettext_lazy(
            "%(shown)s headline comparison", "%(shown)s headline comparisons", n, shown=shown
        ),
        EXPLORATORY: ngettext_lazy(
            "%(shown)s exploratory comparison", "%(shown)s exploratory comparisons", n, shown=shown
        ),
    }
    return say(counted[family])


def readjust(shown: Iterable[dict[str, Any]], full: Mapping[str, Any] | None) -> dict[str, int]:
    """Adjust again, within each family, for a published document's comparisons (in place).

    A published report hides some comparisons with their counts; the full family's adjusted p values
    would depend on the hidden ones' p values, and so on hidden counts.  The published version keeps each
    family's size (the rows are listed anyway) and counts every hidden test as p = 1: its adjusted values
    rest only on what it prints, and are never below the full report's, so a published "better" or
    "worse" holds in the full report too.  Returns the tests printed per family.
    """
    sizes = {f["family"]: int(f["tests"]) for f in (full or {}).get("families", [])}
    by_family: dict[str, list[dict[str, Any]]] = {HEADLINE: [], EXPLORATORY: []}
    for item in shown:
        if not item.get("suppressed") and item.get("family") in by_family:
            by_family[str(item["family"])].append(item)
    for family, items in by_family.items():
        if not items:
            continue
        hidden = max(0, sizes.get(family, len(items)) - len(items))
        again = adjust([Comparison.from_json(i) for i in items], family, hidden=hidden)
        for item, c in zip(items, again, strict=True):
            item.update(c.to_json())
    return {family: len(items) for family, items in by_family.items()}


def published_section(printed: Mapping[str, int], full: Mapping[str, Any] | None) -> dict[str, Any]:
    """The published document's ``multiplicity``: the report's families, and how many it prints."""
    sizes = {f["family"]: int(f["tests"]) for f in (full or {}).get("families", [])}
    out = section(sizes or dict(printed), (full or {}).get("declared", ()))
    shown = sum(printed.values())
    out["printed"] = dict(printed)
    if shown != out["tests"]:
        printed_words = gettext_lazy(
            "This published version prints %(shown)s of the report's %(tests)s comparisons (the others rest "
            "on hidden counts); in the adjustment each hidden one counts as p = 1, so a published better or "
            "worse holds in the full report too.",
            shown=f"{shown:,}",
            tests=f"{out['tests']:,}",
        )
        out["words"] += " " + say(printed_words)
    return out


def adjusted_report(
    earlier: Sequence[Target],
    plan: Mapping[str, Any] | None,
    comparisons: tuple[Comparison, ...],
    breakdowns: Mapping[str, tuple[BreakdownRow, ...]],
    weaknesses: tuple[WeaknessRow, ...],
) -> tuple[
    tuple[Comparison, ...],
    dict[str, tuple[BreakdownRow, ...]],
    tuple[WeaknessRow, ...],
    dict[str, Any],
]:
    """Every comparison of a report put in its family and decided on its adjusted p value; and the report's
    ``multiplicity`` section.  ``earlier`` is every earlier result (label, kind, period end), oldest first."""
    targets = headline_targets(earlier)
    found = declared(plan)

    def family(is_declared: bool) -> Callable[[Comparison], str]:
        def of(c: Comparison) -> str:
            headline = is_declared and target(c) in targets
            return HEADLINE if headline else EXPLORATORY

        return of

    families = Families.empty()
    families.add(comparisons, family(True))
    for key, rows in breakdowns.items():
        for row in rows:
            families.add(row.comparisons, family(f"{key}:{row.name}" in found))
    for w in weaknesses:
        families.add(w.recurrence, family(f"weakness:{w.code}" in found))
    done = families.adjusted()

    def mapped(items: Sequence[Comparison]) -> tuple[Comparison, ...]:
        return tuple(done[id(c)] for c in items)

    return (
        mapped(comparisons),
        {
            key: tuple(replace(r, comparisons=mapped(r.comparisons)) for r in rows)
            for key, rows in breakdowns.items()
        },
        tuple(replace(w, recurrence=mapped(w.recurrence)) for w in weaknesses),
        section({f: len(m) for f, m in families.members.items()}, found),
    )
