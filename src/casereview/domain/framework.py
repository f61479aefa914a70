"""Frameworks: what a case is graded against, and the overall-grade rule.

A framework file states the areas (following the child's journey), the grade
scale, the weakness codes, the send-back question and the rule that links
area grades to the overall grade.  Frameworks are versioned: an inspection
pins ``id/version`` and a later version never changes its reviews.  The rule
is a check, not a verdict: the system shows a departure and asks the
inspector for a reason; it never overrules them.

A framework's words may be given in Welsh beside the English, each text key with ``_cy`` after it
(``title_cy``, ``label_cy``, ``guidance_cy``, ``text_cy``, ``send_back_question_cy``): the words are the
framework's own (an inspectorate writes them), so they live in its file, not in the service's catalogue.
``Framework.in_language`` gives the same framework, codes and all, with the Welsh words where the file has
them; pages show that, while journals, spreadsheets and stored records keep the English.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from casereview.domain.errors import Refused

from .language import WELSH, Phrase, gettext_lazy
from .words import count

#: A text key's Welsh twin in a framework file: ``title`` and ``title_cy``.
WELSH_SUFFIX = "_cy"


class FrameworkError(Refused):
    """A framework file that cannot be used; the message lists every problem."""


@dataclass(frozen=True)
class Grade:
    code: str
    label: str
    #: the Welsh of this grade's texts, by key ({"label": "Da"}); empty when the file gives none
    welsh: Mapping[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Area:
    slug: str
    title: str
    guidance: str
    may_be_not_applicable: bool
    key: bool
    welsh: Mapping[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Weakness:
    code: str
    text: str
    welsh: Mapping[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Rule:
    #: overall grade required when a key area is graded worst
    key_area_inadequate: str | None
    #: best overall grade allowed when any area is graded worst
    any_inadequate_at_best: str | None


@dataclass(frozen=True)
class Framework:
    id: str
    version: int
    title: str
    send_back_question: str
    grades: tuple[Grade, ...]  # best first
    not_applicable: Grade
    areas: tuple[Area, ...]
    weaknesses: tuple[Weakness, ...]
    rule: Rule
    welsh: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def ref(self) -> str:
        return f"{self.id}/{self.version}"

    @property
    def grade_codes(self) -> tuple[str, ...]:
        return tuple(g.code for g in self.grades)

    @property
    def weakness_codes(self) -> tuple[str, ...]:
        return tuple(w.code for w in self.weaknesses)

    def label(self, code: str) -> str:
        for grade in (*self.grades, self.not_applicable):
            if grade.code == code:
                return grade.label
        return code

    def grade_code(self, text: str) -> str | None:
        """A grade from its code or its label, any case (for spreadsheets people typed)."""
        wanted = text.strip().lower().replace(" ", "_").replace("-", "_")
        for grade in (*self.grades, self.not_applicable):
            if wanted in (grade.code, grade.label.lower().replace(" ", "_").replace("-", "_")):
                return grade.code
        return None

    def worse(self, a: str, b: str) -> bool:
        """Whether grade ``a`` is worse than grade ``b`` on the scale."""
        codes = self.grade_codes
        return codes.index(a) > codes.index(b)

    def in_language(self, language: str) -> Framework:
        """This framework with its words in ``language`` where its file gives them (English otherwise).

        Only texts change: codes, order, flags and the rule are the same, so a form built from either
        accepts the same answers.  Pages use it; what is stored or journaled keeps the English.
        """
        if language != WELSH:
            return self
        return replace(
            _in_welsh(self),
            grades=tuple(_in_welsh(g) for g in self.grades),
            not_applicable=_in_welsh(self.not_applicable),
            areas=tuple(_in_welsh(a) for a in self.areas),
            weaknesses=tuple(_in_welsh(w) for w in self.weaknesses),
        )

    def untranslated(self) -> list[str]:
        """Every text of this framework its file gives no Welsh for ("areas[2].guidance", ...)."""
        parts: list[tuple[str, Grade | Area | Weakness | Framework, tuple[str, ...]]] = [
            ("", self, ("title", "send_back_question")),
            *((f"grades[{i}].", g, ("label",)) for i, g in enumerate(self.grades, 1)),
            ("not_applicable.", self.not_applicable, ("label",)),
            *((f"areas[{i}].", a, ("title", "guidance")) for i, a in enumerate(self.areas, 1)),
            *((f"weaknesses[{i}].", w, ("text",)) for i, w in enumerate(self.weaknesses, 1)),
        ]
        return [
            f"{where}{key}" for where, part, keys in parts for key in keys if key not in part.welsh
        ]


_Part = TypeVar("_Part", "Grade", "Area", "Weakness", "Framework")


def _in_welsh(part: _Part) -> _Part:
    changes: dict[str, Any] = dict(part.welsh)  # only text fields: _welsh reads only text keys
    return replace(part, **changes) if changes else part


_SLUG = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")


def _text(table: Mapping[str, Any], key: str, where: str, problems: list[str]) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: {key} must be text")
        return ""
    return value.strip()


def _welsh(
    table: Mapping[str, Any], keys: tuple[str, ...], where: str, problems: list[str]
) -> dict[str, str]:
    """The Welsh twins (``title_cy``) of ``keys`` that the table gives, each checked to be text."""
    found: dict[str, str] = {}
    for key in keys:
        value = table.get(key + WELSH_SUFFIX)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: {key}{WELSH_SUFFIX} must be text (the Welsh of {key})")
            continue
        found[key] = value.strip()
    return found


def _twice(values: list[str], what: str, problems: list[str]) -> None:
    """A problem for each value used more than once (``what``: "grades: code")."""
    for value in {v for v in values if values.count(v) > 1}:
        problems.append(f"{what} {value!r} is used twice")


def _grades(data: dict[str, Any], problems: list[str]) -> tuple[list[Grade], Grade]:
    """The scale, best first, and the not-applicable grade."""
    grades: list[Grade] = []
    for i, g in enumerate(data.get("grades", [])):
        where = f"grades[{i + 1}]"
        grades.append(
            Grade(
                _text(g, "code", where, problems),
                _text(g, "label", where, problems),
                _welsh(g, ("label",), where, problems),
            )
        )
    if len(grades) < 2:
        problems.append("grades: a scale needs at least two grades, best first")
    na_table = data.get("not_applicable", {})
    not_applicable = Grade(
        _text(na_table, "code", "not_applicable", problems),
        _text(na_table, "label", "not_applicable", problems),
        _welsh(na_table, ("label",), "not_applicable", problems),
    )
    _twice([g.code for g in grades] + [not_applicable.code], "grades: code", problems)
    return grades, not_applicable


def _area(a: dict[str, Any], where: str, problems: list[str]) -> Area:
    slug = _text(a, "slug", where, problems)
    if slug and not _SLUG.match(slug):
        problems.append(f"{where}: slug {slug!r} must be lower case letters, digits and _")
    flags = {}
    for flag in ("may_be_not_applicable", "key"):
        value = a.get(flag, False)
        if not isinstance(value, bool):
            problems.append(f"{where}: {flag} must be true or false")
            value = False
        flags[flag] = value
    return Area(
        slug,
        _text(a, "title", where, problems),
        _text(a, "guidance", where, problems),
        flags["may_be_not_applicable"],
        flags["key"],
        _welsh(a, ("title", "guidance"), where, problems),
    )


def _areas(data: dict[str, Any], problems: list[str]) -> list[Area]:
    areas = [_area(a, f"areas[{i + 1}]", problems) for i, a in enumerate(data.get("areas", []))]
    if not areas:
        problems.append("areas: a framework needs at least one area")
    _twice([a.slug for a in areas], "areas: slug", problems)
    return areas


def _weaknesses(data: dict[str, Any], problems: list[str]) -> list[Weakness]:
    weaknesses: list[Weakness] = []
    for i, w in enumerate(data.get("weaknesses", [])):
        where = f"weaknesses[{i + 1}]"
        code = _text(w, "code", where, problems)
        if code and not _CODE.match(code):
            problems.append(f"{where}: code {code!r} must be capitals and digits, e.g. W16")
        weaknesses.append(
            Weakness(code, _text(w, "text", where, problems), _welsh(w, ("text",), where, problems))
        )
    _twice([w.code for w in weaknesses], "weaknesses: code", problems)
    return weaknesses


def _rule(data: dict[str, Any], grades: list[Grade], problems: list[str]) -> Rule:
    rule_table = data.get("rule", {})
    rule = Rule(rule_table.get("key_area_inadequate"), rule_table.get("any_inadequate_at_best"))
    for key in ("key_area_inadequate", "any_inadequate_at_best"):
        value = getattr(rule, key)
        if value is not None and value not in [g.code for g in grades]:
            problems.append(f"rule: {key} = {value!r} is not a grade of this framework")
    for key in rule_table:
        if key not in ("key_area_inadequate", "any_inadequate_at_best"):
            problems.append(f"rule: unknown setting {key!r}")
    return rule


def parse_framework(text: str, *, name: str = "framework") -> Framework:
    """Read and check a framework file; every problem is reported at once."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FrameworkError(f"{name} is not valid TOML: {exc}") from exc
    problems: list[str] = []
    fid = _text(data, "id", "top level", problems)
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append("top level: version must be a whole number from 1")
        version = 0
    title = _text(data, "title", "top level", problems)
    question = _text(data, "send_back_question", "top level", problems)
    welsh = _welsh(data, ("title", "send_back_question"), "top level", problems)
    grades, not_applicable = _grades(data, problems)
    areas = _areas(data, problems)
    weaknesses = _weaknesses(data, problems)
    rule = _rule(data, grades, problems)
    if problems:
        raise FrameworkError(
            f"{name} has {count(len(problems), 'problem')}: " + "; ".join(problems)
        )
    return Framework(
        id=fid,
        version=int(version),
        title=title,
        send_back_question=question,
        grades=tuple(grades),
        not_applicable=not_applicable,
        areas=tuple(areas),
        weaknesses=tuple(weaknesses),
        rule=rule,
        welsh=welsh,
    )


# --- The overall-grade rule -------------------------------------------------


@dataclass(frozen=True)
class RuleCheck:
    #: the best overall grade the rule allows (None: the rule says nothing)
    best_allowed: str | None
    #: the grade the rule requires exactly (None: any grade up to best_allowed)
    required: str | None
    #: what the rule says, in the framework's words ("" when it says nothing); ``str()`` is the English, a
    #: page shows it in the reader's language
    explanation: Phrase | str

    def departs(self, overall: str, framework: Framework) -> bool:
        if self.required is not None:
            return overall != self.required
        return self.best_allowed is not None and framework.worse(self.best_allowed, overall)


def check_overall(framework: Framework, area_grades: Mapping[str, str]) -> RuleCheck:
    """What the framework's rule says the overall grade should be, given the area grades."""
    worst = framework.grade_codes[-1]
    worst_areas = [a for a in framework.areas if area_grades.get(a.slug) == worst]
    rule = framework.rule
    key_worst = [a for a in worst_areas if a.key]
    if key_worst and rule.key_area_inadequate:
        titles = ", ".join(a.title for a in key_worst)
        return RuleCheck(
            rule.key_area_inadequate,
            rule.key_area_inadequate,
            gettext_lazy(
                "%(grade)s in %(areas)s: the rule makes the overall grade %(overall)s",
                grade=framework.label(worst),
                areas=titles,
                overall=framework.label(rule.key_area_inadequate),
            ),
        )
    if worst_areas and rule.any_inadequate_at_best:
        titles = ", ".join(a.title for a in worst_areas)
        return RuleCheck(
            rule.any_inadequate_at_best,
            None,
            gettext_lazy(
                "%(grade)s in %(areas)s: the rule allows an overall grade no better than %(overall)s",
                grade=framework.label(worst),
                areas=titles,
                overall=framework.label(rule.any_inadequate_at_best),
            ),
        )
    return RuleCheck(None, None, "")
