"""Every template's words go through the translation machinery (issue 25, docs/welsh.md), or the template is
on the list of those still to mark, which may only shrink.

A template's words are "marked" when they sit inside ``{% translate %}`` or ``{% blocktranslate %}``; any
other text with letters in it, in the page or in an attribute people read (aria-label, title, alt,
placeholder), is English a Welsh reader would meet, and so is the ``count`` filter (English plurals) and
``pluralize``.  Not seen by this check: words passed as string literals to ``{% include ... with %}`` or
``{% with %}``, words made in Python (views, forms, the words-for-codes table) and in scripts.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

WEB = Path(__file__).resolve().parents[2] / "src" / "casereview" / "web"
#: Text that is the same in every language.
SAME_IN_EVERY_LANGUAGE = re.compile(r"\bcasereview\b")
READ_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder"}
ENGLISH_ONLY_FILTERS = re.compile(r"\|\s*(count|pluralize)\b")
#: A default written into the template as a literal ({{ title|default:"There is a problem" }}).
LITERAL_DEFAULT = re.compile(
    r"\|\s*default(_if_none)?:\s*(\"[^\"]*[A-Za-z]{2,}[^\"]*\"|'[^']*[A-Za-z]{2,}[^']*')"
)
_HOLE = "\x00"  # where a template tag or variable stood

#: Templates not marked yet: each later session marks some and takes them off.  The test fails when one on
#: the list is found fully marked (take it off) and when one not on it has unmarked words (mark them).
NOT_YET_MARKED: frozenset[str] = frozenset(
    {
        "accounts/templates/accounts/_locks.html",
        "accounts/templates/accounts/confirm_identity.html",
        "accounts/templates/accounts/confirm_identity_sso.html",
        "accounts/templates/accounts/locked.html",
        "accounts/templates/accounts/locked_out.html",
        "accounts/templates/accounts/login.html",
        "accounts/templates/accounts/page_expired.html",
        "accounts/templates/accounts/password_change.html",
        "accounts/templates/accounts/password_kept.html",
        "accounts/templates/accounts/recovery_codes.html",
        "accounts/templates/accounts/sign_in_help.html",
        "accounts/templates/accounts/signed_out.html",
        "accounts/templates/accounts/sso_not_confirmed.html",
        "accounts/templates/accounts/sso_refused.html",
        "accounts/templates/accounts/sso_signing_out.html",
        "accounts/templates/accounts/two_factor_setup.html",
        "accounts/templates/accounts/two_factor_verify.html",
        "accounts/templates/accounts/user.html",
        "accounts/templates/accounts/user_deactivate.html",
        "accounts/templates/accounts/users.html",
        "api/templates/api/tokens.html",
        "calibration/templates/calibration/detail.html",
        "calibration/templates/calibration/index.html",
        "calibration/templates/calibration/new.html",
        "followup/templates/followup/_basis.html",
        "followup/templates/followup/_error.html",
        "followup/templates/followup/_recommendation_fields.html",
        "followup/templates/followup/action.html",
        "followup/templates/followup/findings.html",
        "followup/templates/followup/judge.html",
        "followup/templates/followup/plan.html",
        "followup/templates/followup/recommendation.html",
        "followup/templates/followup/register.html",
        "inspections/templates/inspections/_back_link.html",
        "inspections/templates/inspections/_detectable.html",
        "inspections/templates/inspections/_parts.html",
        "inspections/templates/inspections/detail.html",
        "inspections/templates/inspections/index.html",
        "inspections/templates/inspections/new.html",
        "inspections/templates/inspections/sample.html",
        "journal/templates/journal/index.html",
        "notifications/templates/notifications/outbox.html",
        "referrals/templates/referrals/_pages.html",
        "referrals/templates/referrals/dashboard.html",
        "referrals/templates/referrals/detail.html",
        "referrals/templates/referrals/index.html",
        "registers/templates/registers/body_new.html",
        "registers/templates/registers/cases.html",
        "registers/templates/registers/detail.html",
        "registers/templates/registers/upload.html",
        "reports/templates/reports/_downloads.html",
        "reports/templates/reports/_headline.html",
        "reports/templates/reports/_power.html",
        "reports/templates/reports/_report.html",
        "reports/templates/reports/_schedule.html",
        "reports/templates/reports/_schedule_fields.html",
        "reports/templates/reports/_upcoming.html",
        "reports/templates/reports/document.html",
        "reports/templates/reports/draft.html",
        "reports/templates/reports/index.html",
        "reports/templates/reports/published.html",
        "reports/templates/reports/schedule.html",
        "reports/templates/reports/trend.html",
        "reviews/templates/reviews/_links.html",
        "reviews/templates/reviews/conflict.html",
        "reviews/templates/reviews/lead_agreement.html",
        "reviews/templates/reviews/lead_cases.html",
        "reviews/templates/reviews/lead_disagreement.html",
        "reviews/templates/reviews/lead_moderation.html",
        "reviews/templates/reviews/lead_people.html",
        "reviews/templates/reviews/mine.html",
        "reviews/templates/reviews/refused.html",
        "reviews/templates/reviews/review.html",
        "templates/home/_inspector.html",
        "templates/home/_lead.html",
        "templates/home/_liaison.html",
        "templates/home/accessibility.html",
        "templates/home/help/grades.html",
        "templates/home/help/index.html",
        "templates/home/help/sample.html",
        "templates/home/help/send_backs.html",
    }
)


def templates() -> list[str]:
    return sorted(str(p.relative_to(WEB)) for p in WEB.rglob("templates/**/*.html"))


class _Words(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0  # inside <script>, <style> or <svg>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "svg"}:
            self._skip += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self._check(value, f"{tag}[{name}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "svg"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._check(data, "text")

    def _check(self, text: str, where: str) -> None:
        words = SAME_IN_EVERY_LANGUAGE.sub("", text.replace(_HOLE, " "))
        if re.search(r"[A-Za-z]{2,}", words):
            self.found.append(f"{where}: {' '.join(words.split())[:60]!r}")


def _inside_attribute(before: str) -> bool:
    """Whether template output at the end of ``before`` (the template's text so far) lands in an attribute's
    value: inside a tag (an unclosed ``<``) after an odd number of quotes."""
    opened = before.rfind("<")
    if opened <= before.rfind(">"):
        return False
    inside = before[opened:]
    return inside.count('"') % 2 == 1 or inside.count("'") % 2 == 1


def _outputs_translation(contents: str) -> bool:
    """A translate tag that writes its words where it stands (not ``as x`` / ``asvar x``)."""
    words = contents.split()
    if not words or words[0] not in {"translate", "trans", "blocktranslate", "blocktrans"}:
        return False
    return "as" not in words[1:] and "asvar" not in words[1:]


def unmarked(source: str) -> list[str]:
    """The words of a template that do not go through translation, each with where it stood."""
    found: list[str] = []
    pieces: list[str] = []
    raw: list[
        str
    ] = []  # the template's own text, every tag a hole: to tell where a tag's output lands
    translating = commenting = False
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.TEXT:
            raw.append(token.contents)
        else:
            raw.append(_HOLE)
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if (
                not commenting
                and _outputs_translation(token.contents)
                and _inside_attribute("".join(raw[:-1]))
            ):
                # A translation of a literal is marked safe: a translator's quote would end the attribute.
                found.append(
                    f"attribute: {{% {token.contents[:60]} %}} (translate it 'as' a variable, then use it)"
                )
            translating = name in {"blocktranslate", "blocktrans"} or (
                translating and name not in {"endblocktranslate", "endblocktrans"}
            )
            commenting = name == "comment" or (commenting and name != "endcomment")
            pieces.append(_HOLE)
        elif token.token_type == TokenType.VAR:
            if ENGLISH_ONLY_FILTERS.search(token.contents) and not commenting:
                found.append(f"filter: {{{{ {token.contents[:60]} }}}} (English plurals)")
            if LITERAL_DEFAULT.search(token.contents) and not commenting:
                found.append(
                    f"default: {{{{ {token.contents[:60]} }}}} (translate it 'as' a variable)"
                )
            pieces.append(_HOLE)
        elif token.token_type == TokenType.TEXT:
            pieces.append(_HOLE if translating or commenting else token.contents)
    parser = _Words()
    parser.feed("".join(pieces))
    parser.close()
    return found + parser.found


def test_the_check_finds_unmarked_words_where_people_read_them() -> None:
    assert unmarked('{% load i18n %}<p>{% translate "Hello" %}</p>') == []
    assert unmarked("{% blocktranslate trimmed %}Hi <b>{{ name }}</b>{% endblocktranslate %}") == []
    assert unmarked("<title>{% block title %}casereview{% endblock %}</title>") == []
    assert unmarked('<script nonce="x">const words = "not read";</script>') == []
    assert unmarked("{# a comment #}{% comment %}Also not shown{% endcomment %}") == []
    assert unmarked("<p>Page not found</p>") == ["text: 'Page not found'"]
    assert unmarked('<nav aria-label="Menu"></nav>') == ["nav[aria-label]: 'Menu'"]
    assert unmarked('<img alt="A chart">') == ["img[alt]: 'A chart'"]
    assert unmarked("{% block title %}Home{% endblock %}") == ["text: 'Home'"]
    assert unmarked('{{ n|count:"case" }}') == ['filter: {{ n|count:"case" }} (English plurals)']
    assert unmarked("{% translate 'A' %} and then words") == ["text: 'and then words'"]
    assert unmarked('{{ t|default:"There is a problem" }}') == [
        "default: {{ t|default:\"There is a problem\" }} (translate it 'as' a variable)"
    ]
    assert unmarked('{{ t|default:"" }}{{ n|default:0 }}{{ d|date:"j F Y" }}') == []
    assert unmarked('<nav aria-label="{% translate "Menu" %}"></nav>') == [
        "attribute: {% translate \"Menu\" %} (translate it 'as' a variable, then use it)"
    ]
    assert unmarked("<a title='{% blocktranslate %}Open {{ x }}{% endblocktranslate %}'>") != []
    assert (
        unmarked(
            '{% translate "Menu" as menu %}<nav aria-label="{{ menu }}">{% translate "Go" %}</nav>'
        )
        == []
    )


@pytest.mark.parametrize("template", templates())
def test_each_template_is_marked_or_on_the_list_still_to_mark(template: str) -> None:
    found = unmarked((WEB / template).read_text(encoding="utf-8"))
    if template in NOT_YET_MARKED:
        assert found, f"{template} is fully marked now: take it off NOT_YET_MARKED"
    else:
        assert found == [], f"{template} has words not marked for translation: {found[:5]}"


def test_the_list_names_only_templates_that_exist() -> None:
    assert NOT_YET_MARKED - set(templates()) == set()
