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


def _render(source: str, **context: object) -> str:
    return Template("{% load casereview %}" + source).render(Context(context))


def test_the_words_filters_turn_codes_into_words_and_escape_them() -> None:
    import datetime as dt

    assert _render('{{ c|words:"category" }}', c="honour_based_abuse_fgm") == (
        "Honour-based abuse and FGM"
    )
    assert _render('{{ c|words:"journal_action" }}', c="second_factor_passed") == (
        "Second factor passed"
    )
    assert _render('{{ c|words:"framework" }}', c="child-protection/1") == (
        "Child protection framework, version 1"
    )
    assert _render(
        "{{ s|state_words }} {{ c|category_label }}", s="response_submitted", c="neglect"
    ) == ("Response submitted Neglect")
    # Words from an unknown code are escaped like any other text.
    assert _render('{{ c|words:"category" }}', c="<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    assert _render(
        "{{ d|uk_date }}|{{ t|uk_date }}|{{ none|uk_date }}", d=dt.date(2026, 10, 2), t="2026-10-22"
    ) == ("2 October 2026|22 October 2026|")


def test_number_count_and_points_filters() -> None:
    assert _render("{{ n|number }}", n=1234567) == "1,234,567"
    assert _render("{{ n|number:1 }}", n=1234.56) == "1,234.6"
    assert _render("{{ n|number }}", n="[c]") == "[c]"  # a hidden count stays its marker
    assert _render("[{{ n|number }}]", n=None) == "[]"
    assert (
        _render('{{ n|count:"case" }}; {{ m|count:"case" }}', n=1, m=1200) == "1 case; 1,200 cases"
    )
    assert _render('{{ n|count:"body,bodies" }}', n=2) == "2 bodies"
    assert _render("± {{ m|percentage_points }}", m=0.125) == "± 12.5 percentage points"


def test_an_aware_datetime_is_dated_in_uk_local_time() -> None:
    import datetime as dt

    late = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)  # 00:30 on 1 July in London (BST)
    assert _render("{{ t|uk_date }}", t=late) == "1 July 2026"
