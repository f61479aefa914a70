"""The review page's input tags: GOV.UK markup, the chosen values marked, every value escaped."""

from __future__ import annotations

import re

from django.template import Context, Template

from casereview.domain.framework import Grade, Weakness
from casereview.web.core.templatetags.casereview import grade_radios, weakness_checkboxes

GRADES = (Grade("good", "Good"), Grade("inadequate", 'In<ad>equate "&"'))


def test_grade_radios_check_only_the_chosen_grade_and_add_not_applicable_last() -> None:
    html = grade_radios(
        "grade-x", "grade_x", GRADES, "inadequate", not_applicable=Grade("not_applicable", "N/A")
    )
    inputs = re.findall(r"<input [^>]*>", html)
    assert [re.search(r'id="([^"]+)"', i).group(1) for i in inputs] == [
        "grade-x-good",
        "grade-x-inadequate",
        "grade-x-na",
    ]  # type: ignore[union-attr]
    assert [" checked" in i for i in inputs] == [False, True, False]
    assert 'value="not_applicable"' in inputs[2] and 'for="grade-x-na">N/A</label>' in html
    assert "In&lt;ad&gt;equate &quot;&amp;&quot;" in html and "<ad>" not in html
    assert " checked" not in grade_radios("o", "overall", GRADES, "")


def test_weakness_checkboxes_tick_the_recorded_codes_and_escape_text_and_names() -> None:
    weaknesses = (
        Weakness("W01", "Risk <script>alert(1)</script> missed"),
        Weakness("W02", "Delay"),
    )
    html = weakness_checkboxes('w-a"b', "weaknesses_a", weaknesses, ["W02"])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'id="w-a&quot;b-W01"' in html  # an attribute cannot be broken out of
    inputs = re.findall(r"<input [^>]*>", html)
    assert [" checked" in i for i in inputs] == [False, True]
    assert re.findall(r'name="([^"]+)"', html) == ["weaknesses_a", "weaknesses_a"]


def test_the_tags_output_is_not_escaped_again_by_the_template() -> None:
    template = Template(
        '{% load casereview %}{% weakness_checkboxes "w-a" "weaknesses_a" items ticked %}'
    )
    html = template.render(Context({"items": (Weakness("W01", "a & b"),), "ticked": []}))
    assert html.startswith('<div class="govuk-checkboxes__item"><input ') and "a &amp; b" in html
