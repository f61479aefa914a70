"""Reading register files: CSV (UTF-8, UTF-8 with BOM, UTF-16, Windows-1252) and XLSX.

Files are checked before parsing (``sources.inspect_file``: size, type against extension, XLSX
decompression bombs), then read in batches so memory stays flat however long the file is.  A hostile
file is ordinary input: every limit (``limits.Limits``, from settings) is checked while streaming, so a
file over one is refused at once, in bounded memory, with a message naming the limit.  XLSX parts are
inflated and measured for real (``xlsx_container``; declared sizes can lie) before openpyxl's streaming
reader sees them; no cell longer than the cell limit is ever loaded whole.  Every batch is a polars
frame of text columns (``reader_base.Reader``), with the line where each record starts.
"""

from __future__ import annotations

from pathlib import Path

from casereview.domain.language import gettext_lazy
from casereview.domain.registers import RegisterError

from .csv_reader import CsvReader
from .reader_base import Reader
from .sources import SourceFile
from .xlsx_reader import XlsxReader


def open_reader(
    source: SourceFile, *, sheet: str | None = None, tmp_dir: Path | None = None
) -> Reader:
    if source.file_type == "xlsx":
        return XlsxReader(source, sheet=sheet)
    if sheet is not None:
        raise RegisterError(gettext_lazy("--sheet applies to Excel workbooks only"))
    return CsvReader(source, tmp_dir=tmp_dir)
