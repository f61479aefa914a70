"""A report in another language: the same document as the English one, word for word apart.

A report is written in English and, for a Welsh reader, in Welsh (docs/welsh.md, "Reports"): the shell makes
the same report twice from the same facts, once in each language (``casereview.domain.language.speaking``).
The two must be the same report: the same keys in the same order, the same lists, every number, flag and
code the same; only the words differ.  ``differences`` finds where they are not (a figure that moved between
the two makings, a code translated by mistake); a Welsh version with any difference is never stored or shown.

The English version is the report of record: its ``figures_sha256`` and ``input_sha256`` are the ones the
publication is known by, and ``with_digests_of`` puts them in the other language's document, so both versions
name the same figures (``report --check`` regenerates the English to check either).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .report_model import Report

#: A string that is a code, not words: lower case letters, digits and _ - . : / [ ] with no space (a grade's
#: code, a date, a digest, a framework's reference, the hidden-count marker "[c]").  A code is never translated.
_CODE = re.compile(r"[a-z0-9_.:/+\-\[\]]+")
#: Keys whose values are codes even with spaces in them ("no significant change", "two-proportion z-test"):
#: scripts match on them (docs/reports.md), so a page or file writes them in words where it shows them.
CODE_KEYS = frozenset({"direction", "test", "kind", "family", "estimate", "allocation"})
_DIGESTS = ("input_sha256", "figures_sha256")


_DIGITS = re.compile(r"\d+")


def _numbers(text: str) -> Counter[str]:
    """The runs of digits in ``text``, each as often as it appears."""
    return Counter(_DIGITS.findall(text))


def is_code(text: str) -> bool:
    return bool(_CODE.fullmatch(text))


def differences(english: Any, other: Any, path: str = "") -> list[str]:
    """Where ``other`` is not the same report as ``english`` but for its words (each place by its JSON path;
    empty when they are the same): a key, a list's length, a number, flag or null, or a code that differs,
    or words with a number in them the English words do not have.  The last is the guard for what words
    carry: a count written into a sentence ("3 cases") must be one the English version prints too, so that
    a version in another language can never say a figure the English one hides.  (Fewer numbers is words:
    Welsh may write no number where English writes 0.)"""
    if isinstance(english, Mapping):
        if not isinstance(other, Mapping) or list(english) != list(other):
            return [f"{path or '/'}: keys differ"]
        found: list[str] = []
        for key, value in english.items():
            found += differences(value, other[key], f"{path}/{key}")
        return found
    if isinstance(english, list | tuple):
        if not isinstance(other, list | tuple) or len(english) != len(other):
            return [f"{path or '/'}: lengths differ"]
        found = []
        for i, (a, b) in enumerate(zip(english, other, strict=True)):
            found += differences(a, b, f"{path}/{i}")
        return found
    if isinstance(english, str) and isinstance(other, str):
        code = is_code(english) or path.rsplit("/", 1)[-1] in CODE_KEYS
        if english == other:
            return []
        if code:
            return [f"{path}: code {english!r}"]
        extra = sorted((_numbers(other) - _numbers(english)).elements())
        return [f"{path}: numbers {extra} not in the English"] if extra else []
    if type(english) is not type(other) or english != other:
        return [f"{path}: {english!r} against {other!r}"]
    return []


def with_digests_of(english: Mapping[str, Any], other: Mapping[str, Any]) -> dict[str, Any]:
    """``other`` (the same report in another language) carrying the English version's digests."""
    reproducibility = dict(other.get("reproducibility") or {})
    for key in _DIGESTS:
        if key in (english.get("reproducibility") or {}):
            reproducibility[key] = english["reproducibility"][key]
    return {**other, "reproducibility": reproducibility}


class NotTheSameReport(RuntimeError):
    """A report written in another language is not the English one but for its words: a fault of the
    software (a figure made from the words, a code translated), never of the inspection."""


def _checked(english: Mapping[str, Any], other: Mapping[str, Any], language: str) -> None:
    found = differences(english, other)
    if found:
        raise NotTheSameReport(
            f"the {language} report differs from the English one: {'; '.join(found[:5])}"
        )


def same_report(english: Report, other: Report, language: str) -> Report:
    """The full report ``other`` (made in ``language`` from the same facts), with the English one's digests,
    checked to be the same report but for its words."""
    of_record = english.reproducibility
    digests = replace(
        other.reproducibility,
        input_sha256=of_record.input_sha256,
        figures_sha256=of_record.figures_sha256,
    )
    made = replace(other, reproducibility=digests)
    _checked(english.to_json(), made.to_json(), language)
    return made


def same_document(
    english: Mapping[str, Any], other: Mapping[str, Any], language: str
) -> dict[str, Any]:
    """A report's document ``other`` (its published version, made in ``language``), with the English one's
    digests, checked to be the same document but for its words."""
    made = with_digests_of(english, other)
    _checked(english, made, language)
    return made
