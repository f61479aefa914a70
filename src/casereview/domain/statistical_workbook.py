"""A report's statistical spreadsheet, described once: ``workbook(document)`` (see ``statistical_tables``).

The cover, the notes and the tables of counts (send backs, agreement, links, volume, the sample, the tests
run); the tables of figures are ``statistical_sections``.  Pure: no Django, no files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from casereview.domain.marking import marking
from casereview.domain.statistical_progress import progress
from casereview.domain.statistical_sections import (
    COUNT,
    NUMBER,
    PERCENT,
    areas_and_weaknesses,
    breakdowns,
    comparisons,
    control_chart,
    grades,
    trend,
)
from casereview.domain.statistical_tables import (
    CONTACT,
    CREATOR,
    LANGUAGE,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    Builder,
    Column,
    Value,
    Workbook,
    at,
    is_number,
    percent,
    text,
)
from casereview.domain.words import Kind, uk_date, words

__all__ = ["LINK_PATTERNS", "workbook"]

#: The register's patterns of linked cases: words, the key counting children/places/suspects, the key counting cases.
LINK_PATTERNS = (
    ("Children missing repeatedly", "repeat_missing_children", "repeat_missing_cases"),
    ("Places with a cluster of cases", "place_clusters", "place_cluster_cases"),
    (
        "Suspects on cases of several children",
        "suspects_linked_to_several_children",
        "suspect_linked_cases",
    ),
)


# ---------------------------------------------------------------------------------------------------
# The tables of counts


def _send_backs(b: Builder) -> None:
    s = b.doc.get("send_backs") or {}
    if not s:
        return
    rows: list[list[Value]] = [
        ["Sent back", b.v.count(at(s, "count"))],
        ["Still open", b.v.count(at(s, "open"))],
        ["Overdue", b.v.count(at(s, "overdue"))],
    ]
    if "responses" in s:
        rows.append(["Answered", b.v.count(at(s, "responses"))])
    if "at_risk_not_sent_back" in s:
        rows.append(["At risk but not sent back", b.v.count(s["at_risk_not_sent_back"])])
    rows += [
        [f"Urgency: {words(Kind.URGENCY, u)}", b.v.count(n)]
        for u, n in (s.get("by_urgency") or {}).items()
    ]
    b.add(
        "Send_backs",
        "Cases sent back to the body",
        [Column("Cases sent back"), Column("Cases", COUNT)],
        rows,
    )
    empty = s.get("count") in (0, None)
    b.add(
        "Send_back_response_time",
        "How long the body took to answer a case sent back",
        [Column("Measure"), Column("Days", NUMBER, 1)],
        [
            [
                "Median days to a response",
                b.v.figure(at(s, "median_days_to_response"), 1, empty=empty),
            ]
        ],
    )


INTERVAL_METHODS = {
    "bootstrap": "a bootstrap of two thousand resamples with a fixed seed, as fewer than thirty cases "
    "were marked twice",
    "analytic": "from each statistic's large-sample standard error",
}
AGREEMENT_STATS = (
    ("cohen_kappa", "Cohen's kappa", True),
    ("weighted_kappa_linear", "Linear-weighted kappa (a near miss earns half credit)", True),
    ("gwet_ac1", "Gwet's AC1", True),
    ("krippendorff_alpha_ordinal", "Krippendorff's alpha (ordinal)", False),
    ("prevalence_index", "Prevalence index", False),
    ("bias_index", "Bias index", False),
)


#: The statistics every group has a row for, even when the document lacks them ([x]); the others (Gwet's
#: AC1, which an older document lacks) are listed only when present.
ALWAYS_LISTED = ("cohen_kappa", "weighted_kappa_linear")


def _agreement(b: Builder) -> None:
    a = b.doc.get("agreement") or {}
    if not a:
        return
    groups = [("Whole team", a, False)]
    groups += [(" and ".join(p.get("raters") or []), p, False) for p in a.get("by_pair") or []]
    groups += [
        (f"Area: {r.get('title') or r.get('area')}", r, True) for r in a.get("by_area") or []
    ]
    rows: list[list[Value]] = []
    statistics: list[list[Value]] = []
    for name, g, is_area in groups:
        # Only a count of none is empty ([z]); a hidden count (null in a published document) is [c].
        empty = is_number(g.get("pairs")) and g["pairs"] == 0
        pct = g.get("percent_agreement")
        rows.append(
            [
                name,
                b.v.count(at(g, "pairs")),
                b.v.count(at(g, "skipped")) if is_area else NOT_APPLICABLE,
                b.v.share(pct / 100 if is_number(pct) else at(g, "percent_agreement"), empty=empty),
            ]
        )
        for key, label, with_interval in AGREEMENT_STATS:
            if key not in g and key not in ALWAYS_LISTED:
                continue
            limits = (
                [
                    b.v.figure(at(g, f"{key}_ci_low"), 2, empty=empty),
                    b.v.figure(at(g, f"{key}_ci_high"), 2, empty=empty),
                ]
                if with_interval
                else [NOT_APPLICABLE, NOT_APPLICABLE]
            )
            statistics.append([name, label, b.v.figure(at(g, key), 2, empty=empty), *limits])
    method = a.get("interval_method")
    description = [a["warning"]] if a.get("warning") else []
    if isinstance(method, str) and method:
        description.append(f"Intervals: {INTERVAL_METHODS.get(method, method)}.")
    b.add(
        "Agreement",
        "Cases marked twice, and how often the overall grades agreed",
        [
            Column("Inspectors"),
            Column("Cases marked twice", COUNT),
            Column("Cases skipped", COUNT),
            Column("Overall grades agreed", PERCENT),
        ],
        rows,
        description,
        notes=("agreement",),
    )
    b.add(
        "Agreement_statistics",
        "Agreement between inspectors beyond chance",
        [
            Column("Inspectors"),
            Column("Statistic"),
            Column("Value", NUMBER, 2),
            Column("Lower limit of the 95% interval", NUMBER, 2),
            Column("Upper limit of the 95% interval", NUMBER, 2),
        ],
        statistics,
        notes=("agreement",),
    )


LINK_MEASURES = (
    ("reviewed_cases", "Cases reviewed"),
    ("with_related_cases", "Reviewed cases with related cases in the register"),
    ("with_related_cases_and_weakness", "Of those, with the weakness about links"),
    ("weakness_without_related_cases", "With the weakness about links but no related case found"),
)


def _links(b: Builder, patterns: Sequence[tuple[str, str, str]]) -> None:
    links = b.doc.get("links") or {}
    if not links:
        return
    rows = [[label, b.v.count(links.get(key))] for key, label in LINK_MEASURES if key in links]
    rows += [
        [f"Reviewed cases related through a {kind}", b.v.count(n)]
        for kind, n in (links.get("by_kind") or {}).items()
    ]
    register = links.get("register") or {}
    if "register_cases" in register:
        rows.append(["Cases in the register", b.v.count(register["register_cases"])])
    definitions = links.get("definitions") or {}
    b.add(
        "Links_between_cases",
        "Reviewed cases with related cases in the register",
        [Column("Measure"), Column("Cases", COUNT)],
        rows,
        [f"Related: {text}." for text in definitions.values()],
    )
    frame = links.get("frame") or {}
    columns = [Column("Pattern"), Column("In the register", COUNT), Column("Their cases", COUNT)]
    if frame:
        columns += [
            Column("Touching the sample's frame", COUNT),
            Column("Frame cases in them", COUNT),
        ]
    b.add(
        "Link_patterns",
        "Patterns in the register",
        columns,
        (
            [
                label,
                b.v.count(register.get(many)),
                b.v.count(register.get(cases)),
                *([b.v.count(frame.get(many)), b.v.count(frame.get(cases))] if frame else []),
            ]
            for label, many, cases in patterns
            if many in register or cases in register
        ),
    )
    rules = links.get("rules") or {}
    b.add(
        "Link_rules",
        "The rules that find related cases",
        [Column("Rule"), Column("Number", COUNT), Column("Categories")],
        (
            [
                key.replace("_", " ").capitalize(),
                # A number is a number; a list of categories is words (each rule has one or the other).
                b.v.count(value) if is_number(value) else NOT_APPLICABLE,
                ", ".join(words(Kind.CATEGORY, v) for v in value)
                if isinstance(value, list)
                else NOT_APPLICABLE
                if is_number(value)
                else text(value),
            ]
            for key, value in rules.items()
        ),
    )


def _volume(b: Builder) -> None:
    volume = b.doc.get("volume") or {}
    quarters = volume.get("quarters") or []
    categories = volume.get("categories") or {}
    b.add(
        "Cases_in_the_register",
        "Cases recorded in the register per quarter, by category",
        [Column("Category"), *(Column(str(q), COUNT) for q in quarters)],
        (
            [words(Kind.CATEGORY, c), *(b.v.count(n) for n in counts)]
            for c, counts in categories.items()
        ),
    )


def _sample(b: Builder) -> None:
    sample = b.doc.get("sample") or {}
    if not sample:
        return
    replacements = sample.get("replacements")
    rows: list[list[Value]] = [
        ["Cases in the frame", b.v.count(at(sample, "frame_size"))],
        ["Cases reviewed", b.v.count(b.doc.get("reviews"))],
    ]
    plan = sample.get("plan") or {}
    if is_number(plan.get("size")):
        rows.append(["Planned sample size", int(plan["size"])])
    if replacements is not None:
        rows.append(
            [
                "Cases replaced",
                b.v.count(len(replacements) if isinstance(replacements, list) else replacements),
            ]
        )
    description = []
    if sample.get("algorithm"):
        description.append(f"Drawn by: {words(Kind.ALGORITHM, sample['algorithm'])}.")
    if plan.get("allocation"):
        description.append(f"Allocation: {words(Kind.ALLOCATION, plan['allocation'])}.")
    if sample.get("late_commitment"):
        description.append("The sample was committed late.")
    b.add(
        "Sample",
        "The sample of cases reviewed",
        [Column("Measure"), Column("Cases", COUNT)],
        rows,
        description,
    )
    b.add(
        "Sample_strata",
        "The sample's strata",
        [Column("Stratum"), Column("Cases in the frame", COUNT), Column("Sampled", COUNT)],
        (
            [
                words(Kind.STRATUM, s.get("label", "")),
                b.v.count(at(s, "frame_size")),
                b.v.count(at(s, "sampled")),
            ]
            for s in sample.get("strata") or []
        ),
    )


def _tests(b: Builder) -> None:
    m = b.doc.get("multiplicity") or {}
    printed = m.get("printed") or {}
    b.add(
        "Tests_run",
        "Comparisons tested, by family, and how they were adjusted",
        [
            Column("Family of tests"),
            Column("Tests", COUNT),
            *([Column("Printed in this version", COUNT)] if printed else []),
            Column("Adjustment"),
            Column("What it covers"),
        ],
        (
            [
                text(f.get("family")).capitalize(),
                b.v.count(at(f, "tests")),
                *(
                    [
                        b.v.count(printed[f.get("family")])
                        if f.get("family") in printed
                        else NOT_AVAILABLE
                    ]
                    if printed
                    else []
                ),
                text(f.get("adjustment")),
                text(f.get("what")),
            ]
            for f in m.get("families") or []
        ),
        [m["words"]] if m.get("words") else [],
        notes=("tests",),
    )
    power = b.doc.get("power") or {}
    b.add(
        "Smallest_detectable_change",
        "The smallest change each comparison would probably have detected",
        [
            Column("Compared with"),
            Column("Share then", PERCENT),
            Column("Graded cases then", COUNT),
            Column("Graded cases now", COUNT),
            Column("Effective sample size now", NUMBER, 0),
            Column("Tests in the family", COUNT),
            Column("Confidence", PERCENT),
            Column("Smallest detectable change", PERCENT),
            Column("Direction"),
        ],
        (
            [
                text(p.get("against")),
                b.v.share(at(p, "share_then")),
                b.v.count(at(p, "total_then")),
                b.v.count(at(p, "total_now")),
                b.v.figure(at(p, "effective_now"), 0)
                if p.get("effective_now") is not None
                else NOT_APPLICABLE,
                b.v.count(at(p, "tests_in_family")),
                b.v.share(at(p, "confidence")),
                b.v.share(at(p, "minimum_detectable_change")),
                text(p.get("direction")),
            ]
            for p in power.get("against") or []
        ),
        [
            f"Power {100 * percent(power['power']):.0f}%, confidence {100 * percent(power['confidence']):.0f}%; method: {power.get('method', '')}."
        ]
        if is_number(power.get("power")) and is_number(power.get("confidence"))
        else [],
    )


# ---------------------------------------------------------------------------------------------------
# The cover and the notes


def _status(doc: Mapping[str, Any]) -> str:
    """What version the document is, in words (``domain.marking``, as the PDF's running header says)."""
    return marking(doc).status


def _cover(doc: Mapping[str, Any]) -> list[tuple[str, str]]:
    inspection = doc.get("inspection") or {}
    repro = doc.get("reproducibility") or {}
    disclosure = doc.get("disclosure") or {}
    mark = marking(doc)
    items = [
        ("Classification", mark.classification),
        ("Body", text(mark.body)),
        ("Inspection", text(inspection.get("name"))),
        ("Period", text(mark.period)),
        ("Status", mark.status),
    ]
    if mark.version:
        items.append(("This version", mark.version))
    if inspection.get("framework"):
        items.append(("Framework", words(Kind.FRAMEWORK, inspection["framework"])))
    if doc.get("headline"):
        items.append(("Headline", str(doc["headline"])))
    items.append(
        (
            "Source",
            f"The inspection's case reviews: a sample of {text(mark.body, 'the body')}'s cases from its "
            "register, each graded by the inspectorate's inspectors (recorded in casereview).",
        )
    )
    contact = doc.get("contact") or inspection.get("contact")
    items.append(("Contact", text(contact, CONTACT)))
    if doc.get("published"):
        rule = disclosure.get("rule") or doc.get("suppression") or ""
        items.append(("Disclosure rule", f"{rule} Hidden values are shown as [c].".strip()))
        audit = disclosure.get("audit") or {}
        if audit.get("sha256") and not doc.get("preview"):
            items.append(("Disclosure audit (SHA-256)", str(audit["sha256"])))
    else:
        items.append(
            (
                "Disclosure",
                "This full report shows every count and names cases and inspectors: it is for the "
                "inspection team only and is never published as it is.",
            )
        )
    as_of = (repro.get("parameters") or {}).get("as_of")
    for key, label in (
        ("input_sha256", "Input data digest (SHA-256)"),
        ("figures_sha256", "Figures digest (SHA-256)"),
        ("software_version", "casereview version"),
        ("commit", "casereview commit"),
    ):
        if repro.get(key):
            items.append((label, str(repro[key])))
    if as_of:
        items.append(("Figures as of", uk_date(as_of)))
    items.append(
        (
            "About these tables",
            "Each table is on its own worksheet, listed on the Contents worksheet; notes are on the Notes "
            "worksheet and referred to as [note 1] and so on. Some cells hold a shorthand instead of a number: "
            "[c] hidden, [x] not available, [z] not applicable, [low] a p value under 0.001.",
        )
    )
    return items


def _define_notes(b: Builder) -> None:
    doc = b.doc
    params = (doc.get("reproducibility") or {}).get("parameters") or {}
    b.notes.define(
        "c",
        "[c] marks a value hidden to protect the people in the cases, under the disclosure rule on the "
        "Cover worksheet: a small count, a count from which one could be worked out, or a figure computed "
        "from a hidden count.",
    )
    b.notes.define(
        "x",
        "[x] marks a value that is not available: the report has no such figure (for example an interval "
        "the method does not give).",
    )
    b.notes.define(
        "z",
        "[z] marks a value that does not apply: a share or figure of no cases, or a comparison that was not made.",
    )
    b.notes.define("low", "[low] marks a p value under 0.001 (the report prints it as < 0.001).")
    confidence = params.get("confidence")
    level = f"{100 * confidence:.0f}%" if is_number(confidence) else "95%"
    b.notes.define(
        "shares",
        "Shares are of graded cases and are rounded to one decimal place of a percentage, as the report prints them. "
        f"Intervals are {level} intervals ({params.get('interval') or 'Wilson score'}).",
    )
    alpha = params.get("alpha")
    tests = (
        params.get("comparison_tests")
        or "two-proportion z-test, or Fisher's exact test for small counts"
    )
    b.notes.define(
        "tests",
        f"Comparisons use the {tests}. "
        + (
            f"Adjusted for the number of tests: {params['adjustment']}. "
            if params.get("adjustment")
            else ""
        )
        + "Better or worse is said only where the adjusted p value is under "
        f"{alpha if is_number(alpha) else 0.05}.",
    )
    b.notes.define(
        "design",
        "The sample was not drawn in proportion to the register, so some figures are design-weighted: each "
        "stratum's cases are weighted by the stratum's size in the frame. A design-weighted share's interval "
        "rests on its effective sample size, the number of cases a simple random sample would need to be as "
        "precise. Shares are rounded to one decimal place of a percentage, as the report prints them.",
    )
    b.notes.define(
        "effective",
        "The current point is design-weighted: its effective graded cases are its effective sample size, and "
        "its effective cases the design-weighted share of them. They are not counts of cases, so they are "
        "not whole numbers.",
    )
    chart = doc.get("control_chart") or {}
    b.notes.define(
        "control", str(chart.get("method") or "A p-chart of the share of cases of concern.")
    )
    b.notes.define(
        "agreement",
        "Cases marked twice, blind: a case's first review against its moderation. Kappa and AC1 measure "
        "agreement beyond chance (one is perfect agreement, zero no better than chance); their lower and "
        "upper limits are those of 95% intervals.",
    )


def workbook(
    document: Mapping[str, Any], link_patterns: Sequence[tuple[str, str, str]] = LINK_PATTERNS
) -> Workbook:
    """The statistical spreadsheet of a report's JSON document (full, published or preview)."""
    b = Builder(document)
    _define_notes(b)
    grades(b)
    breakdowns(b)
    comparisons(b)
    trend(b)
    control_chart(b)
    areas_and_weaknesses(b)
    progress(b)
    _send_backs(b)
    _agreement(b)
    _links(b, link_patterns)
    _volume(b)
    _sample(b)
    _tests(b)
    inspection = document.get("inspection") or {}
    mark = marking(document)
    body = text(mark.body)
    when = mark.period
    title = (
        f"Inspection report: {text(inspection.get('name'))}, {body}{', ' + when if when else ''}"
    )
    status = mark.status
    properties = {
        "title": title,
        "subject": f"Case review inspection statistics – {status}",
        "creator": CREATOR,
        "language": LANGUAGE,
        "keywords": ", ".join(
            k for k in ("inspection", "case review", "official statistics", body, status) if k
        ),
        "comments": "Tables of the inspection report; hidden values are [c] (see the Notes worksheet).",
        "classification": mark.classification,
        "status": mark.status,
        "created": mark.created,  # ISO date: the same report gives the same file, byte for byte
    }
    return Workbook(title, tuple(_cover(document)), b.notes.notes(), tuple(b.tables), properties)
