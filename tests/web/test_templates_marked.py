"""Every template's words go through the translation machinery (issue 25, docs/welsh.md).

A template's words are "marked" when they sit inside ``{% translate %}`` or ``{% blocktranslate %}``; any
other text with letters in it, in the page or in an attribute people read (aria-label, title, alt,
placeholder, label, a button input's value), is English a Welsh reader would meet, and so are the ``count``
and ``pluralize`` filters (English plurals), ``yesno`` given English words, and ``{% translate ... noop %}``
(marked, but written untranslated).  Not seen by this check: words passed as string literals to ``{% include ... with %}`` or
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
READ_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder", "label"}
#: An input's value is read when the input is a button.
BUTTON_TYPES = {"submit", "button", "reset"}
#: Filters that write English: plurals (count, pluralize) and yes/no words given as literals.
ENGLISH_ONLY_FILTERS = re.compile(
    r"\|\s*(count|pluralize)\b|\|\s*yesno\s*:\s*[\"'][^\"']*[A-Za-z]{2,}"
)
#: A default written into the template as a literal ({{ title|default:"There is a problem" }}).
LITERAL_DEFAULT = re.compile(
    r"\|\s*default(_if_none)?:\s*(\"[^\"]*[A-Za-z]{2,}[^\"]*\"|'[^']*[A-Za-z]{2,}[^']*')"
)
_HOLE = "\x00"  # where a template tag or variable stood


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
        button = tag == "input" and dict(attrs).get("type") in BUTTON_TYPES
        for name, value in attrs:
            if (name in READ_ATTRIBUTES or (button and name == "value")) and value:
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


def _not_translated(contents: str) -> bool:
    """``{% translate "x" noop %}`` marks the words but writes them untranslated."""
    words = contents.split()
    return bool(words) and words[0] in {"translate", "trans"} and "noop" in words[1:]


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
            if not commenting and _not_translated(token.contents):
                found.append(f"noop: {{% {token.contents[:60]} %}} (written untranslated)")
            translating = name in {"blocktranslate", "blocktrans"} or (
                translating and name not in {"endblocktranslate", "endblocktrans"}
            )
            commenting = name == "comment" or (commenting and name != "endcomment")
            pieces.append(_HOLE)
        elif token.token_type == TokenType.VAR:
            if ENGLISH_ONLY_FILTERS.search(token.contents) and not commenting:
                found.append(f"filter: {{{{ {token.contents[:60]} }}}} (English words)")
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
    assert unmarked('{{ n|count:"case" }}') == ['filter: {{ n|count:"case" }} (English words)']
    assert unmarked("{% translate 'A' %} and then words") == ["text: 'and then words'"]
    assert unmarked('{{ t|default:"There is a problem" }}') == [
        "default: {{ t|default:\"There is a problem\" }} (translate it 'as' a variable)"
    ]
    assert unmarked('{{ t|default:"" }}{{ n|default:0 }}{{ d|date:"j F Y" }}') == []
    assert unmarked('<input type="submit" value="Save">') == ["input[value]: 'Save'"]
    assert unmarked('<input type="text" name="q" value="id">') == []
    assert unmarked('<optgroup label="Roles"></optgroup>') == ["optgroup[label]: 'Roles'"]
    assert unmarked('{% translate "Hello" noop %}') == [
        'noop: {% translate "Hello" noop %} (written untranslated)'
    ]
    assert unmarked('{{ on|yesno:"Active,Deactivated" }}') == [
        'filter: {{ on|yesno:"Active,Deactivated" }} (English words)'
    ]
    assert unmarked("{{ on|yesno:yes_no }}") == []
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
def test_each_templates_words_are_marked_for_translation(template: str) -> None:
    found = unmarked((WEB / template).read_text(encoding="utf-8"))
    assert found == [], f"{template} has words not marked for translation: {found[:5]}"
