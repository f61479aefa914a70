"""Running the import pipeline on real files without a database: a list sink."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from casereview.domain.pseudonyms import derive_key
from casereview.importing.limits import Limits
from casereview.importing.pipeline import ImportOutcome, run_import
from casereview.importing.profiles import load_profile
from casereview.importing.readers import open_reader
from casereview.importing.sources import inspect_file

LIMITS = Limits(
    max_bytes=50 * 1024**2, max_xlsx_uncompressed_bytes=100 * 1024**2, max_xlsx_entries=100
)
KEY = derive_key("unit-test-key-synthetic-only-0123456789")
HEADER = "case_ref,category,reported_on,unit\n"


def import_file(
    path: Path, *, batch_rows: int = 3, sheet: str | None = None, limits: Limits = LIMITS
) -> tuple[ImportOutcome, list[pl.DataFrame]]:
    source = inspect_file(path, limits=limits)
    stored: list[pl.DataFrame] = []
    with open_reader(source, sheet=sheet, tmp_dir=path.parent) as reader:
        outcome = run_import(
            reader, profile=load_profile(None), key=KEY, sink=stored.append, batch_rows=batch_rows
        )
    return outcome, stored


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path
