"""Reading register files: CSV (UTF-8, UTF-8 with BOM, UTF-16, Windows-1252) and XLSX.

Files are checked before parsing (size, type against extension, XLSX
decompression bombs), then read in batches so memory stays flat however long
the file is.  Every batch is a polars frame of text columns named by position
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
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from casereview.domain.registers import LINE, RegisterError, RowError, source_key

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
            raise RegisterError(f"{name}: the old Excel .xls format is not accepted; save it as .xlsx or CSV")
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
    if ext in XLSX_EXTENSIONS:
        _check_xlsx_container(path, name, limits)

    digest = hashlib.sha256()
    newlines = 0
    quotes = False
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = ext in TEXT_EXTENSIONS
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            newlines += chunk.count(b"\n")
            quotes = quotes or b'"' in chunk
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
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
    )


def _check_xlsx_container(path: Path, name: str, limits: Limits) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > limits.max_xlsx_entries:
                raise RegisterError(
                    f"{name} holds {len(infos):,} parts, more than the {limits.max_xlsx_entries:,} allowed"
                )
            total = sum(i.file_size for i in infos)
            if total > limits.max_xlsx_uncompressed_bytes:
                raise RegisterError(
                    f"{name} would expand to {_human(total)}, over the limit of "
                    f"{_human(limits.max_xlsx_uncompressed_bytes)}"
                )
            if "xl/workbook.xml" not in {i.filename for i in infos}:
                raise RegisterError(f"{name} is a zip archive but not an Excel workbook")
    except zipfile.BadZipFile as exc:
        raise RegisterError(f"{name} is named as an Excel workbook but cannot be opened: {exc}") from exc


class Reader:
    """Headers plus batches of text rows; use as a context manager."""

    headers: list[str]

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
                try:
                    while text := src.read(CHUNK):
                        out.write(text)
                except UnicodeDecodeError as exc:
                    raise RegisterError(
                        f"{source.filename} is neither UTF-8 nor Windows-1252 text; "
                        "save it as CSV UTF-8 from Excel"
                    ) from exc
            path = self._tmp
        self.path = path
        with path.open(encoding="utf-8-sig", newline="") as fh:
            self.separator = _detect_separator(fh.readline())
            fh.seek(0)
            reader = csv.reader(fh, delimiter=self.separator)
            first = next(reader, None)
            self.header_lines = reader.line_num
        if not first:
            raise RegisterError(f"{source.filename} has no header row")
        self.headers = [h.strip() for h in first]

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
        try:
            for batch in lazy.collect_batches(chunk_size=rows):
                # A record starts on the line after the previous one ends; quoted
                # fields with newlines make records span several lines.
                if self.source.has_quotes:
                    extra = pl.sum_horizontal(
                        [pl.col(n).str.count_matches("\n", literal=True).fill_null(0) for n in names]
                    )
                    spans = batch.select((extra + 1).cast(pl.Int64).alias("s"))["s"]
                else:
                    spans = pl.repeat(1, batch.height, dtype=pl.Int64, eager=True)
                starts = spans.cum_sum() - spans + next_line
                next_line += int(spans.sum())
                yield batch.with_columns(starts.alias(LINE))
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
                            RowError(start, "", "", f"{len(record)} fields, but the header has {width}")
                        )
                    start = reader.line_num + 1
            except csv.Error as exc:
                errors.append(RowError(start, "", "", f"cannot be read as CSV: {exc}"))
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
    def __init__(self, source: SourceFile, *, sheet: str | None) -> None:
        import openpyxl  # imported here: CSV imports never pay for it

        self.source = source
        try:
            self._book = openpyxl.load_workbook(source.path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for damaged files
            raise RegisterError(f"{source.filename} cannot be opened as a workbook: {exc}") from exc
        if sheet is None:
            self._sheet = self._book.worksheets[0]
        elif sheet in self._book.sheetnames:
            self._sheet = self._book[sheet]
        else:
            names = ", ".join(self._book.sheetnames)
            self._book.close()
            raise RegisterError(f"{source.filename} has no sheet {sheet!r}; its sheets are: {names}")
        self._rows = self._sheet.iter_rows(values_only=True)
        header = next(self._rows, None)
        if not header or all(v is None for v in header):
            self._book.close()
            raise RegisterError(f"{source.filename}: the first row of the sheet must be the header row")
        headers = [excel_cell_text(v) or "" for v in header]
        while headers and headers[-1] == "":
            headers.pop()
        self.headers = [h.strip() for h in headers]

    def batches(self, rows: int) -> Iterator[pl.DataFrame]:
        width = len(self.headers)
        names = [source_key(i) for i in range(width)]
        columns: list[list[str | None]] = [[] for _ in names]
        lines: list[int] = []
        for line, row in enumerate(self._rows, start=2):
            values = list(row[:width]) + [None] * (width - len(row))
            overflow = [v for v in row[width:] if v is not None]
            if overflow:
                raise StructureError(
                    [RowError(line, "", "", "has values beyond the last headed column")], "ragged row"
                )
            for column, value in zip(columns, values, strict=True):
                column.append(excel_cell_text(value))
            lines.append(line)
            if len(lines) >= rows:
                yield self._frame(names, columns, lines)
                columns = [[] for _ in names]
                lines = []
        if lines:
            yield self._frame(names, columns, lines)

    @staticmethod
    def _frame(names: list[str], columns: list[list[str | None]], lines: list[int]) -> pl.DataFrame:
        data: dict[str, Any] = dict(zip(names, columns, strict=True))
        data[LINE] = lines
        schema: dict[str, Any] = {n: pl.String for n in names}
        schema[LINE] = pl.Int64
        return pl.DataFrame(data, schema=schema)

    def close(self) -> None:
        self._book.close()


def open_reader(source: SourceFile, *, sheet: str | None = None, tmp_dir: Path | None = None) -> Reader:
    if source.file_type == "xlsx":
        return XlsxReader(source, sheet=sheet)
    if sheet is not None:
        raise RegisterError("--sheet applies to Excel workbooks only")
    return CsvReader(source, tmp_dir=tmp_dir)
