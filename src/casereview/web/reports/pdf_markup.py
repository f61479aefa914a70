"""What the report's HTML document becomes on the way to the PDF: its contents list, and its pictures made
ready for a tagged PDF.  Pure text functions (no WeasyPrint, no Django), each tested on its own.

WeasyPrint tags every inline ``<svg>`` as a /Figure and takes its /Alt from the SVG's ``<title>``.  A chart
(``charts.py``, left untouched) has a title and a description, as a screen reader reads it in the page; in
the PDF its ``<title>`` carries both, so the figure's alternative text says what the chart shows.  A
decorative picture (``aria-hidden="true"``, the colour key beside a table row) is not a figure: it is
drawn as the background of an empty box (a PDF artifact), from a ``data:image/svg+xml`` URL, the only URL
the PDF's fetcher accepts.  A chart's narrow drawing (for a phone) is never drawn for the PDF at all
(``rendering.html_document(…, for_pdf=True)``), so nothing here has to find and remove it.
"""

from __future__ import annotations

import base64
import re
from html import escape, unescape
from html.parser import HTMLParser

#: One SVG element with all it holds (the charts never nest one SVG in another).
_SVG = re.compile(r"<svg\b(?P<attrs>[^>]*)>(?P<inner>.*?)</svg>", re.DOTALL)
_TITLE = re.compile(r"(<title\b[^>]*>)(?P<text>.*?)(</title>)", re.DOTALL)
_DESC = re.compile(r"<desc\b[^>]*>(?P<text>.*?)</desc>", re.DOTALL)
_SIZE = re.compile(r'\b(width|height)="(\d+(?:\.\d+)?)"')
SVG_DATA = "data:image/svg+xml;base64,"


class _Headings(HTMLParser):
    """The h2 elements that have an id, with their text, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self._open: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h2":
            self._open = dict(attrs).get("id") or ""
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2" and self._open is not None:
            if self._open:
                self.found.append((self._open, " ".join("".join(self._text).split())))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)


def headings(html: str) -> list[tuple[str, str]]:
    """(id, text) of each ``<h2 id=…>`` of ``html``, in order: the document's contents list."""
    parser = _Headings()
    parser.feed(html)
    parser.close()
    return parser.found


def _chart_alt(inner: str) -> str:
    """A chart's inside with its ``<title>`` holding the title and the description ("Title. Description")."""
    title, desc = _TITLE.search(inner), _DESC.search(inner)
    if title is None or desc is None:
        return inner
    said = " ".join(unescape(title["text"]).split()).rstrip(".")
    described = " ".join(unescape(desc["text"]).split())
    text = escape(f"{said}. {described}" if described else said, quote=False)
    return inner[: title.start("text")] + text + inner[title.end("text") :]


def _decoration(attrs: str, inner: str) -> str:
    """An aria-hidden SVG as an empty inline box with the SVG as its background (an artifact in the PDF)."""
    size = dict(_SIZE.findall(attrs))
    if "xmlns=" not in attrs:
        attrs = ' xmlns="http://www.w3.org/2000/svg"' + attrs
    svg = f"<svg{attrs}>{inner}</svg>".encode()
    url = SVG_DATA + base64.b64encode(svg).decode("ascii")
    width, height = size.get("width", "12"), size.get("height", "12")
    return (
        f'<span class="cr-decoration" aria-hidden="true" style="display:inline-block;'
        f"width:{width}px;height:{height}px;background:url({url}) no-repeat;"
        f'background-size:100% 100%;vertical-align:middle"></span>'
    )


def for_pdf(html: str) -> str:
    """The HTML document with its SVG pictures ready for a tagged PDF (see the module's words)."""

    def one(match: re.Match[str]) -> str:
        attrs, inner = match["attrs"], match["inner"]
        if re.search(r'\baria-hidden="true"', attrs):
            return _decoration(attrs, inner)
        return f"<svg{attrs}>{_chart_alt(inner)}</svg>"

    return _SVG.sub(one, html)
