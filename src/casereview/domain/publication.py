"""The report for publication: one linked model of every published count, protected jointly and audited.

Every count the published report prints is a cell of one ``linked.LinkedTables``
(docs/reports.md, "Disclosure"): the number of reviews, each grade, the
combined "requires improvement or inadequate", each category's and unit's
reviews, good and concern counts, each area's grades, each weakness and the
cases without it, send backs by urgency, open and closed, overdue, answered,
agreement pairs agreed and not, the links counts, the register's volume, the
sample's frame, strata and plan.  The same count has one key wherever it is
printed (a stratum's sampled cases and its category's reviews, the plan's size
and the number of reviews, the links' reviewed cases and the reviews), and
every total that holds is a line, whether or not the report prints it.

Shares, intervals, comparisons, the design-weighted estimate and its standard
error, the agreement statistics and the median response time are derived
figures: shown only when every cell they are computed from is shown.  Earlier
results (a baseline, an earlier quarter) are fixed numbers, shown only where
their own counts are not small.

``linked.protect`` hides the primary cells and the secondary ones;
``linked.audit`` then proves, for every hidden count, the range an attacker
could narrow it to.  When the headline count is hidden, the headline is
published as a band of shares the auditor accepts ("75% or more"), never
left out; a comparison of the headline is given by its direction alone when
every count in the band gives the same direction.  Dropped entirely: case
references, replacement reasons, the register's hash, inspectors' names in
the agreement table, free text of every kind.

``publish`` returns the document and its audit; the document is what is
stored, served and shown, as it was on the day it was published.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import linked
from .language import gettext_lazy, say
from .linked import Audit, Key, LinkedTables, Protection, Ratio
from .published_document import MARK, SUPPRESSION_NOTE, Writer, band_words
from .report_model import BreakdownRow, Report

__all__ = ["MARK", "SUPPRESSION_NOTE", "Publication", "as_preview", "band_words", "preview_words"]

_SMALL = linked.SMALL
_BAND_STEP = 5  # bands are whole multiples of 5 percentage points

# Cells a secondary suppression should spare while others will do: the headline first.
_HEADLINE, _MARGIN, _PLAIN = 5, 2, 1


@dataclass(frozen=True)
class Publication:
    """A report as it would be published: the document, and the auditor's proof that it hides enough."""

    document: dict[str, Any]
    audit: Audit
    tables: LinkedTables
    protection: Protection


def publish(report: Report | Mapping[str, Any]) -> Publication:
    """The published document of ``report`` with its audit (``audit.passed`` must hold to publish)."""
    if not isinstance(report, Report):
        report = Report.from_json(report)
    model = _Model(report)
    protection = linked.protect(model.tables)
    band = _headline_band(model, protection)
    if band is not None:
        protection = Protection(protection.hidden, protection.primary, protection.withheld, (band,))
    audit = linked.audit(model.tables, protection)
    document = Writer(report, model, protection, band).document(audit)
    return Publication(document, audit, model.tables, protection)


def published(report: Report | Mapping[str, Any]) -> dict[str, Any]:
    """The JSON document of ``report`` fit to publish (see the module's description).

    ``report`` is the typed report, or a full report's JSON document (read with ``Report.from_json``).
    """
    return publish(report).document


class _Model:
    """Every count of the published report as a cell, with its lines and derived figures."""

    def __init__(self, report: Report) -> None:
        self.report = report
        t = self.tables = LinkedTables()
        self.reviews = t.cell("reviews", report.reviews, weight=_HEADLINE + 1)  # the last to hide
        self.concern = t.cell(
            "concern", report.requires_improvement_or_inadequate.count, weight=_HEADLINE
        )
        self.grades = {
            code: t.cell(f"grade/{code}", g.figure.count, weight=_HEADLINE - 1)
            for code, g in report.grades.items()
        }
        codes = list(self.grades)
        if codes:
            t.line(self.reviews, self.grades.values())
            t.line(self.concern, [self.grades[c] for c in codes[1:]])
            t.line(self.reviews, [self.grades[codes[0]], self.concern])
        self.good = self.grades[codes[0]] if codes else None
        self.breakdowns = {
            "category": self._breakdown("category", report.by_category),
            "unit": self._breakdown("unit", report.by_unit),
        }
        self._sample()
        self._areas()
        self._weaknesses()
        self._send_backs()
        self._agreement()
        self._links()
        self._volume()
        self._design_weighted()

    # -- cells, lines and figures of each section --------------------------------------------------

    def _breakdown(
        self, key: str, rows: Sequence[BreakdownRow]
    ) -> list[tuple[BreakdownRow, Key, Key, Key]]:
        t = self.tables
        out = []
        for row in rows:
            name = f"{key}/{row.name}"
            concern = row.requires_improvement_or_inadequate.count
            # A row is listed only when the category or unit has a review: any reader knows it is 1 or more.
            reviews = t.cell(f"{name}/reviews", row.reviews, weight=_MARGIN, floor=1)
            good = t.cell(f"{name}/good", row.reviews - concern)
            bad = t.cell(f"{name}/concern", concern)
            t.line(reviews, (good, bad))
            out.append((row, reviews, good, bad))
        if out and sum(r.reviews for r in rows) == self.report.reviews:
            t.line(self.reviews, [r for _, r, _, _ in out])
            if self.good is not None:
                t.line(self.good, [g for _, _, g, _ in out])
            t.line(self.concern, [b for _, _, _, b in out])
        return out

    def _same(self, preferred: Key, value: int, *same_as: Key) -> Key:
        """The key of the cell that already counts the same thing with the same value, else ``preferred``."""
        for key in same_as:
            if self.tables.values.get(key) == value:
                return key
        return preferred

    def _sample(self) -> None:
        t, sample = self.tables, self.report.sample
        self.strata: list[tuple[Mapping[str, Any], Key, Key]] = []
        by = list((sample.get("plan") or {}).get("strata") or [])
        # A sample stratified by category (or unit) alone: its strata are those rows, the same counts.
        field = self.stratified_by = (
            by[0] if len(by) == 1 and by[0] in ("category", "unit") else None
        )
        for st in sample.get("strata") or []:
            label = str(st["label"])
            # A stratum's frame is printed only with the allocation it gives (below): with the plan's size
            # and the documented allocation, the frames give every stratum's sampled cases back.
            frame = t.cell(
                f"stratum/{label}/frame_size",
                int(st["frame_size"]),
                floor=min(int(st["frame_size"]), 1),
                implicit=True,
                printed=True,
            )
            graded_alias = (f"{field}/{label}/reviews",) if field else ()
            sampled = t.cell(
                self._same(f"stratum/{label}/sampled", int(st["sampled"]), *graded_alias),
                int(st["sampled"]),
            )
            if int(st["sampled"]) <= int(st["frame_size"]):
                t.at_most(frame, (sampled,))
            self.strata.append((st, frame, sampled))
        if self.strata:
            t.derive("allocation", [k for _, f, s in self.strata for k in (f, s)])
        frame_total = sample.get("frame_size")
        if isinstance(frame_total, int):
            self.frame = t.cell("sample/frame_size", frame_total, weight=_MARGIN)
            if self.strata and sum(int(s["frame_size"]) for s, _, _ in self.strata) == frame_total:
                t.line(self.frame, [f for _, f, _ in self.strata])
        plan = sample.get("plan") or {}
        size = plan.get("size")
        if isinstance(size, int):
            self.plan_size = t.cell(
                self._same("sample/plan_size", size, self.reviews), size, weight=_MARGIN
            )
            if self.strata and sum(int(s["sampled"]) for s, _, _ in self.strata) == size:
                t.line(self.plan_size, [s for _, _, s in self.strata])
        fixed = ((plan.get("fixed") or {}).get("counts")) or {}
        sampled_by_label = {str(s["label"]): key for s, _, key in self.strata}
        self.fixed = {
            label: t.cell(
                self._same(f"plan/fixed/{label}", int(n), sampled_by_label.get(label, "")), int(n)
            )
            for label, n in fixed.items()
        }
        replacements = sample.get("replacements", [])
        count = len(replacements) if isinstance(replacements, list) else int(replacements)
        t.cell("sample/replacements", count)

    def _areas(self) -> None:
        t = self.tables
        self.areas = []
        for row in self.report.areas:
            cells = {code: t.cell(f"area/{row.area}/{code}", n) for code, n in row.grades.items()}
            cells["not_applicable"] = t.cell(f"area/{row.area}/not_applicable", row.not_applicable)
            cells["not_graded"] = t.cell(f"area/{row.area}/not_graded", row.not_graded)
            if sum(t.values[k] for k in cells.values()) == self.report.reviews:
                t.line(self.reviews, cells.values())
            self.areas.append((row, cells))

    def _weaknesses(self) -> None:
        t = self.tables
        self.weaknesses = []
        for row in self.report.weaknesses:
            # Listed because found now or in the earlier result: taken to be 1 or more when it is.
            count = t.cell(f"weakness/{row.code}", row.figure.count, floor=min(row.figure.count, 1))
            if row.figure.total == self.report.reviews:
                without = t.cell(
                    f"weakness/{row.code}/without",
                    row.figure.total - row.figure.count,
                    printed=False,
                )
                t.line(self.reviews, (count, without))
            self.weaknesses.append((row, count))

    def _send_backs(self) -> None:
        t, facts = self.tables, self.report.send_backs
        self.send_backs = t.cell("send_backs", facts.count, weight=_MARGIN)
        self.urgency = {  # an urgency is listed only when a send back has it
            u: t.cell(f"send_backs/{u}", n, floor=min(n, 1)) for u, n in facts.by_urgency.items()
        }
        t.line(self.send_backs, self.urgency.values())
        self.open = t.cell("send_backs/open", facts.open)
        closed = t.cell("send_backs/closed", facts.count - facts.open, printed=False)
        t.line(self.send_backs, (self.open, closed))
        self.overdue = t.cell("send_backs/overdue", facts.overdue)
        if facts.overdue <= facts.open:
            t.line(
                self.open,
                (
                    self.overdue,
                    t.cell("send_backs/open_in_time", facts.open - facts.overdue, printed=False),
                ),
            )
        self.responses = t.cell("send_backs/responses", facts.responses)
        if facts.responses <= facts.count:
            unanswered = t.cell(
                "send_backs/unanswered", facts.count - facts.responses, printed=False
            )
            t.line(self.send_backs, (self.responses, unanswered))
        self.median = t.derive("median days to response", (self.responses, self.send_backs))

    def _agreement(self) -> None:
        t, team = self.tables, self.report.agreement.team
        self.pairs = t.cell("agreement/pairs", team.pairs)
        agreed = round((team.percent_agreement or 0.0) * team.pairs / 100)
        inputs = [self.pairs]
        if team.percent_agreement is not None:
            a = t.cell("agreement/agreed", agreed, printed=False)
            d = t.cell("agreement/disagreed", team.pairs - agreed, printed=False)
            t.line(self.pairs, (a, d))
            inputs += [a, d]
        self.agreement = t.derive("agreement statistics", inputs)
        # Each area's agreement rests on the team's pairs and on that area's grade counts.
        area_cells = {row.area: cells for row, cells in self.areas}
        self.area_agreement = {
            a.area: t.derive(
                f"agreement statistics/{a.area}", [*inputs, *area_cells.get(a.area, {}).values()]
            )
            for a in self.report.agreement.by_area
        }

    def _links(self) -> None:
        t, section = self.tables, self.report.links
        self.links: dict[str, Key] = {}
        if section is None:
            return
        get = section.get
        reviewed = int(get("reviewed_cases", 0))
        self.links["reviewed_cases"] = t.cell(
            self._same("links/reviewed_cases", reviewed, self.reviews), reviewed
        )
        related = t.cell("links/with_related_cases", int(get("with_related_cases", 0)))
        found = t.cell(
            "links/with_related_cases_and_weakness", int(get("with_related_cases_and_weakness", 0))
        )
        rest = t.cell(
            "links/with_related_cases_no_weakness",
            t.values[related] - t.values[found],
            printed=False,
        )
        t.line(related, (found, rest))
        alone = t.cell(
            "links/weakness_without_related_cases", int(get("weakness_without_related_cases", 0))
        )
        self.links.update(
            with_related_cases=related,
            with_related_cases_and_weakness=found,
            weakness_without_related_cases=alone,
        )
        if reviewed >= t.values[related]:
            unrelated = t.cell(
                "links/without_related_cases", reviewed - t.values[related], printed=False
            )
            t.line(self.links["reviewed_cases"], (related, unrelated))
        for kind, n in (get("by_kind") or {}).items():
            self.links[f"by_kind/{kind}"] = t.cell(f"links/by_kind/{kind}", int(n))
            if int(n) <= t.values[related]:
                t.at_most(related, (self.links[f"by_kind/{kind}"],))
        frame_key = getattr(self, "frame", "")
        for part in ("register", "frame"):
            for key, n in (get(part) or {}).items():
                same = (frame_key,) if part == "frame" and key == "cases" else ()
                self.links[f"{part}/{key}"] = t.cell(
                    self._same(f"links/{part}/{key}", int(n), *same), int(n)
                )

    def _volume(self) -> None:
        t, volume = self.tables, self.report.volume
        self.volume: dict[str, list[Key]] = {}
        if volume is None:
            return
        quarters = list(volume["quarters"])
        for category, counts in volume["categories"].items():
            self.volume[category] = [
                t.cell(f"volume/{category}/{q}", int(n))
                for q, n in zip(quarters, counts, strict=True)
            ]
        # A stratum's frame that is the whole of its category's recorded volume is the same count; one
        # that holds it is at least its sum.
        for st, frame, _ in self.strata:
            row = self.volume.get(str(st["label"]))
            if row and sum(t.values[k] for k in row) == t.values[frame]:
                t.line(frame, row)
            elif row and sum(t.values[k] for k in row) < t.values[frame]:
                t.at_most(frame, row)

    def _design_weighted(self) -> None:
        """The estimate uses each stratum's graded and concern counts: cells of their own (the same as a
        category's or unit's when the sample is stratified by it), known to anyone who reads the estimate."""
        t, weighted = self.tables, self.report.design_weighted
        self.weighted: str | None = None
        if weighted is None:
            return
        field = self.stratified_by
        frames = {str(s["label"]): f for s, f, _ in self.strata}
        inputs: list[Key] = []
        graded_keys, concern_keys = [], []
        for s in weighted.strata:
            alias = (f"{field}/{s.label}",) if field else ()
            graded = t.cell(
                self._same(f"stratum/{s.label}/graded", s.graded, *(f"{a}/reviews" for a in alias)),
                s.graded,
                implicit=True,
            )
            concern = t.cell(
                self._same(
                    f"stratum/{s.label}/concern", s.concern, *(f"{a}/concern" for a in alias)
                ),
                s.concern,
                implicit=True,
            )
            if s.graded >= s.concern:
                good = t.cell(
                    self._same(
                        f"stratum/{s.label}/good",
                        s.graded - s.concern,
                        *(f"{a}/good" for a in alias),
                    ),
                    s.graded - s.concern,
                    implicit=True,
                )
                t.line(graded, (concern, good))
                inputs.append(good)
            graded_keys.append(graded)
            concern_keys.append(concern)
            inputs += [graded, concern]
            if s.label in frames:
                inputs.append(frames[s.label])
        if weighted.strata and sum(s.graded for s in weighted.strata) == self.report.reviews:
            t.line(self.reviews, graded_keys)
            t.line(self.concern, concern_keys)
        # The frames it uses give the allocation back: it is shown only when every stratum's sampled
        # cases are (see ``_sample``).
        inputs += [sampled for _, _, sampled in self.strata]
        if not weighted.strata:
            # An old document without the counts behind the estimate: nothing proves it safe.
            inputs.append(t.cell("design_weighted/unknown inputs", 1, implicit=True))
        self.weighted = t.derive("design-weighted estimate", inputs)


# -- the headline as a band ----------------------------------------------------------------------


def _headline_band(model: _Model, protection: Protection) -> Ratio | None:
    """The narrowest band of shares (whole multiples of 5%) the auditor accepts for a hidden headline."""
    t = model.tables
    if protection.shown(model.concern) and protection.shown(model.reviews):
        return None
    count, total = t.values[model.concern], t.values[model.reviews]
    if total == 0:
        return None
    # A band ties only the hidden cells joined to the headline's: only their quantities can fail.
    bands = _bands(count, total)
    touched = linked.joined(t, protection.hidden, (model.concern, model.reviews), bands[:1])
    headline = {model.concern, model.reviews, *model.grades.values()}
    only = sorted(
        (s for s in linked.sensitive(t) if touched & {*s.plus, *s.minus}),
        key=lambda s: (not headline & {*s.plus, *s.minus}, s.name),  # the likeliest to fail first
    )
    for band in bands:
        trial = Protection(protection.hidden, protection.primary, protection.withheld, (band,))
        if linked.audit(t, trial, only=[s.name for s in only], until_failure=True).passed:
            return band
    return None


def _bands(count: int, total: int) -> list[Ratio]:
    """Candidate bands holding ``count / total``, narrowest first.

    A small count is published as "X% or less", a small complement as "X% or more", and a count hidden
    to protect another as a band of fixed width from a fixed grid; so the band says only where the share
    lies, and which rule hid it."""
    percent = 100 * count / total
    step = _BAND_STEP
    out = []
    if count in _SMALL or (total - count not in _SMALL and percent < 50):
        top = math.ceil(percent / step) * step
        out += [(0, x) for x in range(max(top, step), 101, step)]
    if total - count in _SMALL or (count not in _SMALL and percent >= 50):
        bottom = math.floor(percent / step) * step
        out += [(x, 100) for x in range(min(bottom, 100 - step), -1, -step)]
    if count not in _SMALL and total - count not in _SMALL:
        for width in (10, 20, 25, 50):
            low = min(math.floor(percent / width) * width, 100 - width)
            out.append((low, low + width))
    out.sort(key=lambda b: (b[1] - b[0], b))
    return [Ratio("headline band", "concern", "reviews", lo / 100, hi / 100) for lo, hi in out]


def preview_words(*, graded: int, sampled: int) -> str:
    """How every preview of a published version is headed, so it cannot pass for a publication (in the
    document's language: the shell makes a preview inside ``written_in``)."""
    return say(
        gettext_lazy(
            "Preview – not published – %(graded)s of %(sampled)s cases graded",
            graded=f"{graded:,}",
            sampled=f"{sampled:,}",
        )
    )


def as_preview(document: Mapping[str, Any], *, graded: int, sampled: int) -> dict[str, Any]:
    """A published version that is not published (yet): marked first thing in the document, and in every
    output made from it (heading, file name ``…-preview``, the first row of the CSV and spreadsheet)."""
    label = preview_words(graded=graded, sampled=sampled)
    return {"preview": {"label": label, "graded": graded, "sampled": sampled}, **document}
