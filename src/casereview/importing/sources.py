"""A register file checked before parsing and fingerprinted (SHA-256) in one pass: ``inspect_file``.

Size, type against extension, an XLSX workbook's container (``xlsx_container``), and for text: NUL
bytes, a value longer than the cell limit, and the encoding (UTF-8, UTF-8 with BOM, UTF-16 or
Windows-1252; never a mix).
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from casereview.domain.language import gettext_lazy
from casereview.domain.registers import RegisterError

from .limits import CHUNK, Limits, block_bytes, cell_limit_message, check_time, human
from .xlsx_container import check_xlsx_container

TEXT_EXTENSIONS = frozenset({".csv", ".txt"})
XLSX_EXTENSIONS = frozenset({".xlsx", ".xlsm"})
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls and other OLE documents
_BOM16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

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


def _check_size(name: str, size: int, limits: Limits) -> None:
    if size > limits.max_bytes:
        raise RegisterError(
            gettext_lazy(
                "%(file)s is %(size)s, over the limit of %(most)s; split the register or ask an "
                "administrator to raise CASEREVIEW_MAX_REGISTER_BYTES",
                file=name,
                size=human(size),
                most=human(limits.max_bytes),
            )
        )
    if size == 0:
        raise RegisterError(gettext_lazy("%(file)s is empty", file=name))


def _check_kind(name: str, ext: str, head: bytes) -> None:
    """Refuse an extension that is not accepted, or content that is not what the extension says."""
    if ext not in TEXT_EXTENSIONS | XLSX_EXTENSIONS:
        if ext == ".xls":
            raise RegisterError(
                gettext_lazy(
                    "%(file)s: the old Excel .xls format is not accepted; save it as .xlsx or CSV",
                    file=name,
                )
            )
        raise RegisterError(
            gettext_lazy("%(file)s: only .csv, .txt and .xlsx files can be imported", file=name)
        )
    is_zip = head.startswith(ZIP_MAGIC)
    if ext in XLSX_EXTENSIONS and not is_zip:
        raise RegisterError(
            gettext_lazy(
                "%(file)s is named as an Excel workbook but its content is not one", file=name
            )
        )
    if ext in TEXT_EXTENSIONS:
        if is_zip or head.startswith(OLE_MAGIC):
            raise RegisterError(
                gettext_lazy(
                    "%(file)s is named as a CSV file but its content is a spreadsheet or archive; "
                    "save it as CSV, or import the .xlsx file itself",
                    file=name,
                )
            )
        if b"\x00" in head and not head.startswith(_BOM16):
            raise RegisterError(
                gettext_lazy(
                    "%(file)s is named as a CSV file but its content is not text", file=name
                )
            )


def _check_runs(chunk: bytes, block: int, name: str, lines_before: int, limits: Limits) -> None:
    """Refuse a field (a run with no separator or newline) longer than the cell limit, without reading it."""
    for start in range(0, len(chunk) - block + 1, block):
        end = start + block
        if all(chunk.find(b, start, end) < 0 for b in _FIELD_BREAKS):
            line = lines_before + chunk.count(b"\n", 0, start) + 1
            raise RegisterError(cell_limit_message(name, "line", limits, line=f"{line:,}"))


@dataclass(frozen=True)
class _Scan:
    """What one pass over the bytes found."""

    sha256: str
    newlines: int
    quotes: bool
    utf8: bool  # every byte is UTF-8 (text only)
    multibyte: bool  # valid UTF-8 beyond ASCII seen somewhere
    bad_line: int  # first line that is not UTF-8


def _scan(
    path: Path, name: str, limits: Limits, *, text: bool, bom16: bool, deadline: float
) -> _Scan:
    """Fingerprint the file and count its lines in one pass; for text, refuse a NUL byte or an over-long
    value and find whether it is all UTF-8."""
    digest = hashlib.sha256()
    newlines = 0
    quotes = False
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = text
    multibyte = False
    bad_line = 0
    block = block_bytes(limits)
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            check_time(deadline, name, limits)
            digest.update(chunk)
            if text:
                if not bom16 and (nul := chunk.find(b"\x00")) >= 0:
                    line = newlines + chunk.count(b"\n", 0, nul) + 1
                    raise RegisterError(
                        gettext_lazy(
                            "%(file)s: line %(line)s holds a NUL byte (\\x00), which text never "
                            "does; save the register as CSV again from the program that made it",
                            file=name,
                            line=f"{line:,}",
                        )
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
    return _Scan(digest.hexdigest(), newlines, quotes, utf8, multibyte, bad_line)


def _text_encoding(name: str, head: bytes, scan: _Scan) -> str:
    """The codec a text file is read with; a file that mixes encodings is refused."""
    bom8 = head.startswith(codecs.BOM_UTF8)
    bom16 = head.startswith(_BOM16)
    if not scan.utf8 and scan.multibyte and not bom16 and not bom8:
        raise RegisterError(
            gettext_lazy(
                "%(file)s mixes encodings: some lines are UTF-8 text and line %(line)s is not; "
                "save the whole file as CSV UTF-8 from Excel",
                file=name,
                line=f"{scan.bad_line:,}",
            )
        )
    if not scan.utf8 and bom8:
        raise RegisterError(
            gettext_lazy(
                "%(file)s starts as UTF-8 text but line %(line)s is not UTF-8; "
                "save the whole file as CSV UTF-8 from Excel",
                file=name,
                line=f"{scan.bad_line:,}",
            )
        )
    if bom8:
        return "utf-8-sig"
    if bom16:
        return "utf-16"
    return "utf-8" if scan.utf8 else "cp1252"


def inspect_file(path: Path, *, filename: str | None = None, limits: Limits) -> SourceFile:
    """Check a file before parsing and fingerprint it (SHA-256) in one pass."""
    name = filename or path.name
    ext = Path(name).suffix.lower()
    size = path.stat().st_size
    _check_size(name, size, limits)
    with path.open("rb") as fh:
        head = fh.read(8192)
    _check_kind(name, ext, head)
    deadline = limits.deadline()
    xlsx = ext in XLSX_EXTENSIONS
    has_formulas = check_xlsx_container(path, name, limits, deadline=deadline) if xlsx else False
    scan = _scan(
        path, name, limits, text=not xlsx, bom16=head.startswith(_BOM16), deadline=deadline
    )
    return SourceFile(
        path=path,
        filename=name,
        size=size,
        sha256=scan.sha256,
        file_type="xlsx" if xlsx else "csv",
        encoding="" if xlsx else _text_encoding(name, head, scan),
        line_count=scan.newlines,
        has_quotes=scan.quotes,
        limits=limits,
        deadline=deadline,
        has_formulas=has_formulas,
    )
