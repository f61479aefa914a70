"""The published document, written from the linked model once its protection is chosen.

``domain.publication`` builds the model (every count a cell), chooses what to hide and audits it;
``Writer`` prints each cell as its value or ``[c]``, and each derived figure (share, interval,
comparison, estimate, statistic) only when ``Protection.shows`` it or every count it uses is shown.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import domain_estimates, linked, multiplicity, report_words
from .comparisons import comparison_of
from .control import ChartPoint, p_chart
from .language import Phrase, gettext_lazy, gettext_noop, say, say_word
from .linked import Audit, Key, Protection, Ratio
from .power import published_power
from .report import figures_digest
from .report_model import Comparison, DomainFigure, Interval, Report, TrendPoint
from .report_model_progress import SECTION as PROGRESS_SECTION
from .statistics import ALPHA, NO_CHANGE, WALD_TEST

if TYPE_CHECKING:
    from .publication import _Model as Model

MARK = linked.MARK
#: An area's agreement figures are published only from this many pairs up (and when the team's are shown).
AREA_AGREEMENT_FROM = 20
#: English here (marked for the catalogue); a document says it in its language (``say_word``).
SUPPRESSION_NOTE = gettext_noop(
    "Counts from 1 to 4, and other counts that would let one of them be worked out from anything "
    "published, are shown as [c]."
)


def safe_earlier(count: int, total: int) -> bool:
    """An earlier result's figures may be printed: neither its count, its complement nor its total small."""
    return not any(n in linked.SMALL for n in (count, total - count, total))


def band_words(low: float, high: float) -> str:
    """A headline band as people read it ("75% or more"), in the document's language."""
    lo, hi = round(low * 100), round(high * 100)
    if lo == 0:
        return say(gettext_lazy("%(high)s%% or less", high=hi))
    if hi == 100:
        return say(gettext_lazy("%(low)s%% or more", low=lo))
    return say(gettext_lazy("between %(low)s%% and %(high)s%%", low=lo, high=hi))


def _direction_words(direction: str, against: str) -> str:
    """A withheld headline comparison's direction against an earlier result (its label: data), in words."""
    if direction == NO_CHANGE:
        return say(
            gettext_lazy("no statistically significant change from %(against)s", against=against)
        )
    if direction == "worse":
        return say(gettext_lazy("worse than %(against)s", against=against))
    if direction == "better":
        return say(gettext_lazy("better than %(against)s", against=against))
    return f"{direction} than {against}"  # no other direction is made: kept as the code, never lost


# -- the document ---------------------------------------------------------------------------------


class Writer:
    def __init__(
        self, report: Report, model: Model, protection: Protection, band: Ratio | None
    ) -> None:
        self.report, self.model, self.p, self.band = report, model, protection, band
        self.values = model.tables.values

    def n(self, key: Key) -> int | str:
        """A cell as published: its value, or the marker."""
        return self.values[key] if self.p.shown(key) else MARK

    def interval(self, figure: Interval, count: Key, total: Key) -> dict[str, Any]:
        shown = self.p.shown(count) and self.p.shown(total)
        return {
            "count": self.n(count),
            "total": self.n(total),
            "share": figure.share if shown else None,
            "ci_low": figure.ci_low if shown else None,
            "ci_high": figure.ci_high if shown else None,
        }

    def comparisons(
        self,
        items: Sequence[Comparison],
        count: Key,
        total: Key,
        *,
        banded: bool = False,
        weighted: bool | None = None,
    ) -> list[dict[str, Any]]:
        """Each comparison printed or withheld.  ``weighted``: whether the design-weighted share its Wald
        tests rest on may be printed (by default, whether the report's whole estimate is)."""
        if weighted is None:
            weighted = self.weighted_shown()
        out = []
        for c in items:
            if (
                self.p.shown(count)
                and self.p.shown(total)
                and safe_earlier(c.count_then, c.total_then)
                # A design-weighted share rests on every stratum's counts: shown only with the estimate.
                and (c.test != WALD_TEST or weighted)
            ):
                out.append(c.to_json())
                continue
            withheld: dict[str, Any] = {
                "against": c.against,
                "kind": c.kind,
                "period_end": c.period_end,
                "suppressed": True,
            }
            direction = self._band_direction(c) if banded else None
            if direction is not None:
                withheld["direction"] = direction
            out.append(withheld)
        return out

    def _band_direction(self, c: Comparison) -> str | None:
        """The direction of a headline comparison when every count the band allows gives that direction."""
        if (
            self.band is None
            or not self.p.shown(self.model.reviews)
            or not safe_earlier(c.count_then, c.total_then)
        ):
            return None
        if c.test == WALD_TEST:
            return None  # a design-weighted share cannot be worked from a band of counts
        total = self.values[self.model.reviews]
        low = math.ceil(self.band.low * total - 1e-9)
        high = math.floor(self.band.high * total + 1e-9)
        then = (c.count_then, c.total_then)
        tests = c.family_tests or 1
        found = set()
        for k in range(max(low, 0), min(high, total) + 1):
            raw = comparison_of(c.against, c.kind, c.period_end, then, (k, total))
            if raw is None:
                return None
            # Holm's adjusted p lies between p and tests × p: significant for sure below ALPHA / tests,
            # not significant for sure from ALPHA up; between, the band cannot say.
            if raw.p_value >= ALPHA:
                found.add(NO_CHANGE)
            elif raw.p_value < ALPHA / tests:
                found.add(raw.direction)
            else:
                return None
        return (
            found.pop() if len(found) == 1 else None
        )  # the same test the report ran, on every count

    def document(self, audit: Audit) -> dict[str, Any]:
        r, m = self.report, self.model
        headline = self.interval(r.requires_improvement_or_inadequate, m.concern, m.reviews)
        headline["band"] = (
            None
            if self.band is None
            else {
                "low": self.band.low,
                "high": self.band.high,
                "words": band_words(self.band.low, self.band.high),
            }
        )
        weighted = r.design_weighted
        reproducibility = r.reproducibility.to_json()
        reproducibility["parameters"] = {**reproducibility["parameters"], "published": True}
        out: dict[str, Any] = {
            "inspection": {k: v for k, v in r.inspection.items() if k != "register_sha256"},
            "reviews": self.n(m.reviews),
            "sample": self.sample(),
            "grades": {
                code: {"label": g.label, **self.interval(g.figure, m.grades[code], m.reviews)}
                for code, g in r.grades.items()
            },
            "requires_improvement_or_inadequate": headline,
            "design_weighted": None
            if weighted is None or m.weighted is None or not self.p.shows(m.weighted)
            else {k: v for k, v in weighted.to_json().items() if k != "strata"},
            "comparisons": self.comparisons(r.comparisons, m.concern, m.reviews, banded=True),
            "trend": self.trend(r.trend, headline),
            "control_chart": self.control_chart(),
            "by_category": self.breakdown("category"),
            "by_unit": self.breakdown("unit"),
            "areas": self.areas(),
            "weaknesses": self.weaknesses(),
            "weakness_baseline": r.weakness_baseline,
            "send_backs": self.send_backs(),
            "agreement": self.agreement(),
            "links": self.links(),
            "volume": self.volume(),
            "headline": None,
            "multiplicity": None,
            "power": self.power(),
            "published": True,
            "reproducibility": reproducibility,
            "suppression": say_word(SUPPRESSION_NOTE),
            "disclosure": {
                "rule": say_word(linked.RULE),
                "marker": MARK,
                "audit": {"passed": audit.passed, "sha256": audit.to_json()["sha256"]},
            },
        }
        if r.progress is not None:  # after ``power``, as in the full report
            at = list(out).index("power") + 1
            items = list(out.items())
            out = dict([*items[:at], (PROGRESS_SECTION, self.progress(out)), *items[at:]])
        tests = multiplicity.readjust(self._printed_comparisons(out), r.multiplicity)
        out["multiplicity"] = multiplicity.published_section(tests, r.multiplicity)
        out["headline"] = self.headline(out)
        out["reproducibility"]["figures_sha256"] = figures_digest(out)
        return out

    def progress(self, out: Mapping[str, Any]) -> dict[str, Any] | None:
        """Progress against earlier recommendations (``domain.published_progress``): each count now only
        as the weakness and area tables of ``out`` (this document) print it."""
        # Deferred: that module imports this one.
        from .published_progress import now_from_tables, published_progress

        concern = self.report.reproducibility.parameters.concern_grades
        return published_progress(self.report.progress, now_from_tables(out, concern))

    def power(self) -> dict[str, Any] | None:
        """The minimum detectable changes (domain.power), only when the number of reviews is shown, and
        only against earlier results whose comparison is printed (the change would give their share away);
        none when a design-weighted estimate is withheld (its effective size rests on hidden strata)."""
        r, m = self.report, self.model
        if not self.p.shown(m.reviews) or (
            r.design_weighted is not None and (m.weighted is None or not self.p.shows(m.weighted))
        ):
            return None
        printed = {
            c.against
            for c in r.comparisons
            if self.p.shown(m.concern) and safe_earlier(c.count_then, c.total_then)
        }
        return published_power(r.power, printed)

    @staticmethod
    def _printed_comparisons(out: Mapping[str, Any]) -> list[dict[str, Any]]:
        found = list(out["comparisons"])
        for key in ("by_category", "by_unit"):
            for row in out[key]:
                found += row["comparisons"]
        for w in out["weaknesses"]:
            found += w.get("recurrence") or []
        return found

    def weighted_shown(self) -> bool:
        """The report's design-weighted estimate, and so everything computed from it, is printed."""
        m = self.model
        return m.weighted is not None and self.p.shows(m.weighted)

    def headline(self, out: Mapping[str, Any]) -> str:
        """The headline sentence from what is printed: the share or its band, and the headline family."""
        r = self.report
        figure = out["requires_improvement_or_inadequate"]
        weighted = out["design_weighted"]
        labels = [g["label"] for g in list(out["grades"].values())[1:]]
        earlier = [(p.label, p.kind) for p in r.trend if not p.now]
        said = [
            Comparison.from_json(c)
            for c in out["comparisons"]
            if not c.get("suppressed") and c.get("family") == multiplicity.HEADLINE
        ]
        said.sort(key=lambda c: c.kind != "inspection")
        # The grades joined by "or" in the document's language (the labels are the framework's, in it already).
        joined = report_words.concern_phrase(labels)
        grades = say(joined) if isinstance(joined, Phrase) else str(joined)
        if r.design_weighted is not None and weighted is None:
            # The estimate for the frame is withheld: the share of the graded cases is not a stand-in.
            return say(
                gettext_lazy(
                    "The sample was not drawn in proportion, so the share of cases in the frame graded "
                    "%(grades)s is a design-weighted estimate; it is hidden here to protect small "
                    "counts, as are the comparisons made from it.",
                    grades=grades,
                )
            )
        if weighted is not None:
            share, low, high = weighted["share"], weighted["ci_low"], weighted["ci_high"]
        else:
            share, low, high = figure["share"], figure["ci_low"], figure["ci_high"]
        if r.reviews == 0 or (share is not None and self.p.shown(self.model.reviews)):
            return report_words.headline(
                share=share,
                low=low,
                high=high,
                graded=r.reviews,
                concern_labels=labels,
                comparisons=said,
                earlier=earlier,
                coverage=None if weighted is None else weighted.get("coverage"),
            )
        band = figure.get("band")
        amount = band["words"] if band else say(gettext_lazy("A hidden share"))
        sentence = say(
            gettext_lazy(
                "%(amount)s of graded cases were graded %(grades)s (the exact figure is hidden to "
                "protect small counts)",
                amount=f"{amount[0].upper()}{amount[1:]}",
                grades=grades,
            )
        )
        directions = [
            _direction_words(c["direction"], c["against"])
            for c in out["comparisons"]
            if c.get("suppressed") and c.get("direction")
        ]
        return sentence + (" — " + "; ".join(directions) if directions else "") + "."

    def sample(self) -> dict[str, Any]:
        m = self.model
        sample = copy.deepcopy(dict(self.report.sample))
        sample["replacements"] = self.n("sample/replacements")
        if isinstance(sample.get("frame_size"), int):
            sample["frame_size"] = self.n(m.frame)
        plan = sample.get("plan")
        if isinstance(plan, dict):
            if isinstance(plan.get("size"), int):
                plan["size"] = self.n(m.plan_size)
            if m.fixed:
                plan["fixed"]["counts"] = {label: self.n(k) for label, k in m.fixed.items()}
        sample["strata"] = [
            {**dict(st), "frame_size": self.n(frame), "sampled": self.n(sampled)}
            for st, frame, sampled in m.strata
        ]
        return sample

    def trend(
        self, points: Sequence[TrendPoint], headline: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        out = []
        for p in points:
            if p.now:
                out.append({**p.to_json(), **headline, "suppressed": headline["count"] == MARK})
            elif safe_earlier(p.figure.count, p.figure.total):
                out.append(p.to_json())
            else:  # a zero stays a zero: a [c] is never 0
                hidden = {
                    "count": MARK if p.figure.count else 0,
                    "total": MARK,
                    "share": None,
                    "ci_low": None,
                    "ci_high": None,
                }
                out.append({**p.to_json(), **hidden, "suppressed": True})
        return out

    def breakdown(self, key: str) -> list[dict[str, Any]]:
        """Each row's cells and what rests on them.  A row's design-weighted share, and its Wald tests,
        use per-stratum counts of the row that are no cells of the model: printed only when the whole
        design-weighted estimate is (every stratum's counts shown) and the row's own counts are."""
        weighted = self.weighted_shown()
        whole = self.report.design_weighted
        concern = {s.label: s.concern for s in whole.strata} if whole is not None else {}
        out = []
        for row, reviews, good, bad in self.model.breakdowns[key]:
            combined = self.interval(row.requires_improvement_or_inadequate, bad, reviews)
            design = (
                weighted
                and self.p.shown(reviews)
                and self.p.shown(bad)
                and (row.design_weighted is None or self._cross_safe(row.design_weighted, concern))
            )
            entry: dict[str, Any] = {
                key: row.name,
                "reviews": self.n(reviews),
                "good": self.n(good),
                "requires_improvement_or_inadequate": combined,
                "comparisons": self.comparisons(row.comparisons, bad, reviews, weighted=design),
                "suppressed": any(not self.p.shown(k) for k in (reviews, good, bad)),
            }
            if row.design_weighted is not None:
                entry["design_weighted"] = row.design_weighted.published() if design else None
            out.append(entry)
        return out

    @staticmethod
    def _cross_safe(figure: DomainFigure, concern: Mapping[str, int] | None = None) -> bool:
        """A row's weighted share and standard error can give back its per-stratum counts (no cells of
        the model): printed only when none of them, nor their complements in the stratum, is small."""
        return not any(n in linked.SMALL for n in domain_estimates.hidden_cells(figure, concern))

    def areas(self) -> list[dict[str, Any]]:
        out = []
        for row, cells in self.model.areas:
            out.append(
                {
                    "area": row.area,
                    "title": row.title,
                    "grades": {code: self.n(cells[code]) for code in row.grades},
                    "not_applicable": self.n(cells["not_applicable"]),
                    "not_graded": self.n(cells["not_graded"]),
                }
            )
        return out

    def weaknesses(self) -> list[dict[str, Any]]:
        """In code order: the full report's order (most frequent first) would place a hidden count
        between two shown ones."""
        weighted = self.weighted_shown()
        out = []
        for row, count in sorted(self.model.weaknesses, key=lambda item: item[0].code):
            shown = self.p.shown(count) and self.p.shown(self.model.reviews)
            figure = self.interval(row.figure, count, self.model.reviews)
            # As a breakdown row's: the design-weighted share and its Wald tests need the whole estimate
            # shown as well as the weakness's own counts.
            design = (
                weighted
                and shown
                and (row.design_weighted is None or self._cross_safe(row.design_weighted))
            )
            entry = {
                "code": row.code,
                "title": row.title,
                **figure,
                "recurring": row.recurring,
                "recurrence": self.comparisons(
                    row.recurrence, count, self.model.reviews, weighted=design
                )
                if shown
                else [],
                "suppressed": not shown,
            }
            if row.design_weighted is not None:
                entry["design_weighted"] = row.design_weighted.published() if design else None
            out.append(entry)
        return out

    def send_backs(self) -> dict[str, Any]:
        m, facts = self.model, self.report.send_backs
        return {
            "count": self.n(m.send_backs),
            "by_urgency": {u: self.n(k) for u, k in m.urgency.items()},
            "open": self.n(m.open),
            "overdue": self.n(m.overdue),
            "responses": self.n(m.responses),
            "median_days_to_response": facts.median_days_to_response
            if self.p.shows(m.median) and facts.responses >= linked.PROTECTED_ABOVE
            else None,
        }

    def agreement(self) -> dict[str, Any]:
        """The team's agreement: its statistics only when the derived figure is shown; each area's only
        when that is shown too and the area has 20 pairs or more; never inspectors' names."""
        agreement = self.report.agreement
        team = agreement.team
        shown = self.p.shows(self.model.agreement)
        figures = {k: v for k, v in team.to_json().items() if k != "pairs"}
        by_area = []
        for area in agreement.by_area:
            key = self.model.area_agreement.get(area.area)
            visible = (
                shown
                and key is not None
                and self.p.shows(key)
                and area.figures.pairs >= AREA_AGREEMENT_FROM
            )
            by_area.append(
                {
                    "area": area.area,
                    "title": area.title,
                    **{
                        k: v if visible else None
                        for k, v in area.figures.to_json().items()
                        if k != "interval_method"
                    },
                    "interval_method": area.figures.interval_method if visible else None,
                    "skipped": area.skipped if visible else None,
                }
            )
        pairs_shown = self.p.shown(self.model.pairs)
        return {
            "pairs": self.n(self.model.pairs),
            **{k: v if shown else None for k, v in figures.items()},
            "by_area": by_area,
            "few_pairs": agreement.few_pairs if pairs_shown else None,
            "warning": agreement.warning if pairs_shown else None,
        }

    def links(self) -> dict[str, Any] | None:
        section = self.report.links
        if section is None:
            return None
        out = copy.deepcopy(dict(section))
        keys = self.model.links
        for name in ("reviewed_cases", "with_related_cases", "with_related_cases_and_weakness"):
            out[name] = self.n(keys[name])
        out["weakness_without_related_cases"] = self.n(keys["weakness_without_related_cases"])
        out["by_kind"] = {
            kind: self.n(keys[f"by_kind/{kind}"]) for kind in section.get("by_kind") or {}
        }
        for part in ("register", "frame"):
            if section.get(part) is not None:
                out[part] = {k: self.n(keys[f"{part}/{k}"]) for k in section[part]}
        return out

    def control_chart(self) -> dict[str, Any] | None:
        """The p-chart recomputed from what is printed (``domain.control``), never copied from the full
        report's: an earlier point is printed where ``safe_earlier`` holds (as in the trend), this
        inspection only when its count and its total are both shown.  A withheld point is a gap: no
        limits, no rule rests on it, and the centre is pooled from printed points only (so a signal
        or a centre can never tell anything of a withheld figure).  None when no earlier point is
        printed to centre on."""
        chart = self.report.control_chart
        if not chart:
            return None
        m = self.model
        now_printed = self.p.shown(m.concern) and self.p.shown(m.reviews)
        if chart.get("current_estimate") == "design-weighted":  # computed from the strata's counts
            now_printed = m.weighted is not None and self.p.shows(m.weighted)
        points, hidden = [], {}
        for i, p in enumerate(chart["points"]):
            count, total = p["count"], p["total"]
            printed = now_printed if p.get("now") else safe_earlier(count, total)
            if not printed:  # a zero stays a zero: a [c] is never 0
                hidden[i] = (
                    {"count": self.n(m.concern), "total": self.n(m.reviews)}
                    if p.get("now")
                    else {"count": MARK if count else 0, "total": MARK}
                )
            points.append(
                ChartPoint(
                    p["label"],
                    p["kind"],
                    p["period_end"],
                    count if printed else None,
                    total if printed else None,
                )
            )
        out = p_chart(points)
        if out is None:
            return None
        for i, shown in hidden.items():
            out["points"][i].update(shown, suppressed=True)
        return out

    def volume(self) -> dict[str, Any] | None:
        volume = self.report.volume
        if volume is None:
            return None
        categories = {c: [self.n(k) for k in row] for c, row in self.model.volume.items()}
        return {
            "quarters": list(volume["quarters"]),
            "categories": categories,
            "suppressed": any(MARK in row for row in categories.values()),
        }
