"""The one error summary every page includes, and the review page's form built from its framework."""

from __future__ import annotations

import re

from django import forms
from django.http import QueryDict
from django.template.loader import render_to_string

from casereview.domain.grading import Problem
from casereview.importing.frameworks import load_framework
from casereview.web.reviews.forms import ReviewForm

SUMMARY = "includes/error_summary.html"
F = load_framework("child-protection/1")


class Pair(forms.Form):
    first = forms.CharField(error_messages={"required": "Enter the first"})
    choice = forms.CharField(
        widget=forms.RadioSelect(attrs={"id": "choice-a"}),
        error_messages={"required": "Choose one"},
    )


def items(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", i).strip() for i in re.findall(r"<li>(.*?)</li>", html, re.S)]


def test_nothing_is_shown_without_a_problem() -> None:
    assert render_to_string(SUMMARY, {"form": Pair()}).strip() == ""
    assert render_to_string(SUMMARY, {"summary_errors": []}).strip() == ""


def test_a_forms_errors_link_to_their_fields_in_field_order_then_its_non_field_errors() -> None:
    form = Pair({})
    form.add_error(None, "Nothing was saved")
    html = render_to_string(SUMMARY, {"form": form})
    assert "govuk-error-summary" in html and "There is a problem" in html
    assert items(html) == [
        '<a href="#id_first">Enter the first</a>',
        '<a href="#choice-a">Choose one</a>',  # the id its widget names: the first radio
        "Nothing was saved",
    ]


def test_a_forms_own_ids_are_linked_to() -> None:
    html = render_to_string(SUMMARY, {"form": Pair({"choice": "x"}, auto_id="%s")})
    assert items(html) == ['<a href="#first">Enter the first</a>']


def test_more_problems_title_and_message_are_shown_in_order_and_escaped() -> None:
    html = render_to_string(
        SUMMARY,
        {
            "form": None,
            "summary_title": "The register was not imported",
            "summary_message": "bad.csv <b>was not</b> imported",
            "summary_errors": [
                Problem(field="overall", message="Choose an overall grade"),
                {"field": "row-errors", "message": "See the 4 problems below"},
                "A refusal about no one answer",
            ],
        },
    )
    assert "The register was not imported" in html and "There is a problem" not in html
    assert '<p class="govuk-body">bad.csv &lt;b&gt;was not&lt;/b&gt; imported</p>' in html
    assert items(html) == [
        '<a href="#overall">Choose an overall grade</a>',
        '<a href="#row-errors">See the 4 problems below</a>',
        "A refusal about no one answer",
    ]


def test_a_message_alone_is_a_summary_without_a_list() -> None:
    html = render_to_string(SUMMARY, {"summary_message": "Someone else acted first"})
    assert "Someone else acted first" in html and "govuk-error-summary__list" not in html


def posted(**fields: str | list[str]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in fields.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return data


def test_the_review_form_has_one_grade_weaknesses_and_comment_field_per_area() -> None:
    form = ReviewForm(None, framework=F)
    for area in F.areas:
        assert {f"grade_{area.slug}", f"weaknesses_{area.slug}", f"comment_{area.slug}"} <= set(
            form.fields
        )


def test_the_review_form_hands_the_answers_to_the_domains_rules() -> None:
    area = F.areas[0]
    answers: dict[str, str | list[str]] = {
        f"grade_{area.slug}": F.grade_codes[0],
        f"weaknesses_{area.slug}": [F.weakness_codes[1], F.weakness_codes[0]],
        f"comment_{area.slug}": "  noted  ",
    }
    form = ReviewForm(posted(**answers, version="7", action="submit", send_back="no"), framework=F)
    assert form.is_valid() and form.answers is not None
    assert form.answers.area_grades == {area.slug: F.grade_codes[0]}
    assert form.answers.area_weaknesses == {area.slug: sorted(F.weakness_codes[:2])}
    assert form.answers.area_comments == {area.slug: "noted"}
    assert form.answers.send_back is False
    assert form.cleaned_data["version"] == 7 and form.submit


def test_a_value_no_page_of_the_framework_sends_makes_the_review_form_invalid() -> None:
    for tampered in (
        posted(grade_no_such_area=F.grade_codes[0]),
        posted(overall="not-a-grade"),
        posted(send_back="maybe"),
        posted(**{f"weaknesses_{F.areas[0].slug}": "W999"}),
    ):
        form = ReviewForm(tampered, framework=F)
        assert not form.is_valid() and form.tampered is not None and form.answers is None


def test_a_version_that_is_not_a_number_matches_none() -> None:
    form = ReviewForm(posted(version="seven"), framework=F)
    assert form.is_valid() and form.cleaned_data["version"] == -1 and not form.submit
