"""A report's statistical spreadsheet, described once: ``workbook(document)`` (see ``statistical_tables``).

The tables of counts (send backs, agreement, links, volume, the sample, the tests run); the tables of
figures are ``statistical_sections`` (the control chart's ``statistical_control``), the cover's items and
the notes ``statistical_cover``, the shared words ``statistical_words``.  Pure: no Django, no files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from casereview.domain.language import (
    gettext_lazy,
    gettext_noop,
    say,
    say_word,
    saying,
    tag,
)
from casereview.domain.marking import marking
from casereview.domain.statistical_control import control_chart
from casereview.domain.statistical_cover import cover, define_notes
from casereview.domain.statistical_progress import progress
from casereview.domain.statistical_sections import (
    COUNT,
    NUMBER,
    PERCENT,
    areas_and_weaknesses,
    breakdowns,
    comparisons,
    grades,
    trend,
)
from casereview.domain.statistical_tables import (
    CREATOR,
    HIDDEN,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    NOTES_SHEET,
    Builder,
    Column,
    Value,
    Workbook,
    at,
    is_number,
    percent,
    text,
)
from casereview.domain.statistical_words import (
    ADJUSTMENT,
    CASES_REVIEWED,
    COMPARED_WITH,
    DIRECTION,
    FAMILY_OF_TESTS,
    FAMILY_WORDS,
    GRADED_NOW,
    GRADED_THEN,
    LOWER_95,
    SHARE_THEN,
    SIDE_WORDS,
    TESTS_IN_FAMILY,
    UPPER_95,
    coded,
    limit_95,
)
from casereview.domain.words import Kind, words

__all__ = ["LINK_PATTERNS", "workbook"]

#: The register's patterns of linked cases: words, the key counting children/places/suspects, the key counting cases.
#: The words are marked for the catalogue: ``say_word(label)`` in a document, ``gettext`` on a page.
LINK_PATTERNS = (
    (
        gettext_noop("Children missing repeatedly"),
        "repeat_missing_children",
        "repeat_missing_cases",
    ),
    (gettext_noop("Places with a cluster of cases"), "place_clusters", "place_cluster_cases"),
    (
        gettext_noop("Suspects on cases of several children"),
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
        [say(gettext_lazy("Sent back")), b.v.count(at(s, "count"))],
        [say(gettext_lazy("Still open")), b.v.count(at(s, "open"))],
        [say(gettext_lazy("Overdue")), b.v.count(at(s, "overdue"))],
    ]
    if "responses" in s:
        rows.append([say(gettext_lazy("Answered")), b.v.count(at(s, "responses"))])
    if "at_risk_not_sent_back" in s:
        rows.append(
            [say(gettext_lazy("At risk but not sent back")), b.v.count(s["at_risk_not_sent_back"])]
        )
    rows += [
        [
            say(gettext_lazy("Urgency: %(urgency)s", urgency=words(Kind.URGENCY, u, say_word))),
            b.v.count(n),
        ]
        for u, n in (s.get("by_urgency") or {}).items()
    ]
    b.add(
        gettext_lazy("Send backs"),
        say(gettext_lazy("Cases sent back to the body")),
        [Column(say(gettext_lazy("Cases sent back"))), Column(say_word(CASES), COUNT)],
        rows,
    )
    empty = s.get("count") in (0, None)
    b.add(
        gettext_lazy("Send back response time"),
        say(gettext_lazy("How long the body took to answer a case sent back")),
        [Column(say_word(MEASURE)), Column(say(gettext_lazy("Days")), NUMBER, 1)],
        [
            [
                say(gettext_lazy("Median days to a response")),
                b.v.figure(at(s, "median_days_to_response"), 1, empty=empty),
            ]
        ],
    )


#: Words more than one table has (marked for the catalogue; ``say_word`` where used).
CASES = gettext_noop("Cases")
MEASURE = gettext_noop("Measure")
INSPECTORS = gettext_noop("Inspectors")
CASES_IN_FRAME = gettext_noop("Cases in the frame")
#: Both a row's words and a sheet's name (a Phrase, so that the sheet is named in the workbook's language).
CASES_IN_REGISTER = gettext_lazy("Cases in the register")

INTERVAL_METHODS = {
    "bootstrap": gettext_noop(
        "a bootstrap of two thousand resamples with a fixed seed, as fewer than thirty cases "
        "were marked twice"
    ),
    "analytic": gettext_noop("from each statistic's large-sample standard error"),
}
AGREEMENT_STATS = (
    ("cohen_kappa", gettext_noop("Cohen's kappa"), True),
    (
        "weighted_kappa_linear",
        gettext_noop("Linear-weighted kappa (a near miss earns half credit)"),
        True,
    ),
    ("gwet_ac1", gettext_noop("Gwet's AC1"), True),
    ("krippendorff_alpha_ordinal", gettext_noop("Krippendorff's alpha (ordinal)"), False),
    ("prevalence_index", gettext_noop("Prevalence index"), False),
    ("bias_index", gettext_noop("Bias index"), False),
)


#: The statistics every group has a row for, even when the document lacks them ([x]); the others (Gwet's
#: AC1, which an older document lacks) are listed only when present.
ALWAYS_LISTED = ("cohen_kappa", "weighted_kappa_linear")


def _agreement(b: Builder) -> None:
    a = b.doc.get("agreement") or {}
    if not a:
        return
    groups = [(say(gettext_lazy("Whole team")), a, False)]
    groups += [(_pair(p.get("raters") or []), p, False) for p in a.get("by_pair") or []]
    groups += [
        (say(gettext_lazy("Area: %(area)s", area=r.get("title") or r.get("area"))), r, True)
        for r in a.get("by_area") or []
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
            statistics.append(
                [name, say_word(label), b.v.figure(at(g, key), 2, empty=empty), *limits]
            )
    method = a.get("interval_method")
    description = [a["warning"]] if a.get("warning") else []
    if isinstance(method, str) and method:
        how = say_word(INTERVAL_METHODS[method]) if method in INTERVAL_METHODS else method
        description.append(say(gettext_lazy("Intervals: %(method)s.", method=how)))
    b.add(
        gettext_lazy("Agreement"),
        say(gettext_lazy("Cases marked twice, and how often the overall grades agreed")),
        [
            Column(say_word(INSPECTORS)),
            Column(say(gettext_lazy("Cases marked twice")), COUNT),
            Column(say(gettext_lazy("Cases skipped")), COUNT),
            Column(say(gettext_lazy("Overall grades agreed")), PERCENT),
        ],
        rows,
        description,
        notes=("agreement",),
    )
    b.add(
        gettext_lazy("Agreement statistics"),
        say(gettext_lazy("Agreement between inspectors beyond chance")),
        [
            Column(say_word(INSPECTORS)),
            Column(say(gettext_lazy("Statistic"))),
            Column(say(gettext_lazy("Value")), NUMBER, 2),
            Column(limit_95(LOWER_95), NUMBER, 2),
            Column(limit_95(UPPER_95), NUMBER, 2),
        ],
        statistics,
        notes=("agreement",),
    )


def _pair(raters: Sequence[str]) -> str:
    """Two inspectors' names, "A and B" in the workbook's language."""
    if len(raters) == 2:
        return say(gettext_lazy("%(first)s and %(second)s", first=raters[0], second=raters[1]))
    return " and ".join(raters) if len(raters) > 2 else "".join(raters)


LINK_MEASURES = (
    ("reviewed_cases", CASES_REVIEWED),
    ("with_related_cases", gettext_noop("Reviewed cases with related cases in the register")),
    ("with_related_cases_and_weakness", gettext_noop("Of those, with the weakness about links")),
    (
        "weakness_without_related_cases",
        gettext_noop("With the weakness about links but no related case found"),
    ),
)
#: "Reviewed cases related through a child" (suspect, place): each kind of link's row.
LINK_KIND_WORDS = {
    "child": gettext_noop("Reviewed cases related through a child"),
    "suspect": gettext_noop("Reviewed cases related through a suspect"),
    "place": gettext_noop("Reviewed cases related through a place"),
}
#: The link rules' settings (``domain.links.LinkRules``), in words.
LINK_RULE_WORDS = {
    "repeat_missing_cases": gettext_noop("Repeat missing cases"),
    "repeat_missing_days": gettext_noop("Repeat missing days"),
    "place_cases": gettext_noop("Place cases"),
    "place_days": gettext_noop("Place days"),
    "place_categories": gettext_noop("Place categories"),
    "suspect_children": gettext_noop("Suspect children"),
    "listed": gettext_noop("Listed"),
}


def _links(b: Builder, patterns: Sequence[tuple[str, str, str]]) -> None:
    links = b.doc.get("links") or {}
    if not links:
        return
    rows = [
        [say_word(label), b.v.count(links.get(key))] for key, label in LINK_MEASURES if key in links
    ]
    rows += [
        [
            say_word(LINK_KIND_WORDS[kind])
            if kind in LINK_KIND_WORDS
            else f"Reviewed cases related through a {kind}",
            b.v.count(n),
        ]
        for kind, n in (links.get("by_kind") or {}).items()
    ]
    register = links.get("register") or {}
    if "register_cases" in register:
        rows.append([say(CASES_IN_REGISTER), b.v.count(register["register_cases"])])
    definitions = links.get("definitions") or {}
    b.add(
        gettext_lazy("Links between cases"),
        say_word(LINK_MEASURES[1][1]),
        [Column(say_word(MEASURE)), Column(say_word(CASES), COUNT)],
        rows,
        [say(gettext_lazy("Related: %(definition)s.", definition=d)) for d in definitions.values()],
    )
    frame = links.get("frame") or {}
    columns = [
        Column(say(gettext_lazy("Pattern"))),
        Column(say(gettext_lazy("In the register")), COUNT),
        Column(say(gettext_lazy("Their cases")), COUNT),
    ]
    if frame:
        columns += [
            Column(say(gettext_lazy("Touching the sample's frame")), COUNT),
            Column(say(gettext_lazy("Frame cases in them")), COUNT),
        ]
    b.add(
        gettext_lazy("Link patterns"),
        say(gettext_lazy("Patterns in the register")),
        columns,
        (
            [
                say_word(label),
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
        gettext_lazy("Link rules"),
        say(gettext_lazy("The rules that find related cases")),
        [
            Column(say(gettext_lazy("Rule"))),
            Column(say(gettext_lazy("Number")), COUNT),
            Column(say(gettext_lazy("Categories"))),
        ],
        (
            [
                say_word(LINK_RULE_WORDS[key])
                if key in LINK_RULE_WORDS
                else key.replace("_", " ").capitalize(),
                # A number is a number; a list of categories is words (each rule has one or the other).
                b.v.count(value) if is_number(value) else NOT_APPLICABLE,
                ", ".join(words(Kind.CATEGORY, v, say_word) for v in value)
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
        CASES_IN_REGISTER,
        say(gettext_lazy("Cases recorded in the register per quarter, by category")),
        [Column(say(gettext_lazy("Category"))), *(Column(str(q), COUNT) for q in quarters)],
        (
            [words(Kind.CATEGORY, c, say_word), *(b.v.count(n) for n in counts)]
            for c, counts in categories.items()
        ),
    )


def _sample(b: Builder) -> None:
    sample = b.doc.get("sample") or {}
    if not sample:
        return
    replacements = sample.get("replacements")
    rows: list[list[Value]] = [
        [say_word(CASES_IN_FRAME), b.v.count(at(sample, "frame_size"))],
        [say_word(CASES_REVIEWED), b.v.count(b.doc.get("reviews"))],
    ]
    plan = sample.get("plan") or {}
    if is_number(plan.get("size")):
        rows.append([say(gettext_lazy("Planned sample size")), int(plan["size"])])
    if replacements is not None:
        rows.append(
            [
                say(gettext_lazy("Cases replaced")),
                b.v.count(len(replacements) if isinstance(replacements, list) else replacements),
            ]
        )
    description = []
    if sample.get("algorithm"):
        drawn = words(Kind.ALGORITHM, sample["algorithm"], say_word)
        description.append(say(gettext_lazy("Drawn by: %(algorithm)s.", algorithm=drawn)))
    if plan.get("allocation"):
        allocation = words(Kind.ALLOCATION, plan["allocation"], say_word)
        description.append(say(gettext_lazy("Allocation: %(allocation)s.", allocation=allocation)))
    if sample.get("late_commitment"):
        description.append(say(gettext_lazy("The sample was committed late.")))
    b.add(
        gettext_lazy("Sample"),
        say(gettext_lazy("The sample of cases reviewed")),
        [Column(say_word(MEASURE)), Column(say_word(CASES), COUNT)],
        rows,
        description,
    )
    b.add(
        gettext_lazy("Sample strata"),
        say(gettext_lazy("The sample's strata")),
        [
            Column(say(gettext_lazy("Stratum"))),
            Column(say_word(CASES_IN_FRAME), COUNT),
            Column(say(gettext_lazy("Sampled")), COUNT),
        ],
        (
            [
                words(Kind.STRATUM, s.get("label", ""), say_word),
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
        gettext_lazy("Tests run"),
        say(gettext_lazy("Comparisons tested, by family, and how they were adjusted")),
        [
            Column(say_word(FAMILY_OF_TESTS)),
            Column(say(gettext_lazy("Tests")), COUNT),
            *([Column(say(gettext_lazy("Printed in this version")), COUNT)] if printed else []),
            Column(say_word(ADJUSTMENT)),
            Column(say(gettext_lazy("What it covers"))),
        ],
        (
            [
                coded(FAMILY_WORDS, f.get("family"))
                if f.get("family") in FAMILY_WORDS
                else text(f.get("family")).capitalize(),
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
        gettext_lazy("Smallest detectable change"),
        say(gettext_lazy("The smallest change each comparison would probably have detected")),
        [
            Column(say_word(COMPARED_WITH)),
            Column(say_word(SHARE_THEN), PERCENT),
            Column(say_word(GRADED_THEN), COUNT),
            Column(say_word(GRADED_NOW), COUNT),
            Column(say(gettext_lazy("Effective sample size now")), NUMBER, 0),
            Column(say_word(TESTS_IN_FAMILY), COUNT),
            Column(say(gettext_lazy("Confidence")), PERCENT),
            Column(say(gettext_lazy("Smallest detectable change")), PERCENT),
            Column(say_word(DIRECTION)),
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
                coded(SIDE_WORDS, p.get("direction")),
            ]
            for p in power.get("against") or []
        ),
        [
            say(
                gettext_lazy(
                    "Power %(power)s, confidence %(confidence)s; method: %(method)s.",
                    power=f"{100 * percent(power['power']):.0f}%",
                    confidence=f"{100 * percent(power['confidence']):.0f}%",
                    method=power.get("method", ""),
                )
            )
        ]
        if is_number(power.get("power")) and is_number(power.get("confidence"))
        else [],
    )


def workbook(
    document: Mapping[str, Any], link_patterns: Sequence[tuple[str, str, str]] = LINK_PATTERNS
) -> Workbook:
    """The statistical spreadsheet of a report's JSON document (full, published or preview)."""
    b = Builder(document)
    define_notes(b)
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
    name = text(inspection.get("name"))
    title = (
        say(
            gettext_lazy(
                "Inspection report: %(name)s, %(body)s, %(period)s",
                name=name,
                body=body,
                period=when,
            )
        )
        if when
        else say(gettext_lazy("Inspection report: %(name)s, %(body)s", name=name, body=body))
    )
    status = mark.status
    properties = {
        "title": title,
        "subject": say(
            gettext_lazy("Case review inspection statistics – %(status)s", status=status)
        ),
        "creator": CREATOR,
        "language": tag(saying()),
        "keywords": ", ".join(
            k
            for k in (
                say(gettext_lazy("inspection")),
                say(gettext_lazy("case review")),
                say(gettext_lazy("official statistics")),
                body,
                status,
            )
            if k
        ),
        "comments": say(
            gettext_lazy(
                "Tables of the inspection report; hidden values are %(marker)s (see the %(notes)s "
                "worksheet).",
                marker=HIDDEN,
                notes=say_word(NOTES_SHEET),
            )
        ),
        "classification": mark.classification,
        "status": mark.status,
        "created": mark.created,  # ISO date: the same report gives the same file, byte for byte
    }
    return Workbook(title, tuple(cover(document)), b.notes.notes(), tuple(b.tables), properties)
