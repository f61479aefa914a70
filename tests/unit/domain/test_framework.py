from __future__ import annotations

from pathlib import Path

import pytest

from casereview.domain.framework import FrameworkError, check_overall, parse_framework
from casereview.importing.frameworks import load_framework

FRAMEWORK = load_framework("child-protection/1")
GOOD = dict.fromkeys((a.slug for a in FRAMEWORK.areas), "good")


def test_the_default_framework_has_the_domain_briefs_areas_grades_and_codes() -> None:
    assert [a.title for a in FRAMEWORK.areas] == [
        "Initial contact",
        "Assessment and help",
        "Investigation",
        "Decision making",
        "Trusted by children",
        "Managing those posing a risk",
        "Police detention",
    ]
    assert FRAMEWORK.grade_codes == ("good", "requires_improvement", "inadequate")
    assert FRAMEWORK.weakness_codes == tuple(f"W{i:02d}" for i in range(1, 16))
    assert FRAMEWORK.send_back_question == "Is a child still at risk, or must the case be reopened?"
    assert [a.slug for a in FRAMEWORK.areas if a.key] == [
        "initial_contact",
        "assessment_and_help",
        "investigation",
    ]


def test_inadequate_in_a_key_area_makes_the_overall_inadequate() -> None:
    check = check_overall(FRAMEWORK, {**GOOD, "assessment_and_help": "inadequate"})
    assert check.required == "inadequate"
    assert check.departs("requires_improvement", FRAMEWORK) and not check.departs(
        "inadequate", FRAMEWORK
    )


def test_any_inadequate_caps_the_overall_at_requires_improvement() -> None:
    check = check_overall(FRAMEWORK, {**GOOD, "decision_making": "inadequate"})
    assert (check.best_allowed, check.required) == ("requires_improvement", None)
    assert check.departs("good", FRAMEWORK)
    assert not check.departs("requires_improvement", FRAMEWORK) and not check.departs(
        "inadequate", FRAMEWORK
    )
    assert "Decision making" in str(check.explanation)


def test_without_inadequate_areas_the_rule_says_nothing() -> None:
    check = check_overall(
        FRAMEWORK,
        {**GOOD, "investigation": "requires_improvement", "police_detention": "not_applicable"},
    )
    assert not check.departs("good", FRAMEWORK) and not check.departs("inadequate", FRAMEWORK)


def test_grades_are_recognised_by_code_or_label() -> None:
    assert FRAMEWORK.grade_code("Requires improvement") == "requires_improvement"
    assert FRAMEWORK.grade_code("INADEQUATE") == "inadequate"
    assert FRAMEWORK.grade_code("n/a") is None


def test_a_broken_framework_file_reports_every_problem() -> None:
    text = """
id = "x"
version = 0
title = "X"
send_back_question = "Q?"
[[grades]]
code = "good"
label = "Good"
[not_applicable]
code = "good"
label = "N/A"
[[areas]]
slug = "Bad Slug"
title = "A"
guidance = "g"
[[areas]]
slug = "Bad Slug"
title = "B"
guidance = "g"
[[weaknesses]]
code = "w1"
text = "t"
[rule]
key_area_inadequate = "awful"
"""
    with pytest.raises(FrameworkError) as caught:
        parse_framework(text, name="broken.toml")
    message = str(caught.value)
    for fragment in (
        "version",
        "at least two grades",
        "'good' is used twice",
        "slug 'Bad Slug'",
        "used twice",
        "'w1'",
        "'awful'",
    ):
        assert fragment in message, fragment


def test_the_shipped_file_passes_the_validator(tmp_path: Path) -> None:
    from casereview.importing.frameworks import validate_framework_file

    root = Path(__file__).resolve().parents[3] / "src" / "casereview" / "frameworks"
    assert validate_framework_file(root / "child-protection-1.toml").ref == "child-protection/1"


SMALL = """
id = "small"
version = 1
title = "Small"
title_cy = "Bach"
send_back_question = "Q?"
[[grades]]
code = "good"
label = "Good"
label_cy = "Da"
[[grades]]
code = "bad"
label = "Bad"
[not_applicable]
code = "na"
label = "N/A"
[[areas]]
slug = "first"
title = "First"
title_cy = "Cyntaf"
guidance = "g"
key = true
[[weaknesses]]
code = "W1"
text = "t"
text_cy = "t yn Gymraeg"
"""


def test_the_shipped_framework_has_every_text_in_welsh_too() -> None:
    assert FRAMEWORK.untranslated() == []
    welsh = FRAMEWORK.in_language("cy")
    for english, cymraeg in (
        (FRAMEWORK.title, welsh.title),
        (FRAMEWORK.send_back_question, welsh.send_back_question),
        *((a.title, b.title) for a, b in zip(FRAMEWORK.areas, welsh.areas, strict=True)),
        *((a.guidance, b.guidance) for a, b in zip(FRAMEWORK.areas, welsh.areas, strict=True)),
        *((a.text, b.text) for a, b in zip(FRAMEWORK.weaknesses, welsh.weaknesses, strict=True)),
        *((a.label, b.label) for a, b in zip(FRAMEWORK.grades, welsh.grades, strict=True)),
    ):
        assert cymraeg and cymraeg != english, english


def test_in_welsh_only_the_words_change_never_the_codes_flags_or_rule() -> None:
    welsh = FRAMEWORK.in_language("cy")
    assert welsh.ref == FRAMEWORK.ref and welsh.rule == FRAMEWORK.rule
    assert welsh.grade_codes == FRAMEWORK.grade_codes
    assert welsh.weakness_codes == FRAMEWORK.weakness_codes
    assert welsh.not_applicable.code == FRAMEWORK.not_applicable.code
    assert [(a.slug, a.key, a.may_be_not_applicable) for a in welsh.areas] == [
        (a.slug, a.key, a.may_be_not_applicable) for a in FRAMEWORK.areas
    ]
    assert welsh.label("good") == "Da" and FRAMEWORK.label("good") == "Good"
    # The rule's explanation reads the framework it is given: in Welsh, the Welsh area names.
    explained = str(check_overall(welsh, {**GOOD, "decision_making": "inadequate"}).explanation)
    assert "Gwneud penderfyniadau" in explained


def test_english_is_the_framework_itself_and_missing_welsh_falls_back_to_english() -> None:
    assert FRAMEWORK.in_language("en-gb") is FRAMEWORK
    small = parse_framework(SMALL)
    welsh = small.in_language("cy")
    assert (welsh.title, welsh.send_back_question) == ("Bach", "Q?")
    assert [g.label for g in welsh.grades] == ["Da", "Bad"]
    assert (welsh.areas[0].title, welsh.areas[0].guidance) == ("Cyntaf", "g")
    assert welsh.weaknesses[0].text == "t yn Gymraeg"
    assert small.untranslated() == [
        "send_back_question",
        "grades[2].label",
        "not_applicable.label",
        "areas[1].guidance",
    ]


def test_a_welsh_text_that_is_not_text_is_a_problem_listed_with_the_rest() -> None:
    broken = SMALL.replace('title_cy = "Bach"', "title_cy = 3").replace(
        'text_cy = "t yn Gymraeg"', 'text_cy = "  "'
    )
    with pytest.raises(FrameworkError) as caught:
        parse_framework(broken, name="broken.toml")
    message = str(caught.value)
    assert "top level: title_cy must be text (the Welsh of title)" in message
    assert "weaknesses[1]: text_cy must be text (the Welsh of text)" in message
