"""CSV registers (UTF-8, UTF-8 with BOM, UTF-16, Windows-1252) read in batches through polars.

Non-UTF-8 files are transcoded first; a field longer than the cell limit is refused from the bytes, for
the file's real separator and quoting, before polars reads any of it.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from casereview.domain.language import gettext_lazy
from casereview.domain.registers import LINE, RegisterError, RowError, row_problem, source_key

from .limits import CHUNK, Limits, StructureError, block_bytes, cell_limit_message, check_time
from .reader_base import Reader
from .sources import SourceFile


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
    block = block_bytes(limits)
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
                    where = "quoted line" if quoted else "line"
                    raise RegisterError(cell_limit_message(name, where, limits, line=f"{line:,}"))
                check_time(deadline, name, limits)
            lines += blk.count(b"\n")
            inside = inside != bool(quotes % 2)
            after_quote = blk.endswith(b'"')


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
                                gettext_lazy(
                                    "%(file)s: line %(line)s holds a NUL character (\\x00), which "
                                    "text never does; save the register as CSV again from the "
                                    "program that made it",
                                    file=source.filename,
                                    line=f"{line:,}",
                                )
                            )
                        lines += text.count("\n")
                        out.write(text)
                except UnicodeDecodeError as exc:
                    raise RegisterError(
                        gettext_lazy(
                            "%(file)s is neither UTF-8 nor Windows-1252 text; save it as CSV UTF-8 "
                            "from Excel",
                            file=source.filename,
                        )
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
                        cell_limit_message(source.filename, "header", self.limits)
                    ) from exc
                raise RegisterError(
                    gettext_lazy(
                        "%(file)s: the header row cannot be read as CSV: %(detail)s",
                        file=source.filename,
                        detail=exc,
                    )
                ) from exc
            self.header_lines = reader.line_num
        if not first:
            self.close()
            raise RegisterError(gettext_lazy("%(file)s has no header row", file=source.filename))
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
                            row_problem(
                                start,
                                "",
                                "",
                                gettext_lazy(
                                    "%(fields)s fields, but the header has %(width)s",
                                    fields=len(record),
                                    width=width,
                                ),
                            )
                        )
                    start = reader.line_num + 1
            except csv.Error as exc:
                if "field larger than field limit" in str(exc):
                    reason = gettext_lazy(
                        "holds a value longer than the %(most)s characters a value may have "
                        "(CASEREVIEW_MAX_CELL_CHARS)",
                        most=f"{self.limits.max_cell_chars:,}",
                    )
                elif "unexpected end of data" in str(exc) or "EOF" in str(exc):
                    reason = gettext_lazy(
                        'a quoted value is never closed (a " is missing); the file ends inside it'
                    )
                else:
                    reason = gettext_lazy("cannot be read as CSV: %(detail)s", detail=exc)
                errors.append(row_problem(start, "", "", reason))
        return errors

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
