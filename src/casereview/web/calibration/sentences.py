"""A calibration's sentences: worked out from its stored inputs, frozen with its figures, and said on a page in
the reader's language.

Completing a calibration freezes its figures (``figures``: the statistics' ``as_dict``, every sentence as its
English text, which the command line, the JSON and English pages read) and, beside them, the same sentences as
Phrases (``phrases``: one set per language casereview speaks, each made with the framework's words in that
language, ``domain.calibration_phrases``).  A page in Welsh translates the frozen Welsh set: the sentences of
the day of completion, whatever the statistics code says since.

A calibration completed before its sentences were stored as Phrases has only the English: a Welsh page works
them out again from the stored inputs and shows them only when the same work in English says word for word
what was frozen (were the statistics code ever to change, a Welsh page must not state other figures than the
frozen ones); otherwise it shows the frozen English.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from casereview.domain.calibration import Calibration as Figures
from casereview.domain.calibration import calibrate
from casereview.domain.calibration_phrases import TESTS, restored, sentences
from casereview.domain.language import ENGLISH, LANGUAGES
from casereview.importing.frameworks import load_framework
from casereview.web.core.phrases import active_language, translated

#: The grade the bias is measured in (the body's "more favourable" share).
FAVOURABLE = "good"


def _pairs(rows: Sequence[Sequence[str]]) -> list[tuple[str, str]]:
    return [(str(b), str(i)) for b, i in rows]


def figures_from(inputs: Mapping[str, Any], *, areas: bool = True) -> Figures:
    """The statistics of stored inputs (``Pairs.inputs``): the same figures whenever they are read
    (``areas=False``: the overall grade's alone, as the drift needs).  Their sentences are in English."""
    return calibrate(
        {a: _pairs(p) for a, p in inputs["pairs_by_area"].items()} if areas else {},
        _pairs(inputs["overall_pairs"]),
        inputs["scale"],
        body_all=inputs["body_all"],
        favourable=FAVOURABLE,
        body=inputs.get("body", "the body"),
        labels=inputs.get("labels") or None,
    )


def framework_words(
    inputs: Mapping[str, Any], framework: str, language: str
) -> tuple[Mapping[str, str], Mapping[str, str]]:
    """The areas' titles and the grades' words in ``language``: as stored with the figures in English (so an
    English page reads as the calibration was completed), else the framework's in that language."""
    titles, labels = inputs.get("area_titles", {}), inputs.get("labels", {})
    if language == ENGLISH:
        return titles, labels
    spoken = load_framework(framework).in_language(language)
    return (
        {**titles, **{a.slug: a.title for a in spoken.areas}},
        {**labels, **{g.code: g.label for g in spoken.grades}},
    )


def _figures_in(inputs: Mapping[str, Any], framework: str, language: str) -> Figures:
    """The statistics of stored inputs with the framework's words in ``language`` (not English: that is
    ``figures_from``, as the figures were frozen), the grades the tests' notes name in its words too."""
    titles, labels = framework_words(inputs, framework, language)
    return calibrate(
        {a: _pairs(p) for a, p in inputs["pairs_by_area"].items()},
        _pairs(inputs["overall_pairs"]),
        inputs["scale"],
        body_all=inputs["body_all"],
        favourable=FAVOURABLE,
        body=inputs.get("body") or "the body",
        labels=labels,
        titles=titles,
        grade_words={code: str(label).lower() for code, label in labels.items()},
    )


def stored_phrases(
    inputs: Mapping[str, Any], framework: str, figures: Figures
) -> dict[str, dict[str, Any]]:
    """The sentences to freeze beside ``figures`` (worked out from ``inputs``), as Phrases, by language: the
    English ones are ``figures``' own (their ``str()`` is the frozen English)."""
    return {
        language: sentences(
            figures if language == ENGLISH else _figures_in(inputs, framework, language)
        )
        for language in LANGUAGES
    }


def _said(frozen: Mapping[str, Any], say: Callable[[Any], str]) -> dict[str, Any]:
    """Stored sentences (``sentences``' shape) each read back and said by ``say`` ("" for none)."""

    def said(words: Any) -> str:
        found = restored(words)
        return say(found) if found else ""

    corrected = frozen.get("corrected")
    return {
        "sections": {
            key: {
                "sentence": said(part.get("sentence")),
                "warning": said(part.get("warning")),
                "tests": {name: said(note) for name, note in (part.get("tests") or {}).items()},
            }
            for key, part in (frozen.get("sections") or {}).items()
        },
        "warnings": [said(w) for w in frozen.get("warnings") or []],
        "corrected": None
        if corrected is None
        else {"sentence": said(corrected.get("sentence")), "note": said(corrected.get("note"))},
    }


def _frozen_english(figures: Mapping[str, Any]) -> dict[str, Any]:
    """The same sentences (``_said``'s shape) as the frozen figures hold them, in English."""
    corrected = figures.get("corrected")
    return {
        "sections": {
            key: {
                "sentence": found.get("sentence") or "",
                "warning": found.get("warning") or "",
                "tests": {
                    name: test["note"]
                    for name in TESTS
                    if (test := found.get(name)) is not None and test.get("note")
                },
            }
            for key, found in (("overall", figures["overall"]), *figures["areas"].items())
        },
        "warnings": [w or "" for w in figures.get("warnings", [])],
        "corrected": None
        if corrected is None
        else {"sentence": corrected.get("sentence") or "", "note": corrected.get("note") or ""},
    }


def said_in(result: Mapping[str, Any], framework: str) -> dict[str, Any] | None:
    """The frozen figures' sentences, warnings and tests' notes in the page's language (``_said``'s shape),
    or None to show them as the figures hold them, in English (an English page, or a calibration frozen
    before its sentences were stored as Phrases whose sentences worked out again would say other words)."""
    language = active_language()
    if language == ENGLISH:
        return None
    frozen = (result.get("phrases") or {}).get(language)
    if frozen is not None:
        return _said(frozen, translated)
    inputs = result["inputs"]
    if _said(sentences(figures_from(inputs)), str) != _frozen_english(result["figures"]):
        return None
    return _said(sentences(_figures_in(inputs, framework, language)), translated)
