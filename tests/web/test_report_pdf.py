"""The report PDF is accessible and well made (issue 23): tagged PDF/UA-1, a summary page first, a contents
list, a running header and "Page x of y" on every page, no heading stranded at a page's foot, long tables
that break between rows with their header row repeated, and every chart a figure with its alternative text.

Real reports built from synthetic cases (as ``test_published_formats``) in their three versions: the team's
full report, the preview and the published report.  The PDF is read back with pikepdf (the structure tree,
the catalogue, the XMP metadata) and with poppler's ``pdftotext -bbox-layout`` (each page's words and where
they are); its pages are drawn as PNG into ``test-results/screenshots/report-pdf/`` for a person to look at.
"""

from __future__ import annotations

import base64
import functools
import io
import os
import re
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pikepdf
import pytest

from casereview.domain.file_names import report_stem
from casereview.domain.marking import marking
from casereview.domain.publication import as_preview, published
from casereview.domain.report import HistoryPoint
from casereview.web.reports import pdf_markup, rendering
from casereview.web.reports.charts import responsive, share_chart
from tests.readers import SCREENSHOTS, installed_program, pages_png

from .test_published_formats import cases, full_report, html_text, mixed_report

SHOTS = SCREENSHOTS / "report-pdf"
TOP_MARGIN, BOTTOM_MARGIN = 22 * 72 / 25.4, 20 * 72 / 25.4  # the @page margins, in points


# ---------------------------------------------------------------------------------------------------
# Reports and their PDFs


def long_report() -> dict[str, Any]:
    """A report with 70 units and 25 weaknesses: its tables are longer than a page."""
    graded = []
    titles = {f"W{w:02d}": f"Weakness number {w}" for w in range(1, 26)}
    for u in range(70):
        unit = f"Unit {u:02d}"
        picked = frozenset(list(titles)[u % 25 : u % 25 + 3])
        graded += cases(2, "good", unit=unit) + cases(2, "inadequate", unit=unit, weaknesses=picked)
        graded += cases(1, "requires_improvement", "neglect", unit=unit)
    return full_report(graded, weakness_titles=titles)


@functools.cache
def versions() -> dict[str, dict[str, Any]]:
    """The full report, its preview and its published version (built once, when a test first asks)."""
    full = mixed_report()
    public = published(full)
    public["published_on"] = "2026-12-03"
    return {
        "full": full,
        "preview": as_preview(published(full), graded=80, sampled=80),
        "published": public,
    }


VERSIONS = ("full", "preview", "published")
#: What each version's running header says (besides the body and the period).
STATUS = {
    "full": ("Full report for the inspection team", "OFFICIAL-SENSITIVE"),
    "preview": ("Preview – not published", "OFFICIAL"),
    "published": ("Published 3 December 2026", "OFFICIAL"),
}


@dataclass
class Made:
    document: Mapping[str, Any]
    html: str
    pdf: bytes
    path: Path


_MADE: dict[str, Made] = {}


def made(name: str) -> Made:
    """The version's HTML document and PDF (made once per test process).  The tests read this process's own
    copy (two xdist workers may make the same version at once); a copy is put beside its pages for a person,
    written whole under another name and then renamed, so no one ever reads half a file."""
    if name not in _MADE:
        document = long_report() if name == "long" else versions()[name]
        content = rendering.render(document, "pdf").content
        SHOTS.mkdir(parents=True, exist_ok=True)
        stem = f"{report_stem(document)}{'-long-tables' if name == 'long' else ''}"
        own = Path(tempfile.mkdtemp(prefix="report-pdf-")) / f"{stem}.pdf"
        own.write_bytes(content)
        with tempfile.NamedTemporaryFile(dir=SHOTS, suffix=".part", delete=False) as part:
            part.write(content)
        os.chmod(part.name, 0o644)  # as any other file here (a temporary file is the owner's alone)
        os.replace(part.name, SHOTS / f"{stem}.pdf")
        _MADE[name] = Made(document, rendering.html_document(document, for_pdf=True), content, own)
    return _MADE[name]


# ---------------------------------------------------------------------------------------------------
# Reading the PDF back


def struct_elements(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    """Every element of the structure tree, in document order."""

    def walk(node: Any) -> Iterator[pikepdf.Dictionary]:
        kids = node.get("/K")
        if kids is None:
            return
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                yield kid
                yield from walk(kid)

    yield from walk(pdf.Root.StructTreeRoot)


def tag(element: pikepdf.Dictionary) -> str:
    return str(element["/S"]).lstrip("/")


@dataclass
class Line:
    y: float  # its top, from the page's top, in points
    text: str


def page_lines(pdf: Path) -> tuple[list[list[Line]], float]:
    """Each page's lines of text, top to bottom (poppler's pdftotext -bbox-layout), and the page height."""
    program = installed_program("pdftotext", "poppler-utils")
    done = subprocess.run(
        [program, "-bbox-layout", str(pdf), "-"],
        capture_output=True,
        check=True,
        timeout=120,
    )
    xhtml = re.sub(rb"<!DOCTYPE[^>]*>", b"", done.stdout)
    root = ElementTree.fromstring(xhtml)  # noqa: S314 -- poppler's output for our own PDF
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    pages, height = [], 0.0
    for page in root.iterfind(".//x:page", ns):
        height = float(page.get("height", "0"))
        rows: dict[int, list[tuple[float, str]]] = {}
        for word in page.iterfind(".//x:word", ns):
            top = float(word.get("yMin", "0"))
            rows.setdefault(round(top / 3), []).append(
                (float(word.get("xMin", "0")), word.text or "")
            )
        pages.append(
            [
                Line(key * 3, " ".join(w for _, w in sorted(words)))
                for key, words in sorted(rows.items())
            ]
        )
    return pages, height


def body_lines(lines: list[Line], height: float) -> list[Line]:
    """The lines inside the page's margins (the running header and footer left out)."""
    return [line for line in lines if TOP_MARGIN <= line.y < height - BOTTOM_MARGIN]


def headings_of(html: str) -> set[str]:
    """The text of each h2, h3 and table caption of the HTML document."""
    return {
        " ".join(html_text(text).split())
        for _, text in re.findall(r"<(h[23]|caption)\b[^>]*>(.*?)</\1>", html, re.S)
    }


# ---------------------------------------------------------------------------------------------------
# Tagged: PDF/UA-1, title, language, metadata, structure


@pytest.mark.parametrize("name", VERSIONS)
def test_the_pdf_is_tagged_pdf_ua_with_its_title_language_and_metadata(name: str) -> None:
    got = made(name)
    with pikepdf.open(io.BytesIO(got.pdf)) as pdf:
        root = pdf.Root
        assert bool(root.MarkInfo.Marked) is True
        assert "/StructTreeRoot" in root
        assert str(root.Lang) == "en-GB"
        assert bool(root.ViewerPreferences.DisplayDocTitle) is True
        title = html_text(re.search(r"<title>(.*?)</title>", got.html, re.S).group(1))  # type: ignore[union-attr]
        assert got.document["inspection"]["name"] in title
        info = pdf.docinfo
        assert str(info["/Title"]) == title
        assert str(info["/Author"]) == "casereview"
        mark = marking(got.document)
        assert mark.status in str(info["/Subject"]) and mark.running in str(info["/Subject"])
        assert mark.classification in str(info["/Keywords"]).split(", ")
        # The date it was published on, else the date its figures are as of
        created = "20261203" if name == "published" else "20240430"
        assert str(info["/CreationDate"]).startswith(f"D:{created}")
        with pdf.open_metadata() as xmp:
            assert xmp["pdfuaid:part"] == "1"
            assert xmp["dc:title"] == title
            assert xmp["dc:creator"] == ["casereview"]


@pytest.mark.parametrize("name", VERSIONS)
def test_the_structure_tree_has_headings_tables_and_every_chart_a_figure_with_alt_text(
    name: str,
) -> None:
    got = made(name)
    with pikepdf.open(io.BytesIO(got.pdf)) as pdf:
        elements = list(struct_elements(pdf))
        tags = [tag(e) for e in elements]
        assert tags.count("H1") == 1
        # Every section of the body is an H2 (a table split over pages is one Table per page)
        assert tags.count("H2") >= len(pdf_markup.headings(got.html)) >= 10
        tables = [e for e in elements if tag(e) == "Table"]
        assert len(tables) >= 10
        assert "TH" in tags and "THead" in tags and "Caption" in tags
        figures = [e for e in elements if tag(e) == "Figure"]
        # The charts the PDF draws (a chart's narrow drawing, for a phone, is never drawn for the PDF)
        assert "-narrow-title" not in got.html
        drawn = pdf_markup.for_pdf(got.html)
        charts = [
            re.search(r"<title[^>]*>([^.<]*)", svg).group(1)  # type: ignore[union-attr]
            for svg in re.findall(r'<svg[^>]*role="img".*?</svg>', drawn, re.S)
        ]
        assert len(charts) == 3  # the trend, the control chart, the cases recorded
        # Only the charts are figures (the colour keys beside table rows are decoration, not figures)
        assert len(figures) == len(charts)
        for figure, title in zip(figures, charts, strict=True):
            alt = str(figure.get("/Alt", ""))
            assert alt.startswith(html_text(title)), alt
            assert len(alt) > len(html_text(title)) + 20  # and what the chart shows, in words
        # The contents list's links are links
        assert tags.count("Link") >= len(pdf_markup.headings(got.html))


# ---------------------------------------------------------------------------------------------------
# The pages: summary first, running header, no stranded heading, long tables


@pytest.mark.parametrize("name", VERSIONS)
def test_the_first_page_is_the_summary_and_every_page_has_the_running_header(name: str) -> None:
    got = made(name)
    pages, height = page_lines(got.path)
    assert len(pages) >= 5
    mark = marking(got.document)
    status, classification = STATUS[name]
    assert mark.status == status and mark.classification == classification
    first = " ".join(line.text for line in body_lines(pages[0], height))
    headline = " ".join(got.document["headline"].split())
    assert "Summary" in first and headline in first
    for words in (
        "Key figures",
        "Cases graded",
        "Cases sent back to the body",
        "What was inspected",
    ):
        assert words in first, words
    assert "Contents" not in first and "Seed commitment" not in first  # the metadata comes later
    second = " ".join(line.text for line in body_lines(pages[1], height))
    assert second.startswith("Contents")
    for n, lines in enumerate(pages, start=1):
        header = " ".join(line.text for line in lines if line.y < TOP_MARGIN)
        footer = " ".join(line.text for line in lines if line.y >= height - BOTTOM_MARGIN)
        assert mark.body in header and mark.period in header, n
        assert status in header and classification in header.split(), n
        assert f"Page {n} of {len(pages)}" in footer and classification in footer.split(), n
        if classification == "OFFICIAL":
            assert "OFFICIAL-SENSITIVE" not in header + footer
        assert body_lines(lines, height), f"page {n} is empty"


@pytest.mark.parametrize("name", ["full", "published", "long"])
def test_no_heading_is_the_last_thing_on_a_page(name: str) -> None:
    got = made(name)
    pages, height = page_lines(got.path)
    headings = headings_of(got.html)
    assert {"Overall grades", "By unit", "Contents", "Key figures"} <= {
        h.split(";")[0] for h in headings
    }
    for n, lines in enumerate(pages[:-1], start=1):
        body = body_lines(lines, height)
        # A heading or a caption (on one line or two) never ends a page: what it heads follows it
        last, two = body[-1].text, " ".join(line.text for line in body[-2:])
        assert last not in headings and two not in headings, (n, last)
        assert not any(h.endswith(last) and len(last) > 12 for h in headings), (n, last)


def test_a_long_table_breaks_between_rows_and_repeats_its_header_row() -> None:
    got = made("long")
    pages, height = page_lines(got.path)
    units = [f"Unit {u:02d}" for u in range(70)]
    on = {
        n: [
            line
            for line in body_lines(lines, height)
            if line.text.split(" ")[:2] in [u.split() for u in units]
        ]
        for n, lines in enumerate(pages)
    }
    spanned = [n for n, rows in on.items() if rows]
    assert len(spanned) >= 2, "the table of units spans pages"
    seen = [line.text.split(" ")[1] for n in spanned for line in on[n]]
    assert sorted(set(seen)) == [f"{u:02d}" for u in range(70)]  # every row, none lost at a break
    for n in spanned:
        lines = body_lines(pages[n], height)
        first_row = lines.index(on[n][0])
        header = " ".join(line.text for line in lines[:first_row])
        # the header row, again
        assert "Unit Cases" in header and "Against the last result" in header, n
    with pikepdf.open(io.BytesIO(got.pdf)) as pdf:
        heads = [e for e in struct_elements(pdf) if tag(e) == "THead"]
        assert len(heads) > sum(1 for _ in re.finditer(r"<thead", got.html))  # repeated per page


# ---------------------------------------------------------------------------------------------------
# Looked at by a person


@pytest.mark.parametrize("name", ["full", "preview", "published", "long"])
def test_every_page_is_drawn_for_a_person_to_look_at(name: str) -> None:
    got = made(name)
    folder = SHOTS / name
    for old in folder.glob("*.png"):
        old.unlink()  # a page of an earlier, longer run is not this PDF's
    pngs = pages_png(got.path, folder)
    with pikepdf.open(io.BytesIO(got.pdf)) as pdf:
        assert len(pngs) == len(pdf.pages)
    assert all(p.stat().st_size > 5_000 for p in pngs)  # something is drawn on every page


# ---------------------------------------------------------------------------------------------------
# Nothing fetched; the HTML download


def test_the_pdf_fetches_nothing_but_an_svg_given_in_place() -> None:
    fetcher = rendering.pdf_fetcher()
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'
    for url in (
        "http://example.com/x.png",
        "https://example.com/x.css",
        "file:///etc/passwd",
        "ftp://example.com/x",
        "data:text/html;base64," + base64.b64encode(b"<p>x</p>").decode(),
        "data:image/png;base64,iVBORw0KGgo=",
        "data:image/svg+xml," + svg.decode(),  # only the base64 form, as pdf_markup writes it
        pdf_markup.SVG_DATA + "not base64!",
    ):
        with pytest.raises(rendering.NoFetching):
            fetcher.fetch(url)
    got = fetcher.fetch(pdf_markup.SVG_DATA + base64.b64encode(svg).decode())
    assert got.read() == svg and got.content_type == "image/svg+xml"


def _fills(content: bytes) -> list[tuple[float, ...]]:
    """Every fill colour (``rg``) the PDF's pages set, in their content streams and forms."""
    found = []
    with pikepdf.open(io.BytesIO(content)) as pdf:
        streams: list[Any] = list(pdf.pages)
        for page in pdf.pages:
            streams += [x for x in (page.Resources.get("/XObject") or {}).values()]
        for stream in streams:
            for instruction in pikepdf.parse_content_stream(stream):
                if str(instruction.operator) == "rg":
                    found.append(tuple(round(float(v), 2) for v in instruction.operands))
    return found


def test_a_refused_url_is_logged_and_an_svg_given_in_place_is_drawn(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from weasyprint import HTML

    def pdf(html: str) -> bytes:
        return HTML(string=html, url_fetcher=rendering.pdf_fetcher()).write_pdf()  # type: ignore[no-any-return]

    red = (0.83, 0.21, 0.11)  # #d4351c
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#d4351c"/></svg>'
    given = pdf_markup.SVG_DATA + base64.b64encode(svg.encode()).decode()
    with caplog.at_level("WARNING", logger="weasyprint"):
        assert red in _fills(pdf(f'<p><img alt="a red square" src="{given}"></p>'))
    assert "fetches nothing" not in caplog.text
    for url in ("file:///etc/hostname", "http://127.0.0.1:9/x.png", "https://example.com/x.css"):
        caplog.clear()
        with caplog.at_level("WARNING", logger="weasyprint"):
            pdf(f'<link rel="stylesheet" href="{url}"><p><img alt="x" src="{url}"></p>')
        assert caplog.text.count("the report PDF fetches nothing") == 2, url
    # An SVG given in place may not fetch either (its own picture's URL is refused)
    inner = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4">'
        '<image href="file:///etc/hostname" width="4" height="4"/></svg>'
    )
    smuggled = pdf_markup.SVG_DATA + base64.b64encode(inner.encode()).decode()
    caplog.clear()
    with caplog.at_level("WARNING", logger="weasyprint"):
        pdf(f'<p><img alt="x" src="{smuggled}"></p>')
    assert "the report PDF fetches nothing ('file:///etc/hostname'" in caplog.text


def test_the_report_pdf_renders_without_a_weasyprint_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No picture without its alternative text, no missing language, no refused or unreadable resource."""
    with caplog.at_level("WARNING", logger="weasyprint"):
        rendering.render(versions()["published"], "pdf")
    assert not [r for r in caplog.records if r.name.startswith("weasyprint")], caplog.text


def test_the_html_download_has_the_summary_and_a_contents_list_of_its_sections() -> None:
    got = made("published")
    html = rendering.render(got.document, "html").content.decode()
    assert html.count("<h1") == 1
    contents = pdf_markup.headings(html[html.index('id="report-body"') :])
    links = re.findall(r'<li><a href="#([^"]+)">', html)
    assert links == ["about"] + [i for i, _ in contents]
    for anchor in links:
        assert html.count(f'id="{anchor}"') == 1, anchor
    assert html.index('id="summary"') < html.index('id="contents"') < html.index('id="report-body"')
    assert "<svg" in html and pdf_markup.SVG_DATA not in html  # the page's charts, as they are
    assert "Published 3 December 2026" in html and "OFFICIAL" in html


# ---------------------------------------------------------------------------------------------------
# pdf_markup on its own


def test_headings_lists_each_h2_with_an_id_in_order() -> None:
    html = '<h2 id="a">First <span>one</span></h2><h3 id="x">No</h3><h2>No id</h2><h2 class="m" id="b">B &amp; C</h2>'
    assert pdf_markup.headings(html) == [("a", "First one"), ("b", "B & C")]


def test_for_pdf_gives_a_chart_its_description_as_alt_text_and_makes_a_key_a_decoration() -> None:
    chart = str(share_chart([], title="Shares & <intervals>"))
    swatch = '<svg width="12" height="12" aria-hidden="true" focusable="false"><rect width="12" height="12" fill="#d4351c"/></svg>'
    got = pdf_markup.for_pdf(f"<p>{chart}</p><p>{swatch} Neglect</p>")
    title = re.search(r"<title[^>]*>(.*?)</title>", got, re.S)
    assert title and title.group(1) == "Shares &amp; &lt;intervals&gt;. No figures to show."
    assert "<desc" in got  # left as it was
    assert got.count("<svg") == 1 and 'class="cr-decoration"' in got and "Neglect" in got
    url = re.search(r"url\((data:[^)]*)\)", got)
    assert url and url.group(1).startswith(pdf_markup.SVG_DATA)
    drawn = base64.b64decode(url.group(1)[len(pdf_markup.SVG_DATA) :]).decode()
    assert drawn.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and 'fill="#d4351c"' in drawn
    assert pdf_markup.for_pdf("<p>no pictures</p>") == "<p>no pictures</p>"


def test_a_chart_whose_title_says_hidden_is_kept_with_every_heading() -> None:
    """The word "hidden" in a chart's title (its region's label) or anywhere else never loses a chart or a
    heading: the PDF's HTML has no narrow drawing to remove, and ``for_pdf`` removes nothing."""
    given = [{"label": "A", "period_end": "2025-06-30", "kind": "inspection", "share": 0.5}]
    html = "".join(
        f'<h2 id="s{n}">Section {n}, some hidden</h2><figure>'
        + str(responsive(share_chart, given, title=title, chart_id=f"chart-{n}", narrow=False))
        + "</figure>"
        for n, title in enumerate(["Shares, some hidden by the rule", "Shares hidden", "Plain"])
    )
    drawn = pdf_markup.for_pdf(html)
    assert drawn.count('role="img"') == 3 and len(pdf_markup.headings(drawn)) == 3
    for title in ("Shares, some hidden by the rule", "Shares hidden", "Plain"):
        assert f">{title}</text>" in drawn


def test_a_report_with_hidden_in_a_unit_name_keeps_every_chart_and_heading_in_its_pdf() -> None:
    graded = (
        cases(20, "good", unit="Unit hidden by rule")
        + cases(30, "inadequate", unit="Hidden unit")
        + cases(10, "requires_improvement", "neglect", unit="Unit hidden by rule")
    )
    document = full_report(
        graded,
        history=[
            HistoryPoint("Pilot, hidden figures", "2023-03-31", "baseline", 2, 6),
            HistoryPoint("Q4 2023", "2023-12-31", "inspection", 40, 70),
        ],
        volume={
            "quarters": ["2023 Q4", "2024 Q1"],
            "categories": {"missing_child": [40, 52], "neglect": [3, 9]},
        },
    )
    html = rendering.html_document(document, for_pdf=True)
    assert "Hidden unit" in html and "-narrow-title" not in html
    charts = re.findall(r'<svg[^>]*role="img"', html)
    assert len(charts) == 3  # the trend, the control chart, the cases recorded
    content = rendering.render(document, "pdf").content
    with pikepdf.open(io.BytesIO(content)) as pdf:
        elements = list(struct_elements(pdf))
        tags = [tag(e) for e in elements]
        assert tags.count("Figure") == len(charts)
        assert tags.count("H2") >= len(pdf_markup.headings(html)) >= 10


@pytest.mark.parametrize("name", VERSIONS)
def test_the_summary_and_the_body_say_the_headline_and_the_version_alike(name: str) -> None:
    """One headline template for the summary and the body, and the version's words from ``marking`` alone,
    never repeating the classification; a document stored without a headline sentence too."""
    document = dict(versions()[name])
    for given in (document, {k: v for k, v in document.items() if k != "headline"}):
        html = rendering.html_document(given)
        said = {
            where: " ".join(html_text(text).split())
            for where, text in re.findall(
                r'<p class="govuk-body-l" id="(summary-headline|headline)">(.*?)</p>', html, re.S
            )
        }
        assert set(said) == {"summary-headline", "headline"}
        assert said["summary-headline"] == said["headline"] and "graded cases" in said["headline"]
        mark = marking(given)
        first = re.search(r'<p class="govuk-caption-l cr-running"[^>]*>(.*?)</p>', html, re.S)
        assert first is not None
        line = html_text(first.group(1))
        assert line == f"{mark.classification} – {mark.status}"
        assert line.lower().count("official") == 1  # the classification, once
        assert mark.version in html_text(html)
