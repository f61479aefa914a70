"""The register import pipeline: read, validate, pseudonymise, load, all or nothing.

Runs inside the caller's database transaction.  Rows are loaded batch by
batch while the file is still being checked; the first error stops loading,
checking goes on to the end so the report lists every bad row, and the caller
rolls the transaction back.  Memory holds one batch plus each row's
``case_ref`` (for the duplicate check across the whole file); the error list
is bounded (``ErrorReport``: the first N of each column and kind, counts for
the rest), so a file of millions of bad rows costs no more than a good one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from casereview.domain.errors import Refused
from casereview.domain.language import gettext_lazy, ngettext_lazy
from casereview.domain.pseudonyms import IdentifierKind, Pseudonymiser
from casereview.domain.register_rows import (
    DateRange,
    duplicate_ref_errors,
    duplicate_ref_report,
    has_identifiers,
    validate_batch,
)
from casereview.domain.registers import (
    LINE,
    STORED_COLUMNS,
    ErrorReport,
    HeaderMapping,
    Profile,
    RowError,
    error_order,
    map_headers,
    row_problem,
)

from .checkpoints import checkpoint
from .limits import StructureError
from .loaders import Sink, SinkRejected
from .reader_base import Reader

#: Every row's case_ref is kept for the duplicate check across the whole file;
#: compacting the kept batches keeps that to about 24 bytes a row.
REFS_COMPACT_EVERY = 10

#: Checking stops once this many times the errors kept per kind have been found (100,000 by default).
STOP_AFTER_KINDS = 100


@dataclass
class ImportOutcome:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    unmapped: tuple[str, ...] = ()
    #: every problem found, including those only counted in ``errors``' "and N more" lines
    error_total: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class StorageShaper:
    """Turns validated batches into storage shape: identifiers replaced by pseudonyms."""

    def __init__(self, key: bytes | None) -> None:
        self.key = key
        self._child = Pseudonymiser(key=key, kind=IdentifierKind.CHILD) if key else None
        self._suspect = Pseudonymiser(key=key, kind=IdentifierKind.SUSPECT) if key else None

    def __call__(self, frame: pl.DataFrame) -> pl.DataFrame:
        return storage_frame(frame, key=self.key, child=self._child, suspect=self._suspect)


def storage_frame(
    frame: pl.DataFrame,
    *,
    key: bytes | None,
    child: Pseudonymiser | None = None,
    suspect: Pseudonymiser | None = None,
) -> pl.DataFrame:
    """A validated batch in storage shape: identifiers replaced by pseudonyms."""
    out = frame.drop(LINE)
    if key is not None:
        child = child or Pseudonymiser(key=key, kind=IdentifierKind.CHILD)
        suspect = suspect or Pseudonymiser(key=key, kind=IdentifierKind.SUSPECT)
        out = out.with_columns(child(out["child_id"]), suspect(out["suspect_id"]))
    else:  # no key: validation guarantees these are empty
        out = out.with_columns(
            pl.lit(None, dtype=pl.String).alias("child_id"),
            pl.lit(None, dtype=pl.String).alias("suspect_id"),
        )
    return out.rename({"child_id": "child_pseudonym", "suspect_id": "suspect_pseudonym"}).select(
        STORED_COLUMNS
    )


class _Run:
    """One import's state while its batches go by: the errors, every row's case_ref, and whether
    batches are still being loaded (until the first problem, or the sink refuses one)."""

    def __init__(
        self,
        *,
        mapping: HeaderMapping,
        profile: Profile,
        dates: DateRange,
        key: bytes | None,
        sink: Sink,
        max_errors_per_kind: int,
    ) -> None:
        self.mapping, self.profile, self.dates, self.key, self.sink = (
            mapping,
            profile,
            dates,
            key,
            sink,
        )
        self.errors = ErrorReport(max_errors_per_kind)
        self.shape = StorageShaper(key)
        self.refs: list[pl.DataFrame] = []
        self.loading = True
        self.batches_loaded = 0
        self.rejected: SinkRejected | None = None

    def take(self, raw: pl.DataFrame) -> tuple[int, bool]:
        """Check one batch and load it while everything so far is good; its rows, and whether it holds
        identifiers that cannot be imported without a key (checking then stops)."""
        checked = validate_batch(raw, self.mapping, self.profile, dates=self.dates)
        self.errors.add(checked.errors)
        for column, reason, count in checked.omitted:
            self.errors.add_omitted(column, reason, count)
        frame = checked.frame
        batch_refs = frame.select("case_ref", LINE)
        self.refs.append(batch_refs)
        if len(self.refs) >= REFS_COMPACT_EVERY:
            self.refs = [pl.concat(self.refs, rechunk=True)]
        key_missing = self.key is None and has_identifiers(frame)
        if key_missing:
            self.errors.add([_key_missing_error(frame)])
        if batch_refs["case_ref"].is_duplicated().any():
            self.loading = False
        if self.loading and not self.errors and not key_missing:
            self._load(frame)
        else:
            self.loading = False
        return frame.height, key_missing

    def _load(self, frame: pl.DataFrame) -> None:
        try:
            self.sink(self.shape(frame))
        except SinkRejected as exc:
            self.loading = False
            self.rejected = exc
        else:
            self.batches_loaded += 1
            if self.batches_loaded == 1:
                checkpoint("register-import:first-batch")

    def finish(self, rows: int) -> None:
        """The checks over the whole file: duplicate references, and a file with no cases."""
        if self.refs:
            dupes, count = duplicate_ref_report(pl.concat(self.refs), limit=self.errors.per_kind)
            self.errors.add(dupes)
            if dupes:
                self.errors.add_omitted("case_ref", dupes[0].reason, count - len(dupes))
        if rows == 0 and not self.errors:
            self.errors.add([row_problem(0, "", "", gettext_lazy("the register has no cases"))])
        if self.rejected is not None and not self.errors:
            raise self.rejected  # the database refused something validation did not foresee


def _key_missing_error(frame: pl.DataFrame) -> RowError:
    first = frame.filter(pl.col("child_id").is_not_null() | pl.col("suspect_id").is_not_null())[
        LINE
    ][0]
    return row_problem(
        int(first),
        "child_id",
        "",
        gettext_lazy("identifiers cannot be imported until CASEREVIEW_PSEUDONYM_KEY is set"),
    )


def _check_batches(
    reader: Reader,
    run: _Run,
    outcome: ImportOutcome,
    *,
    batch_rows: int,
    progress: Callable[[int], None] | None,
    stop_after: int,
) -> None:
    """Every batch through ``run``, counting rows, until the file ends or enough problems are found."""
    stopped_after = 0  # the line where checking stopped, once enough problems are found
    for raw in reader.batches(batch_rows):
        if stopped_after:
            # Enough to act on: checking millions more bad rows would only cost time (4,000,000 took 12 s).
            run.errors.add(
                [
                    row_problem(
                        0,
                        "",
                        "",
                        ngettext_lazy(
                            "checking stopped at line %(line)s after %(shown)s problems; the rest of "
                            "the file was not checked",
                            "checking stopped at line %(line)s after %(shown)s problems; the rest of "
                            "the file was not checked",
                            run.errors.total,
                            line=f"{stopped_after:,}",
                            shown=f"{run.errors.total:,}",
                        ),
                    )
                ]
            )
            break
        rows, key_missing = run.take(raw)
        outcome.rows += rows
        if progress is not None:
            progress(rows)
        if key_missing:
            break
        if run.errors.total >= stop_after and raw.height:
            stopped_after = int(raw[LINE][-1])


def run_import(
    reader: Reader,
    *,
    profile: Profile,
    key: bytes | None,
    sink: Sink,
    batch_rows: int,
    progress: Callable[[int], None] | None = None,
    dates: DateRange | None = None,
    max_errors_per_kind: int = 1000,
) -> ImportOutcome:
    """``dates``: the plausible range of register dates (by default 1990 to a year after today)."""
    dates = dates or DateRange.for_import(
        dt.datetime.now(dt.UTC).astimezone().date()
    )  # today, local time
    mapping = map_headers(reader.headers, profile)
    outcome = ImportOutcome(unmapped=mapping.unmapped)
    if mapping.errors:
        outcome.errors = sorted(mapping.errors, key=error_order)
        outcome.error_total = len(outcome.errors)
        return outcome
    run = _Run(
        mapping=mapping,
        profile=profile,
        dates=dates,
        key=key,
        sink=sink,
        max_errors_per_kind=max_errors_per_kind,
    )
    try:
        _check_batches(
            reader,
            run,
            outcome,
            batch_rows=batch_rows,
            progress=progress,
            stop_after=STOP_AFTER_KINDS * max_errors_per_kind,
        )
    except StructureError as exc:
        structural = ErrorReport(max_errors_per_kind)
        structural.add(exc.errors or [_unreadable_csv(exc.detail)])
        outcome.errors, outcome.error_total = structural.rows(), structural.total
        return outcome
    run.finish(outcome.rows)
    outcome.errors, outcome.error_total = run.errors.rows(), run.errors.total
    return outcome


def read_cases(
    reader: Reader, *, profile: Profile, batch_rows: int, columns: tuple[str, ...]
) -> pl.DataFrame:
    """A register file's validated cases (the given columns), without storing anything.

    Used to re-derive a sample from the raw file; a file with bad rows is refused
    exactly as an import would refuse it.
    """
    mapping = map_headers(reader.headers, profile)
    if mapping.errors:
        raise RegisterFileInvalid(sorted(mapping.errors, key=error_order))
    frames: list[pl.DataFrame] = []
    errors: list[RowError] = []
    try:
        for raw in reader.batches(batch_rows):
            checked = validate_batch(raw, mapping, profile)
            errors += checked.errors
            frames.append(checked.frame.select(LINE, *columns))
    except StructureError as exc:
        raise RegisterFileInvalid(exc.errors or [RowError(0, "", "", exc.detail)]) from exc
    cases = pl.concat(frames) if frames else pl.DataFrame()
    if frames:
        errors += duplicate_ref_errors(cases.select("case_ref", LINE))
    if errors:
        raise RegisterFileInvalid(sorted(errors, key=error_order))
    return cases.drop(LINE)


def _unreadable_csv(detail: object) -> RowError:
    """The file's structure is broken where no line could be named: the reader's own words (the csv
    module's or polars', English only) are quoted as they are."""
    return row_problem(0, "", "", gettext_lazy("cannot be read as CSV: %(detail)s", detail=detail))


class RegisterFileInvalid(Refused):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(
            ngettext_lazy(
                "%(shown)s problem in the register file",
                "%(shown)s problems in the register file",
                len(errors),
                shown=f"{len(errors):,}",
            )
        )
        self.errors = errors
