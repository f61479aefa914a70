"""Calibration, its sentences as stored: every Phrase of the figures as JSON, and back.

The rule held here: a completed calibration's figures are frozen, words and all.  ``Calibration.as_dict``
freezes each sentence as its English text (what the command line, the JSON and every English page read,
unchanged); ``sentences`` freezes the same sentences as Phrases (``stored``: the template, the plural and
its number, and the values, a value that is itself a Phrase stored the same way), so that a page in another
language translates the frozen sentence itself, never one worked out again (the statistics code may have
changed since).  ``restored`` reads one back: a stored Phrase's ``str()`` is the English it was made with.
A value that is not a Phrase is stored as its text, which is all a Phrase ever puts in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .calibration_results import AreaCalibration, Calibration
from .language import Phrase

#: The tests whose notes a calibration's page shows, as ``AreaCalibration`` names them.
TESTS = ("stuart_maxwell", "bowker", "mcnemar")


def stored(words: object) -> Any:
    """``words`` as JSON: a Phrase as a mapping (``template``, ``plural``, ``number``, ``values``), None as
    None, anything else as its text."""
    if words is None:
        return None
    if not isinstance(words, Phrase):
        return str(words)
    return {
        "template": words.template,
        "plural": words.plural,
        "number": words.number,
        "values": {name: stored(value) for name, value in words.values.items()},
    }


def restored(data: Any) -> Phrase | str | None:
    """What ``stored`` wrote, read back: a Phrase, or text, or None."""
    if data is None or isinstance(data, str):
        return data
    if not isinstance(data, Mapping) or not isinstance(data.get("template"), str):
        return str(data)
    number = data.get("number")
    return Phrase(
        data["template"],
        {name: restored(value) for name, value in (data.get("values") or {}).items()},
        plural=data.get("plural"),
        number=int(number) if number is not None else None,
    )


def _section(a: AreaCalibration) -> dict[str, Any]:
    return {
        "sentence": stored(a.sentence),
        "warning": stored(a.warning),
        "tests": {
            name: stored(test.note)
            for name in TESTS
            if (test := getattr(a, name)) is not None and test.note
        },
    }


def sentences(figures: Calibration) -> dict[str, Any]:
    """Every sentence a calibration's page shows, as Phrases stored (``stored``): each area's (and the
    overall grade's, under ``"overall"``) sentence, warning and tests' notes, the corrected figure's
    sentence and note, and the warnings."""
    corrected = figures.corrected
    return {
        "sections": {a.area: _section(a) for a in (figures.overall, *figures.areas)},
        "corrected": None
        if corrected is None
        else {"sentence": stored(corrected.sentence), "note": stored(corrected.note)},
        "warnings": [stored(w) for w in figures.warnings],
    }
