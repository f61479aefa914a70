"""Reading register files: CSV (UTF-8, UTF-8 with BOM, UTF-16, Windows-1252) and XLSX.

Files are checked before parsing (size, type against extension, XLSX
decompression bombs), then read in batches so memory stays flat however long
the file is.  A hostile file is ordinary input: every limit (``Limits``, from
settings) is checked while streaming, so a file over one is refused at once,
in bounded memory, with a message naming the limit.  XLSX parts are inflated
and measured for real (declared sizes can lie) before openpyxl's streaming
reader sees them; no cell longer than the cell limit is ever loaded whole.  Every batch is a polars frame of text columns named by position
(``c0``, ``c1``...) plus the ``__line__`` where each record starts in the file,
so that error reports point at the line a person sees in a text editor or the
row they see in Excel.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import os
import re
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

import polars as pl

from casereview.domain.registers import (
    LINE,
    QUOTE_CHARS,
    RegisterError,
    RowError,
    quote,
    source_key,
)

CHUNK = 1 << 20
TEXT_EXTENSIONS = frozenset({".csv", ".txt"})
XLSX_EXTENSIONS = frozenset({".xlsx", ".xlsm"})
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls and other OLE documents


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_xlsx_uncompressed_bytes: int
    max_xlsx_entries: int
    max_xlsx_part_bytes: int = 512 * 1024**2
    max_cell_chars: int = 100_000
    max_rows: int = 10_000_000
    max_columns: int = 200
    max_seconds: float = 600.0
    max_xlsx_shared_strings_chars: int = 50_000_000
    max_xlsx_other_part_bytes: int = 16 * 1024**2

    def deadline(self) -> float:
        return time.monotonic() + self.max_seconds


def _check_time(deadline: float | None, name: str, limits: Limits) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise RegisterError(
            f"{name} took longer than the {limits.max_seconds:,.0f} seconds an import may take "
            "(CASEREVIEW_MAX_IMPORT_SECONDS); split the file or save it as CSV"
        )


def _cell_limit_message(name: str, where: str, limits: Limits) -> str:
    return (
        f"{name}: {where} is longer than the {limits.max_cell_chars:,} characters a value may have "
        "(CASEREVIEW_MAX_CELL_CHARS)"
    )


#: A run of bytes holding no separator, newline or XML tag this long is one value over the cell limit
#: (UTF-8 takes at most 4 bytes a character).  Runs are found by looking at aligned blocks of this many
#: bytes, so a block with none of those bytes is refused and any value twice as long is always found.
def _block_bytes(limits: Limits) -> int:
    return 4 * limits.max_cell_chars + 4


_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_FIELD_BREAKS = (b"\n", b",", b";", b"\t")


@dataclass(frozen=True)
class SourceFile:
    path: Path
    filename: str
    size: int
    sha256: str
    file_type: str  # "csv" or "xlsx"
    encoding: str  # python codec name for CSV; "" for XLSX
    line_count: int  # newlines in the file: an upper bound on records, for progress
    has_quotes: bool = True  # without any quote character no record can span lines
    limits: Limits | None = None
    deadline: float | None = None  # time.monotonic() after which reading is refused
    has_formulas: bool = False  # an XLSX worksheet holds formula cells


def _human(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n //= 1024
    return str(n)


def inspect_file(path: Path, *, filename: str | None = None, limits: Limits) -> SourceFile:
    """Check a file before parsing and fingerprint it (SHA-256) in one pass."""
    name = filename or path.name
    ext = Path(name).suffix.lower()
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise RegisterError(
            f"{name} is {_human(size)}, over the limit of {_human(limits.max_bytes)}; "
            "split the register or ask an administrator to raise CASEREVIEW_MAX_REGISTER_BYTES"
        )
    if size == 0:
        raise RegisterError(f"{name} is empty")
    with path.open("rb") as fh:
        head = fh.read(8192)
    if ext not in TEXT_EXTENSIONS | XLSX_EXTENSIONS:
        if ext == ".xls":
            raise RegisterError(
                f"{name}: the old Excel .xls format is not accepted; save it as .xlsx or CSV"
            )
        raise RegisterError(f"{name}: only .csv, .txt and .xlsx files can be imported")
    is_zip = head.startswith(ZIP_MAGIC)
    if ext in XLSX_EXTENSIONS and not is_zip:
        raise RegisterError(f"{name} is named as an Excel workbook but its content is not one")
    if ext in TEXT_EXTENSIONS:
        if is_zip or head.startswith(OLE_MAGIC):
            raise RegisterError(
                f"{name} is named as a CSV file but its content is a spreadsheet or archive; "
                "save it as CSV, or import the .xlsx file itself"
            )
        bom16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        if b"\x00" in head and not bom16:
            raise RegisterError(f"{name} is named as a CSV file but its content is not text")
    deadline = limits.deadline()
    has_formulas = False
    if ext in XLSX_EXTENSIONS:
        has_formulas = _check_xlsx_container(path, name, limits, deadline=deadline)
    bom16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))

    digest = hashlib.sha256()
    newlines = 0
    quotes = False
    decoder = codecs.getincrementaldecoder("utf-8")()
    text = ext in TEXT_EXTENSIONS
    utf8 = text
    multibyte = False  # valid UTF-8 beyond ASCII seen somewhere
    bad_line = 0  # first line that is not UTF-8
    block = _block_bytes(limits)
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            _check_time(deadline, name, limits)
            digest.update(chunk)
            if text:
                if not bom16 and (nul := chunk.find(b"\x00")) >= 0:
                    line = newlines + chunk.count(b"\n", 0, nul) + 1
                    raise RegisterError(
                        f"{name}: line {line:,} holds a NUL byte (\\x00), which text never does; "
                        "save the register as CSV again from the program that made it"
                    )
                _check_runs(chunk, block, name, newlines, limits)
                if utf8:
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError as exc:
                        utf8 = False
                        bad_line = newlines + chunk.count(b"\n", 0, max(exc.start, 0)) + 1
                        multibyte = multibyte or _UTF8_MULTIBYTE.search(chunk) is not None
                    else:
                        multibyte = multibyte or not chunk.isascii()
                elif not multibyte and not chunk.isascii():
                    multibyte = _UTF8_MULTIBYTE.search(chunk) is not None
            newlines += chunk.count(b"\n")
            quotes = quotes or b'"' in chunk
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
                bad_line = newlines + 1
    if text and not utf8 and multibyte and not bom16 and not head.startswith(codecs.BOM_UTF8):
        raise RegisterError(
            f"{name} mixes encodings: some lines are UTF-8 text and line {bad_line:,} is not; "
            "save the whole file as CSV UTF-8 from Excel"
        )
    if text and not utf8 and head.startswith(codecs.BOM_UTF8):
        raise RegisterError(
            f"{name} starts as UTF-8 text but line {bad_line:,} is not UTF-8; "
            "save the whole file as CSV UTF-8 from Excel"
        )
    if ext in XLSX_EXTENSIONS:
        encoding = ""
    elif head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif utf8:
        encoding = "utf-8"
    else:
        encoding = "cp1252"
    return SourceFile(
        path=path,
        filename=name,
        size=size,
        sha256=digest.hexdigest(),
        file_type="xlsx" if ext in XLSX_EXTENSIONS else "csv",
        encoding=encoding,
        line_count=newlines,
        has_quotes=quotes,
        limits=limits,
        deadline=deadline,
        has_formulas=has_formulas,
    )


def _check_runs(chunk: bytes, block: int, name: str, lines_before: int, limits: Limits) -> None:
    """Refuse a field (a run with no separator or newline) longer than the cell limit, without reading it."""
    for start in range(0, len(chunk) - block + 1, block):
        end = start + block
        if all(chunk.find(b, start, end) < 0 for b in _FIELD_BREAKS):
            line = lines_before + chunk.count(b"\n", 0, start) + 1
            raise RegisterError(
                _cell_limit_message(name, f"line {line:,} holds a value that", limits)
            )


class _XmlTextScan:
    """Counts, while an XML part streams past, the text of every string item, refusing one over a limit.

    A string item is a shared string (``<si>``) or an inline string (``<is>``); its text is all its
    ``<t>`` runs (rich-text ``<r>`` runs included), which openpyxl joins into one value.  expat reports
    text in pieces and keeps no tree, so memory stays flat whatever the part holds.  A DOCTYPE (and with
    it any entity declaration) is refused: a workbook never has one.
    """

    def __init__(self, name: str, part: str, limits: Limits) -> None:
        self.name, self.part, self.limits = name, part, limits
        self.depth_t = 0  # inside this many <t> elements
        self.in_item = 0  # inside this many <si>/<is> elements
        self.item_chars = 0
        self.total_chars = 0
        self.parser = expat.ParserCreate()
        self.parser.buffer_text = True
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text
        self.parser.StartDoctypeDeclHandler = self._doctype

    def feed(self, data: bytes, *, final: bool = False) -> None:
        try:
            self.parser.Parse(data, final)
        except expat.ExpatError as exc:
            raise RegisterError(
                f"{self.name} is a damaged workbook: its part {self.part} is not XML: {exc}"
            ) from exc

    def _doctype(self, *_: object) -> None:
        raise RegisterError(
            f"{self.name}: its part {self.part} declares a DOCTYPE, which a workbook never does"
        )

    def _start(self, tag: str, _attrs: object) -> None:
        local = tag.rpartition(":")[2]
        if local in ("si", "is"):
            self.in_item += 1
            if self.in_item == 1:
                self.item_chars = 0
        elif local == "t":
            self.depth_t += 1

    def _end(self, tag: str) -> None:
        local = tag.rpartition(":")[2]
        if local in ("si", "is"):
            self.in_item = max(0, self.in_item - 1)
        elif local == "t":
            self.depth_t = max(0, self.depth_t - 1)

    def _text(self, data: str) -> None:
        if not (self.depth_t and self.in_item):
            return
        self.item_chars += len(data)
        self.total_chars += len(data)
        if self.item_chars > self.limits.max_cell_chars:
            raise RegisterError(
                _cell_limit_message(
                    self.name,
                    "a shared string" if self.part_is_shared else "an inline string",
                    self.limits,
                )
            )
        if self.total_chars > self.limits.max_xlsx_shared_strings_chars:
            raise RegisterError(
                f"{self.name}: its strings ({self.part}) hold more than the "
                f"{self.limits.max_xlsx_shared_strings_chars:,} characters a workbook may have in all "
                "(CASEREVIEW_MAX_XLSX_SHARED_STRINGS_CHARS); save the register as CSV"
            )

    @property
    def part_is_shared(self) -> bool:
        return not self.part.startswith("xl/worksheets/")


def _strings_scan(part: str, name: str, limits: Limits) -> _XmlTextScan | None:
    """The text scan for a part that can hold strings: every XML part but the worksheets (their inline
    strings are bounded by the part limit and the readers' cell check)."""
    if not part.endswith(".xml") or part.startswith("xl/worksheets/"):
        return None
    return _XmlTextScan(name, part, limits)


_IS_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?is(?=[\s>/])[^>]*>")
_TEXT = re.compile(rb">([^<]+)")
_ENTITY = re.compile(rb"&#?[A-Za-z0-9_.:-]{1,32};")
_CONTINUATION = bytes(range(0x80, 0xC0))


def _text_chars(xml: bytes) -> int:
    """The characters of the text in a stretch of XML starting outside a tag and whose tags are whole:
    UTF-8 continuation bytes and the bytes of a reference beyond its ``&`` count for nothing.  Found as
    the runs between a ``>`` and the next ``<`` (no match object for a tag, so a flood of tags is cheap);
    only a ``>`` inside an attribute value, or whitespace between tags, counts a little beyond the text."""
    text = b"".join(_TEXT.findall(b">" + xml))
    if b"&" in text:
        text = _ENTITY.sub(b"&", text)
    return len(text.translate(None, _CONTINUATION))


class _InlineStringScan:
    """Counts, while a worksheet streams past, the text of the inline string (``<is>``) it is inside.

    A rich-text inline string is many short ``<t>`` runs, so the block check (a block with no tag) never
    sees it; openpyxl would join all its runs into one value.  Each block is looked at with a few C-speed
    calls: the first and last ``<is>``/``</is>`` tags in it say whether the block ends inside one, and only
    the text inside an inline string is counted, so a sheet of ordinary cells costs almost nothing.  A
    tag or reference cut by the block's end is carried to the next block.  Strings within a block or two
    are left to the readers' cell check (they cost little memory).  Not handled: a CDATA section (which
    no spreadsheet program writes) whose text holds ``<``, read here as tags.
    """

    def __init__(self, name: str, limits: Limits) -> None:
        self.name, self.limits = name, limits
        self.inside = False
        self.chars = 0  # of the inline string open at the end of the last block
        self.tail = b""

    def feed(self, piece: bytes) -> None:
        data = self.tail + piece if self.tail else piece
        cut = len(data)
        lt = data.rfind(b"<")
        if lt >= 0 and data.find(b">", lt) < 0:
            cut = lt
        amp = data.rfind(b"&", max(0, cut - 40), cut)
        if amp >= 0 and data.find(b";", amp, cut) < 0:
            cut = amp
        self.tail = data[cut : cut + 64]  # a huge unclosed tag stays a tag: its start is enough
        region = data[:cut] if cut < len(data) else data
        first = _IS_TAG.search(region)
        if first is None:
            if self.inside:
                self.chars += _text_chars(region)
                self._check()
            return
        if self.inside:
            self.chars += _text_chars(region[: first.start()])
            self._check()
        last = first
        window = max(first.end(), len(region) - 4096)
        while True:
            for last in _IS_TAG.finditer(region, window):  # noqa: B007 - the last match is wanted
                pass
            if last is not first or window == first.end():
                break
            window = first.end()
        tag = last.group(0)
        self.inside = not last.group(1) and not tag.endswith(b"/>")
        self.chars = _text_chars(region[last.end() :]) if self.inside else 0
        self._check()

    def _check(self) -> None:
        if self.chars > self.limits.max_cell_chars:
            raise RegisterError(_cell_limit_message(self.name, "an inline string", self.limits))


def _stays_quoted(blk: bytes) -> bool:
    """Whether bytes that start inside quotes stay inside them: every " in them is doubled, but the last
    byte may be the first of a pair.  Usually the first " closes the value and no copy is made."""
    first = blk.find(b'"')
    if first < 0:
        return True
    if first + 1 < len(blk) and blk[first + 1] != 0x22:
        return False
    return b'"' not in blk.replace(b'""', b"").removesuffix(b'"')


def _check_fields(
    path: Path, separator: str, name: str, limits: Limits, deadline: float | None
) -> None:
    """Refuse a field longer than the cell limit, for the file's real separator and quoting, without reading it.

    One pass over the (UTF-8) bytes in aligned blocks of ``_block_bytes``, in bounded memory and at the
    speed of ``bytes.count``: a block lies wholly inside one field when, outside quotes, it holds no
    separator and no newline, or, inside quotes (an odd number of ``"`` before it, as polars counts
    them), it holds no ``"`` but doubled ones.  Such a field is over the limit; any field twice the
    block long holds such a block, and shorter over-long values are row errors once read.
    """
    block = _block_bytes(limits)
    sep = separator.encode()
    inside = False  # inside quotes at the start of the block
    after_quote = False  # the previous block ended with a "
    lines = 0
    with path.open("rb") as fh:
        while blk := fh.read(block):
            quotes = blk.count(b'"')
            if len(blk) == block:
                if not inside and after_quote and blk.startswith(b'"'):
                    quoted = _stays_quoted(blk[1:])  # a doubled " across the blocks
                elif inside:
                    quoted = _stays_quoted(blk)
                else:
                    quoted = False
                unquoted = not inside and quotes == 0 and sep not in blk and b"\n" not in blk
                if quoted or unquoted:
                    line = lines + 1
                    where = (
                        f"line {line:,} is inside a quoted value that"
                        if quoted
                        else (f"line {line:,} holds a value that")
                    )
                    raise RegisterError(_cell_limit_message(name, where, limits))
                _check_time(deadline, name, limits)
            lines += blk.count(b"\n")
            inside = inside != bool(quotes % 2)
            after_quote = blk.endswith(b'"')


#: Parts openpyxl's read-only reader never opens (a big pivot table's cache is legitimate).
_UNREAD_PARTS = ("xl/pivotCache/", "xl/pivotTables/")


def _part_kind(part: str) -> str:
    """ "sheet" (streamed by openpyxl), "shared" (the shared strings: scanned and bounded on their own),
    "other" (loaded whole by openpyxl: workbook, styles, theme, properties, relationships...), or ""."""
    if part.startswith("xl/worksheets/") and part.endswith(".xml") and "/_rels/" not in part:
        return "sheet"
    if part.rpartition("/")[2].lower().startswith("sharedstrings"):
        return "shared"
    if part.startswith(_UNREAD_PARTS):
        return ""
    return "other"


def _check_xlsx_container(
    path: Path, name: str, limits: Limits, *, deadline: float | None = None
) -> bool:
    """Check the workbook's parts by inflating them; returns whether a worksheet holds formulas.

    The declared sizes are checked first (cheap), then every XML part is inflated as a stream and
    its real size counted, so a part that lies about its size is still stopped at the limit; a text
    run longer than the cell limit (one shared string of 1,000,000,000 characters) is found in the
    stream and refused before any parser holds it.
    """
    formulas = False
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > limits.max_xlsx_entries:
                raise RegisterError(
                    f"{name} holds {len(infos):,} parts, more than the {limits.max_xlsx_entries:,} allowed "
                    "(CASEREVIEW_MAX_XLSX_ENTRIES)"
                )
            total = sum(i.file_size for i in infos)
            if total > limits.max_xlsx_uncompressed_bytes:
                raise RegisterError(
                    f"{name} would expand to {_human(total)}, over the limit of "
                    f"{_human(limits.max_xlsx_uncompressed_bytes)} (CASEREVIEW_MAX_XLSX_UNCOMPRESSED_BYTES)"
                )
            if "xl/workbook.xml" not in {i.filename for i in infos}:
                raise RegisterError(f"{name} is a zip archive but not an Excel workbook")
            block = _block_bytes(limits)
            expanded = 0
            for info in infos:
                if not info.filename.endswith((".xml", ".rels")):
                    continue
                real = 0
                tail = b""
                strings = _strings_scan(info.filename, name, limits)
                kind = _part_kind(info.filename)
                inline = _InlineStringScan(name, limits) if kind == "sheet" else None
                with archive.open(info) as part:
                    while piece := part.read(block):
                        real += len(piece)
                        expanded += len(piece)
                        if real > limits.max_xlsx_part_bytes:
                            raise RegisterError(
                                f"{name}: its part {info.filename} expands to more than "
                                f"{_human(limits.max_xlsx_part_bytes)}, the limit for one part of a workbook "
                                "(CASEREVIEW_MAX_XLSX_PART_BYTES); save the register as CSV"
                            )
                        if kind == "other" and real > limits.max_xlsx_other_part_bytes:
                            raise RegisterError(
                                f"{name}: its part {info.filename} expands to more than "
                                f"{_human(limits.max_xlsx_other_part_bytes)}, the limit for a part of a workbook "
                                "other than its sheets and shared strings (CASEREVIEW_MAX_XLSX_OTHER_PART_BYTES)"
                            )
                        if expanded > limits.max_xlsx_uncompressed_bytes:
                            raise RegisterError(
                                f"{name} expands to more than {_human(limits.max_xlsx_uncompressed_bytes)} "
                                "(CASEREVIEW_MAX_XLSX_UNCOMPRESSED_BYTES)"
                            )
                        if len(piece) == block and b"<" not in piece:
                            where = (
                                "a shared string" if "sharedStrings" in info.filename else "a cell"
                            )
                            raise RegisterError(_cell_limit_message(name, where, limits))
                        if info.filename.startswith("xl/worksheets/") and not formulas:
                            window = tail + piece
                            formulas = b"<f>" in window or b"<f " in window or b"<f/>" in window
                            tail = piece[-3:]
                        if strings is not None:
                            strings.feed(piece)
                        if inline is not None:
                            inline.feed(piece)
                        _check_time(deadline, name, limits)
                    if strings is not None:
                        strings.feed(b"", final=True)
    except zipfile.BadZipFile as exc:
        raise RegisterError(
            f"{name} is named as an Excel workbook but cannot be opened: {exc}"
        ) from exc
    except (OSError, EOFError, zlib.error, zipfile.LargeZipFile, NotImplementedError) as exc:
        raise RegisterError(f"{name} is a damaged workbook: {exc}") from exc
    return formulas


class Reader:
    """Headers plus batches of text rows; use as a context manager."""

    headers: list[str]
    source: SourceFile

    @property
    def limits(self) -> Limits:
        return self.source.limits or Limits(
            max_bytes=0, max_xlsx_uncompressed_bytes=0, max_xlsx_entries=0
        )

    def _check_headers(self) -> None:
        limits = self.limits
        if len(self.headers) > limits.max_columns:
            raise RegisterError(
                f"{self.source.filename} has {len(self.headers):,} columns, more than the "
                f"{limits.max_columns:,} allowed (CASEREVIEW_MAX_IMPORT_COLUMNS)"
            )
        for header in self.headers:
            if len(header) > limits.max_cell_chars:
                raise RegisterError(
                    _cell_limit_message(
                        self.source.filename, f"a header ({quote(header)!r})", limits
                    )
                )

    def _check_progress(self, rows: int) -> None:
        limits = self.limits
        _check_time(self.source.deadline, self.source.filename, limits)
        if rows > limits.max_rows:
            raise RegisterError(
                f"{self.source.filename} has more than {limits.max_rows:,} rows, the most an import may have "
                "(CASEREVIEW_MAX_IMPORT_ROWS)"
            )

    def _long_cells(self, batch: pl.DataFrame, names: list[str]) -> None:
        """Refuse a batch holding a value over the cell limit, with a row error quoting a prefix of each."""
        limit = self.limits.max_cell_chars
        flags = batch.select(
            [(pl.col(n).str.len_chars() > limit).fill_null(False).any().alias(n) for n in names]
        )
        over = [n for n in names if flags[n][0]]
        if not over:
            return
        errors: list[RowError] = []
        for n in over:
            bad = batch.filter(pl.col(n).str.len_chars() > limit).select(
                pl.col(LINE), pl.col(n).str.slice(0, QUOTE_CHARS + 1)
            )
            header = self.headers[int(n[1:])]
            errors += [
                RowError(
                    int(line),
                    quote(header),
                    value,
                    f"longer than the {limit:,} characters a value may have "
                    "(CASEREVIEW_MAX_CELL_CHARS)",
                )
                for line, value in bad.head(1000).iter_rows()
            ]
        raise StructureError(errors, "a value is longer than CASEREVIEW_MAX_CELL_CHARS")

    def batches(self, rows: int) -> Iterator[pl.DataFrame]:
        raise NotImplementedError

    def close(self) -> None:
        return None

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _detect_separator(header_line: str) -> str:
    counts = {sep: header_line.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda k: counts[k]) if any(counts.values()) else ","


class CsvReader(Reader):
    """CSV through polars' batched reader; non-UTF-8 files are transcoded first."""

    def __init__(self, source: SourceFile, *, tmp_dir: Path | None = None) -> None:
        self.source = source
        self._tmp: Path | None = None
        path = source.path
        if source.encoding in ("cp1252", "utf-16"):
            fd, name = tempfile.mkstemp(suffix=".csv", dir=tmp_dir)
            self._tmp = Path(name)
            with (
                os.fdopen(fd, "w", encoding="utf-8", newline="") as out,
                source.path.open(encoding=source.encoding, errors="strict", newline="") as src,
            ):
                lines = 0
                try:
                    while text := src.read(CHUNK):
                        if (
                            nul := text.find("\x00")
                        ) >= 0:  # UTF-16 text: inspect_file saw only bytes
                            self.close()
                            line = lines + text.count("\n", 0, nul) + 1
                            raise RegisterError(
                                f"{source.filename}: line {line:,} holds a NUL character (\\x00), which text never does; "
                                "save the register as CSV again from the program that made it"
                            )
                        lines += text.count("\n")
                        out.write(text)
                except UnicodeDecodeError as exc:
                    raise RegisterError(
                        f"{source.filename} is neither UTF-8 nor Windows-1252 text; "
                        "save it as CSV UTF-8 from Excel"
                    ) from exc
            path = self._tmp
        self.path = path
        with path.open(encoding="utf-8-sig", newline="") as fh:
            self.separator = _detect_separator(fh.readline(65536))
            fh.seek(0)
            reader = csv.reader(fh, delimiter=self.separator, strict=True)
            try:
                first = next(reader, None)
            except csv.Error as exc:
                self.close()
                if "field larger than field limit" in str(exc):
                    raise RegisterError(
                        _cell_limit_message(source.filename, "a header", self.limits)
                    ) from exc
                raise RegisterError(
                    f"{source.filename}: the header row cannot be read as CSV: {exc}"
                ) from exc
            self.header_lines = reader.line_num
        if not first:
            self.close()
            raise RegisterError(f"{source.filename} has no header row")
        self.headers = [h.strip() for h in first]
        try:
            self._check_headers()
            _check_fields(path, self.separator, source.filename, self.limits, source.deadline)
        except RegisterError:
            self.close()
            raise

    def batches(self, rows: int) -> Iterator[pl.DataFrame]:
        names = [source_key(i) for i in range(len(self.headers))]
        lazy = pl.scan_csv(
            self.path,
            separator=self.separator,
            has_header=True,
            new_columns=names,
            infer_schema=False,
            missing_columns="insert",
            raise_if_empty=False,
        )
        next_line = self.header_lines + 1
        seen = 0
        try:
            for batch in lazy.collect_batches(chunk_size=rows):
                seen += batch.height
                self._check_progress(seen)
                # A record starts on the line after the previous one ends; quoted
                # fields with newlines make records span several lines.
                if self.source.has_quotes:
                    extra = pl.sum_horizontal(
                        [
                            pl.col(n).str.count_matches("\n", literal=True).fill_null(0)
                            for n in names
                        ]
                    )
                    spans = batch.select((extra + 1).cast(pl.Int64).alias("s"))["s"]
                else:
                    spans = pl.repeat(1, batch.height, dtype=pl.Int64, eager=True)
                starts = spans.cum_sum() - spans + next_line
                next_line += int(spans.sum())
                batch = batch.with_columns(starts.alias(LINE))
                self._long_cells(batch, names)
                yield batch
        except pl.exceptions.PolarsError as exc:
            raise StructureError(self._structural_errors(), str(exc)) from exc

    def _structural_errors(self) -> list[RowError]:
        """Find rows with more fields than the header, with their lines (slow path, errors only)."""
        errors: list[RowError] = []
        width = len(self.headers)
        with self.path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, delimiter=self.separator, strict=True)
            start = 1
            try:
                for record in reader:
                    if len(record) > width:
                        errors.append(
                            RowError(
                                start, "", "", f"{len(record)} fields, but the header has {width}"
                            )
                        )
                    start = reader.line_num + 1
            except csv.Error as exc:
                if "field larger than field limit" in str(exc):
                    reason = (
                        f"holds a value longer than the {self.limits.max_cell_chars:,} characters a value may "
                        "have (CASEREVIEW_MAX_CELL_CHARS)"
                    )
                elif "unexpected end of data" in str(exc) or "EOF" in str(exc):
                    reason = (
                        'a quoted value is never closed (a " is missing); the file ends inside it'
                    )
                else:
                    reason = f"cannot be read as CSV: {exc}"
                errors.append(RowError(start, "", "", reason))
        return errors

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)


class StructureError(Exception):
    """The CSV's structure is broken (ragged rows, bad quoting)."""

    def __init__(self, errors: list[RowError], detail: str) -> None:
        super().__init__(detail)
        self.errors = errors
        self.detail = detail


def excel_cell_text(value: Any) -> str | None:
    """An Excel cell as the text a person sees: 20240001 not 20240001.0, dates as ISO dates."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value)


class XlsxReader(Reader):
    """openpyxl's streaming (read-only) reader, after ``_check_xlsx_container`` has bounded every part.

    Formula cells without a cached value (a workbook saved by a program that does not calculate) would
    read as empty; when the sheet has formulas a second stream reads the formulas alongside, so those
    cells become row errors instead of silent blanks.
    """

    def __init__(self, source: SourceFile, *, sheet: str | None) -> None:
        import openpyxl  # imported here: CSV imports never pay for it

        self.source = source
        self._formula_book: Any = None
        try:
            self._book = openpyxl.load_workbook(source.path, read_only=True, data_only=True)
            if source.has_formulas:
                self._formula_book = openpyxl.load_workbook(
                    source.path, read_only=True, data_only=False
                )
        except Exception as exc:  # openpyxl raises many types for damaged files
            raise RegisterError(f"{source.filename} cannot be opened as a workbook: {exc}") from exc
        if sheet is None:
            self._sheet = self._book.worksheets[0]
        elif sheet in self._book.sheetnames:
            self._sheet = self._book[sheet]
        else:
            names = ", ".join(self._book.sheetnames)
            self._book.close()
            raise RegisterError(
                f"{source.filename} has no sheet {sheet!r}; its sheets are: {names}"
            )
        self._rows = self._sheet.iter_rows(values_only=True)
        self._formulas: Iterator[tuple[Any, ...]] | None = None
        if self._formula_book is not None:
            self._formulas = self._formula_book[self._sheet.title].iter_rows(values_only=True)
            next(self._formulas, None)
        header = next(self._rows, None)
        if not header or all(v is None for v in header):
            self.close()
            raise RegisterError(
                f"{source.filename}: the first row of the sheet must be the header row"
            )
        if len(header) > self.limits.max_columns and any(
            v is not None for v in header[self.limits.max_columns :]
        ):
            self.close()
            raise RegisterError(
                f"{source.filename} has more than {self.limits.max_columns:,} columns, the most allowed "
                "(CASEREVIEW_MAX_IMPORT_COLUMNS)"
            )
        headers = [excel_cell_text(v) or "" for v in header[: self.limits.max_columns]]
        while headers and headers[-1] == "":
            headers.pop()
        self.headers = [h.strip() for h in headers]
        try:
            self._check_headers()
        except RegisterError:
            self.close()
            raise

    def batches(self, rows: int) -> Iterator[pl.DataFrame]:
        try:
            yield from self._batches(rows)
        except (RegisterError, StructureError):
            raise
        except Exception as exc:  # a damaged sheet: openpyxl and its XML parser raise many types
            raise RegisterError(
                f"{self.source.filename}: the sheet cannot be read: {quote(str(exc))}"
            ) from exc

    def _batches(self, rows: int) -> Iterator[pl.DataFrame]:
        width = len(self.headers)
        max_line = self.limits.max_rows + 1
        names = [source_key(i) for i in range(width)]
        columns: list[list[str | None]] = [[] for _ in names]
        lines: list[int] = []
        no_value: list[RowError] = []
        for line, row in enumerate(self._rows, start=2):
            if line % 1000 == 0 or line > max_line:
                self._check_progress(line - 1)
            formulas = next(self._formulas, ()) if self._formulas is not None else ()
            values = list(row[:width]) + [None] * (width - len(row))
            overflow = [v for v in row[width:] if v is not None]
            if overflow:
                raise StructureError(
                    [RowError(line, "", "", "has values beyond the last headed column")],
                    "ragged row",
                )
            for i, formula in enumerate(formulas[:width]):
                if values[i] is None and isinstance(formula, str) and formula.startswith("="):
                    no_value.append(
                        RowError(
                            line,
                            quote(self.headers[i]),
                            formula,
                            "a formula without a saved value; open the workbook in Excel, let it calculate, and save it",
                        )
                    )
            for column, value in zip(columns, values, strict=True):
                column.append(excel_cell_text(value))
            lines.append(line)
            if len(no_value) >= 1000:
                no_value.append(
                    RowError(
                        0, "", "", "reading stopped after 1,000 formula cells without saved values"
                    )
                )
                break
            if len(lines) >= rows:
                yield self._checked(names, columns, lines)
                columns = [[] for _ in names]
                lines = []
        if no_value:
            raise StructureError(no_value, "formula cells without saved values")
        if lines:
            yield self._checked(names, columns, lines)

    def _checked(
        self, names: list[str], columns: list[list[str | None]], lines: list[int]
    ) -> pl.DataFrame:
        frame = self._frame(names, columns, lines)
        self._long_cells(frame, names)
        return frame

    @staticmethod
    def _frame(names: list[str], columns: list[list[str | None]], lines: list[int]) -> pl.DataFrame:
        data: dict[str, Any] = dict(zip(names, columns, strict=True))
        data[LINE] = lines
        schema: dict[str, Any] = {n: pl.String for n in names}
        schema[LINE] = pl.Int64
        return pl.DataFrame(data, schema=schema)

    def close(self) -> None:
        self._book.close()
        if self._formula_book is not None:
            self._formula_book.close()


def open_reader(
    source: SourceFile, *, sheet: str | None = None, tmp_dir: Path | None = None
) -> Reader:
    if source.file_type == "xlsx":
        return XlsxReader(source, sheet=sheet)
    if sheet is not None:
        raise RegisterError("--sheet applies to Excel workbooks only")
    return CsvReader(source, tmp_dir=tmp_dir)
