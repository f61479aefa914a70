"""Builders of hostile register files, for the tests and `make bench-hostile` (never committed: generated).

Each reproduces a file from the penetration test (issue 18) at any size: the XLSX whose one shared
string holds a billion characters, the XLSX whose sheet expands to 1.2 GB, the CSV with a 131,073-character
header, the 250,000,000-character value, millions of bad rows, a NUL byte deep in the file, UTF-8 and
Windows-1252 mixed, formula cells without saved values.  Everything is written in pieces, so building
even the largest takes little memory.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

HEADER = ("case_ref", "category", "reported_on", "unit")
PIECE = 1 << 20

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "{shared}</Types>"
)
_SHARED_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Register" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>{shared}</Relationships>'
)
_SHARED_REL = (
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/>'
)
_SHEET_OPEN = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_CLOSE = "</sheetData></worksheet>"


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _row(number: int, values: tuple[str, ...]) -> str:
    cells = "".join(_cell(f"{chr(65 + i)}{number}", v) for i, v in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


def _good(number: int) -> tuple[str, ...]:
    return (f"R{number:09d}", "neglect", "01/02/2024", "North")


def write_xlsx(
    path: Path,
    sheet: Iterator[str],
    shared: Iterator[str] | None = None,
    extra: dict[str, Iterator[str]] | None = None,
) -> Path:
    """A minimal workbook whose sheet (and shared strings, and ``extra`` parts by name) XML come in pieces."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr(
            "[Content_Types].xml", _CONTENT_TYPES.format(shared=_SHARED_TYPE if shared else "")
        )
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            _WORKBOOK_RELS.format(shared=_SHARED_REL if shared else ""),
        )
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            for piece in sheet:
                part.write(piece.encode())
        if shared is not None:
            with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
                for piece in shared:
                    part.write(piece.encode())
        for name, pieces in (extra or {}).items():
            with archive.open(name, "w", force_zip64=True) as part:
                for piece in pieces:
                    part.write(piece.encode())
    return path


def xlsx_huge_shared_string(path: Path, chars: int) -> Path:
    """One shared string of ``chars`` characters, used by one cell (977 KB for a billion characters)."""

    def sheet() -> Iterator[str]:
        yield _SHEET_OPEN + _row(1, HEADER)
        yield '<row r="2"><c r="A2" t="s"><v>0</v></c></row>' + _SHEET_CLOSE

    def shared() -> Iterator[str]:
        yield (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
            "<si><t>"
        )
        left = chars
        while left > 0:
            n = min(left, PIECE)
            yield "A" * n
            left -= n
        yield "</t></si></sst>"

    return write_xlsx(path, sheet(), shared())


_SST_OPEN = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _one_shared_cell() -> Iterator[str]:
    yield _SHEET_OPEN + _row(1, HEADER)
    yield '<row r="2"><c r="A2" t="s"><v>0</v></c></row>' + _SHEET_CLOSE


def xlsx_rich_shared_string(path: Path, chars: int, run: int = 50_000) -> Path:
    """One shared string of ``chars`` characters in rich-text runs of ``run`` (no run is long by itself)."""

    def shared() -> Iterator[str]:
        yield _SST_OPEN + "<si>"
        piece = "<r><t>" + "A" * run + "</t></r>"
        for _ in range(max(1, chars // run)):
            yield piece
        yield "</si></sst>"

    return write_xlsx(path, _one_shared_cell(), shared())


def xlsx_many_shared_strings(path: Path, chars: int, each: int = 99_000) -> Path:
    """Shared strings of ``each`` characters (each under the cell limit) holding ``chars`` characters in all."""

    def shared() -> Iterator[str]:
        yield _SST_OPEN
        piece = "<si><t>" + "A" * each + "</t></si>"
        for _ in range(max(1, chars // each)):
            yield piece
        yield "</sst>"

    return write_xlsx(path, _one_shared_cell(), shared())


def xlsx_rich_inline_string(path: Path, chars: int, run: int = 50_000) -> Path:
    """One inline string (in the sheet) of ``chars`` characters in rich-text runs of ``run``."""

    def sheet() -> Iterator[str]:
        yield _SHEET_OPEN + _row(1, HEADER)
        yield '<row r="2"><c r="A2" t="inlineStr"><is>'
        piece = "<r><t>" + "A" * run + "</t></r>"
        for _ in range(max(1, chars // run)):
            yield piece
        yield "</is></c></row>" + _SHEET_CLOSE

    return write_xlsx(path, sheet())


def xlsx_huge_styles(path: Path, expanded_bytes: int) -> Path:
    """An ordinary sheet beside a styles part (loaded whole by openpyxl) of ``expanded_bytes`` of cell formats."""

    def styles() -> Iterator[str]:
        yield (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs>'
        )
        piece = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>' * (PIECE // 52)
        for _ in range(max(1, expanded_bytes // len(piece))):
            yield piece
        yield "</cellXfs></styleSheet>"

    def sheet() -> Iterator[str]:
        yield _SHEET_OPEN + _row(1, HEADER) + _row(2, _good(2)) + _SHEET_CLOSE

    return write_xlsx(path, sheet(), extra={"xl/styles.xml": styles()})


def xlsx_expanding_sheet(path: Path, expanded_bytes: int) -> Path:
    """A sheet of ordinary rows whose XML expands to about ``expanded_bytes``."""

    def sheet() -> Iterator[str]:
        yield _SHEET_OPEN + _row(1, HEADER)
        row = _row(2, _good(2))
        per_piece = max(1, PIECE // len(row))
        written, number = 0, 2
        while written < expanded_bytes:
            rows = "".join(_row(n, _good(n)) for n in range(number, number + per_piece))
            number += per_piece
            written += len(rows)
            yield rows
        yield _SHEET_CLOSE

    return write_xlsx(path, sheet())


def xlsx_formulas_without_values(path: Path, rows: int = 3) -> Path:
    """Formula cells saved without their calculated values (as some programs write them)."""

    def sheet() -> Iterator[str]:
        yield _SHEET_OPEN + _row(1, HEADER)
        for n in range(2, rows + 2):
            ref, category, _, unit = _good(n)
            yield (
                f'<row r="{n}">{_cell(f"A{n}", ref)}{_cell(f"B{n}", category)}'
                f'<c r="C{n}"><f>DATE(2024,2,1)</f></c>{_cell(f"D{n}", unit)}</row>'
            )
        yield _SHEET_CLOSE

    return write_xlsx(path, sheet())


def csv_long_header(path: Path, chars: int) -> Path:
    """A header field of ``chars`` characters (Python's csv module stops at 131,072)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(HEADER) + "," + "H" * chars + "\n")
        fh.write(",".join(_good(2)) + ",x\n")
    return path


def csv_long_value(path: Path, chars: int) -> Path:
    """One case whose unit holds ``chars`` characters."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(HEADER) + "\n")
        fh.write("R1,neglect,01/02/2024,")
        left = chars
        while left > 0:
            n = min(left, PIECE)
            fh.write("U" * n)
            left -= n
        fh.write("\n")
    return path


def csv_long_quoted_value(
    path: Path, chars: int, separator: str = ",", quoted: bool = True
) -> Path:
    """One case whose unit holds ``chars`` characters with a separator every 1,000, in quotes (or, with
    ``quoted=False``, a ``;`` file whose unquoted value is full of commas)."""
    mark = '"' if quoted else ""
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(separator.join(HEADER) + "\n")
        fh.write(separator.join(_good(2)) + "\n")
        fh.write(separator.join(("R1", "neglect", "01/02/2024", mark)))
        piece = ("U" * 999 + ("," if separator == ";" else separator)) * (PIECE // 1000)
        left = chars
        while left > 0:
            fh.write(piece[: min(left, len(piece))])
            left -= len(piece)
        fh.write(mark + "\n")
    return path


def csv_bad_rows(path: Path, rows: int) -> Path:
    """``rows`` cases, every one with an unknown category and an impossible date."""
    line = "R{:09d},not-a-category,31/02/2024,North\n"
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(HEADER) + "\n")
        for start in range(0, rows, 10_000):
            fh.write("".join(line.format(n) for n in range(start, min(rows, start + 10_000))))
    return path


def csv_late_nul(path: Path, rows: int = 2000) -> Path:
    """Good rows, then one holding a NUL byte well after the first 8 KB."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(HEADER) + "\n")
        for n in range(2, rows + 2):
            fh.write(",".join(_good(n)) + "\n")
        fh.write("R-NUL,neglect,01/02/2024,No\x00rth\n")
    return path


def csv_utf16_nul(path: Path, rows: int = 500) -> Path:
    """A UTF-16 register (NUL bytes everywhere, as UTF-16 has) whose last unit holds a NUL character."""
    text = ",".join(HEADER) + "\n" + "".join(",".join(_good(n)) + "\n" for n in range(2, rows + 2))
    path.write_bytes((text + "R-NUL,neglect,01/02/2024,No\x00rth\n").encode("utf-16"))
    return path


def csv_mixed_encoding(path: Path) -> Path:
    """Line 2 in UTF-8 ("Hôtel"), line 3 in Windows-1252 ("Café")."""
    with path.open("wb") as fh:
        fh.write((",".join(HEADER) + "\n").encode())
        fh.write("R1,neglect,01/02/2024,Hôtel de Ville\n".encode())
        fh.write("R2,neglect,01/02/2024,Café\n".encode("cp1252"))
    return path
