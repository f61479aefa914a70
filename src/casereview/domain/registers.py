"""The register schema and the rules a body's case register must meet.

One home for every register rule: which columns exist, which are required,
how a body's own headers and labels map onto them (column-mapping profiles),
how dates are read (UK day-first or ISO, never guessed), and which rows are
bad and why.  Validation is vectorised over polars frames so that a
million-row register is checked in well under a second; nothing here reads
files or touches a database: readers in ``casereview.importing`` hand us
frames of text, and we hand back typed frames and row errors.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import polars as pl


class Category(StrEnum):
    CHILD_SEXUAL_EXPLOITATION = "child_sexual_exploitation"
    CHILD_SEXUAL_ABUSE = "child_sexual_abuse"
    MISSING_CHILD = "missing_child"
    DOMESTIC_ABUSE = "domestic_abuse"
    ONLINE_ABUSE = "online_abuse"
    PHYSICAL_ABUSE = "physical_abuse"
    NEGLECT = "neglect"
    CHILD_CRIMINAL_EXPLOITATION = "child_criminal_exploitation"
    HONOUR_BASED_ABUSE_FGM = "honour_based_abuse_fgm"
    CHILDREN_IN_CUSTODY = "children_in_custody"
    OTHER = "other"


CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)
_LABEL_OVERRIDES = {"honour_based_abuse_fgm": "Honour-based abuse and FGM"}


def category_label(code: str) -> str:
    """The category as a person reads it: 'missing_child' -> 'Missing child'."""
    return _LABEL_OVERRIDES.get(code, code.replace("_", " ").capitalize())


RISK_LEVELS: tuple[str, ...] = ("standard", "medium", "high")
STATUSES: tuple[str, ...] = ("open", "closed")
MAX_CHILD_AGE = 17


class Kind(StrEnum):
    TEXT = "text"
    CODE = "code"
    DATE = "date"
    INT = "int"
    IDENTIFIER = "identifier"  # pseudonymised before storage


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    kind: Kind
    max_length: int | None = None


SCHEMA: tuple[Column, ...] = (
    Column("case_ref", True, Kind.TEXT, 100),
    Column("category", True, Kind.CODE),
    Column("reported_on", True, Kind.DATE),
    Column("unit", True, Kind.TEXT, 200),
    Column("child_id", False, Kind.IDENTIFIER, 200),
    Column("child_age", False, Kind.INT),
    Column("suspect_id", False, Kind.IDENTIFIER, 200),
    Column("location_ref", False, Kind.TEXT, 200),
    Column("risk_level", False, Kind.CODE),
    Column("status", False, Kind.CODE),
    Column("outcome", False, Kind.TEXT, 200),
    Column("closed_on", False, Kind.DATE),
    Column("summary", False, Kind.TEXT, 100_000),
)
COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in SCHEMA)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c.name for c in SCHEMA if c.required)

#: The columns a stored case has, in storage order: identifiers are replaced
#: by their pseudonyms.  Exports use these and never ``summary``.
STORED_COLUMNS: tuple[str, ...] = (
    "case_ref",
    "category",
    "reported_on",
    "unit",
    "child_pseudonym",
    "child_age",
    "suspect_pseudonym",
    "location_ref",
    "risk_level",
    "status",
    "outcome",
    "closed_on",
    "summary",
)
EXPORT_COLUMNS: tuple[str, ...] = tuple(c for c in STORED_COLUMNS if c != "summary")

#: Name of the column readers add to each frame: the physical line (CSV) or
#: row (XLSX) of the file where the record starts, so errors point at it.
LINE = "__line__"

_CODED_VALUES: dict[str, tuple[str, ...]] = {
    "risk_level": RISK_LEVELS,
    "status": STATUSES,
}


class RegisterError(Exception):
    """A problem with a register file as a whole, written for the person importing it."""


@dataclass(frozen=True, order=True)
class RowError:
    """One bad value: where it is in the file and why it is refused."""

    line: int
    column: str
    value: str
    reason: str

    def __post_init__(self) -> None:
        # A report never repeats a whole hostile value (a 250,000,000-character cell made a 250 MB page).
        if len(self.value) > QUOTE_CHARS:
            object.__setattr__(self, "value", quote(self.value))

    def as_dict(self) -> dict[str, str | int]:
        return {
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
        }


#: Error reports quote at most this many characters of a bad value.
QUOTE_CHARS = 80


def quote(value: str) -> str:
    """A short prefix of a value for an error report: the first ``QUOTE_CHARS`` characters and "…"."""
    return value if len(value) <= QUOTE_CHARS else value[:QUOTE_CHARS] + "…"


def error_kind(error: RowError) -> tuple[str, str]:
    """Errors of one kind: the same column and the same reason, whatever numbers it quotes."""
    return error.column, re.sub(r"\d[\d,]*", "#", error.reason)


class ErrorReport:
    """A bounded error list: the first ``per_kind`` errors of each column and kind, counts for the rest.

    A file of 4,000,000 bad rows must not hold 4,000,000 errors in memory (it took 2.8 GB).
    """

    def __init__(self, per_kind: int) -> None:
        self.per_kind = per_kind
        self.total = 0
        self._kept: dict[tuple[str, str], list[RowError]] = {}
        self._omitted: dict[tuple[str, str], tuple[int, str]] = {}

    def add(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            self.total += 1
            kind = error_kind(error)
            kept = self._kept.setdefault(kind, [])
            if len(kept) < self.per_kind:
                kept.append(error)
            else:
                count, reason = self._omitted.get(kind, (0, error.reason))
                self._omitted[kind] = (count + 1, reason)

    def add_omitted(self, column: str, reason: str, count: int) -> None:
        """Errors already counted but never built (their rows were not read into errors)."""
        if count <= 0:
            return
        kind = (column, re.sub(r"\d[\d,]*", "#", reason))
        self.total += count
        previous, first = self._omitted.get(kind, (0, reason))
        self._omitted[kind] = (previous + count, first)

    def __bool__(self) -> bool:
        return self.total > 0

    def rows(self) -> list[RowError]:
        """The kept errors in report order, then one line per kind with how many more there are."""
        kept = sorted(
            (e for errors in self._kept.values() for e in errors),
            key=lambda e: (e.line == 0, error_order(e)),
        )
        more = [
            RowError(0, column, "", f"and {count:,} more like this: {reason}")
            for (column, _), (count, reason) in sorted(self._omitted.items())
        ]
        return kept + more


def error_order(error: RowError) -> tuple[int, int, str]:
    """Report order: by line, then in the schema's column order."""
    position = (
        COLUMN_NAMES.index(error.column) if error.column in COLUMN_NAMES else len(COLUMN_NAMES)
    )
    return (error.line, position, error.reason)


def normalise_label(text: str) -> str:
    """Header and label matching ignores case, spaces, underscores and hyphens."""
    return re.sub(r"[\s_\-]+", "_", text.strip().lower()).strip("_")


@dataclass(frozen=True)
class Profile:
    """Maps one body's headers and labels onto the register schema."""

    name: str
    description: str = ""
    #: normalised source header -> canonical column
    headers: Mapping[str, str] = field(default_factory=dict)
    #: canonical column -> normalised source label -> canonical code
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def _labels_for(column: str, extra: Iterable[str]) -> dict[str, str]:
    return {normalise_label(label): column for label in (column, *extra)}


def _add_labels(
    table: dict[str, str], target: str, labels: object, *, what: str, problems: list[str]
) -> None:
    """Map each label (normalised) to ``target``; a label already mapped elsewhere is a problem."""
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        problems.append(f"{what} must be a list of strings")
        return
    for label in labels:
        key = normalise_label(label)
        if table.get(key, target) != target:
            problems.append(f"{label!r} is mapped to both {table[key]} and {target}")
        table[key] = target


def parse_profile(text: str, *, name: str) -> Profile:
    """Read a profile from TOML text; every problem is reported at once."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegisterError(f"Profile {name!r} is not valid TOML: {exc}") from exc
    problems: list[str] = []
    headers: dict[str, str] = {}
    for column in COLUMN_NAMES:
        headers.update(_labels_for(column, ()))
    for column, labels in dict(data.get("columns", {})).items():
        if column not in COLUMN_NAMES:
            problems.append(f"[columns] names {column!r}, which is not a register column")
            continue
        _add_labels(headers, column, labels, what=f"headers for {column}", problems=problems)
    values: dict[str, dict[str, str]] = {
        "category": {normalise_label(c): c for c in CATEGORIES},
        **{col: {normalise_label(v): v for v in codes} for col, codes in _CODED_VALUES.items()},
    }
    sections: dict[str, object] = {"category": data.get("categories", {})}
    for col, table in dict(data.get("values", {})).items():
        sections[col] = table
    for col, table in sections.items():
        if col not in values:
            problems.append(f"[values.{col}]: only category, risk_level and status have codes")
            continue
        allowed = CATEGORIES if col == "category" else _CODED_VALUES[col]
        if not isinstance(table, dict):
            problems.append(f"labels for {col} must be a table of code = [labels]")
            continue
        for code, labels in table.items():
            if code not in allowed:
                problems.append(f"{code!r} is not a {col} code (allowed: {', '.join(allowed)})")
                continue
            _add_labels(
                values[col], code, labels, what=f"labels for {col} {code!r}", problems=problems
            )
    if problems:
        raise RegisterError(f"Profile {name!r} has problems: " + "; ".join(problems))
    return Profile(
        name=str(data.get("name", name)),
        description=str(data.get("description", "")),
        headers=headers,
        values=values,
    )


def source_key(position: int) -> str:
    """Readers name the file's columns by position, so repeated headers stay apart."""
    return f"c{position}"


@dataclass(frozen=True)
class HeaderMapping:
    """How a file's header row maps onto the schema."""

    #: source key (see ``source_key``) -> canonical column, for mapped columns only
    mapped: Mapping[str, str]
    unmapped: tuple[str, ...]
    errors: tuple[RowError, ...]


def map_headers(headers: Sequence[str], profile: Profile) -> HeaderMapping:
    """Map source headers to canonical columns; unmapped ones are dropped and listed.

    Dropping unmapped columns is a safeguard, not a convenience: it is how a
    column the schema does not allow (ethnicity, religion, names) never
    reaches storage.
    """
    mapped: dict[str, str] = {}
    seen: dict[str, str] = {}
    unmapped: list[str] = []
    errors: list[RowError] = []
    for position, header in enumerate(headers):
        canonical = profile.headers.get(normalise_label(header))
        if canonical is None:
            unmapped.append(header)
            continue
        if canonical in seen:
            errors.append(
                RowError(
                    1, header, header, f"both {seen[canonical]!r} and {header!r} map to {canonical}"
                )
            )
            continue
        seen[canonical] = header
        mapped[source_key(position)] = canonical
    for column in REQUIRED_COLUMNS:
        if column not in seen:
            errors.append(RowError(1, column, "", f"required column {column} is missing"))
    return HeaderMapping(mapped=mapped, unmapped=tuple(unmapped), errors=tuple(errors))


_ISO = r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
_UK = r"^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?: \d{1,2}:\d{2}(?::\d{2})?)?$"


def date_expr(column: str) -> pl.Expr:
    """Parse UK (dd/mm/yyyy, dd/mm/yy) or ISO dates; anything else, or an impossible date, is null.

    Two-digit years are 2000-2099: the registers hold recent cases.  Day
    first is never swapped to month first to rescue a date such as 13/25/2024.
    """
    text = pl.col(column)
    iso = text.str.extract_groups(_ISO)
    uk = text.str.extract_groups(_UK)
    uk_year = uk.struct.field("3")
    year = pl.coalesce(
        iso.struct.field("1"),
        pl.when(uk_year.str.len_chars() == 2).then(pl.lit("20") + uk_year).otherwise(uk_year),
    )
    month = pl.coalesce(iso.struct.field("2"), uk.struct.field("2")).str.zfill(2)
    day = pl.coalesce(iso.struct.field("3"), uk.struct.field("1")).str.zfill(2)
    return pl.concat_str([year, month, day], separator="-").str.strptime(
        pl.Date, "%Y-%m-%d", strict=False
    )


def parse_dates(text: pl.Series) -> pl.Series:
    """``date_expr`` over a column, with a fast path for the usual dd/mm/yyyy and yyyy-mm-dd.

    Only values the fast formats do not read go through the regular expressions.
    """
    fast = pl.select(
        pl.when(text.str.len_bytes() == 10).then(
            pl.coalesce(
                text.str.strptime(pl.Date, "%d/%m/%Y", strict=False),
                text.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
            )
        )
    ).to_series()
    rest = fast.is_null() & text.is_not_null()
    if not rest.any():
        return fast.alias(text.name)
    slow = text.filter(rest).to_frame("v").select(date_expr("v")).to_series()
    return fast.scatter(rest.arg_true(), slow).alias(text.name)


#: The earliest plausible register date by default (``CASEREVIEW_EARLIEST_DATE``).
DEFAULT_EARLIEST_DATE = dt.date(1990, 1, 1)
#: By default a register date may be at most this many years after the import (``CASEREVIEW_LATEST_DATE_YEARS``).
DEFAULT_LATEST_DATE_YEARS = 1


@dataclass(frozen=True)
class DateRange:
    """The plausible dates of a register: a date outside it is a row error, never a case.

    A typo such as 01/01/0001 or 31/12/9999 (or an Excel serial of -1 or 0) would
    otherwise be stored and stretch every per-quarter figure over thousands of years.
    """

    earliest: dt.date
    latest: dt.date

    def __post_init__(self) -> None:
        if self.latest < self.earliest:
            raise ValueError(
                f"the latest plausible date {self.latest} is before the earliest {self.earliest}"
            )

    @classmethod
    def for_import(
        cls,
        import_date: dt.date,
        *,
        earliest: dt.date = DEFAULT_EARLIEST_DATE,
        years_after: int = DEFAULT_LATEST_DATE_YEARS,
    ) -> DateRange:
        """From ``earliest`` to ``years_after`` years after the import date (29 February becomes 28 February)."""
        year = import_date.year + years_after
        try:
            latest = import_date.replace(year=year)
        except ValueError:  # 29 February into a year that has none
            latest = import_date.replace(year=year, day=28)
        return cls(earliest=earliest, latest=latest)

    def describe(self) -> str:
        return f"from {self.earliest:%d/%m/%Y} to {self.latest:%d/%m/%Y}"


def date_range_checks(columns: Sequence[str], dates: DateRange) -> list[Check]:
    """Rows whose parsed date (``_<column>``) lies outside ``dates``, reported against the column."""
    return [
        Check(
            column,
            pl.col(f"_{column}").is_not_null()
            & ~pl.col(f"_{column}").is_between(pl.lit(dates.earliest), pl.lit(dates.latest)),
            f"outside the plausible range of dates: must be {dates.describe()}",
        )
        for column in columns
    ]


@dataclass
class ValidatedBatch:
    """A batch of rows in storage shape (identifiers not yet pseudonymised)."""

    frame: pl.DataFrame
    errors: list[RowError]
    #: (column, reason, count) of errors found but not built: at most ``BATCH_ERRORS_PER_CHECK`` a check
    omitted: list[tuple[str, str, int]] = field(default_factory=list)


#: Row errors built per check and batch; the rest are only counted (a batch of 100,000 bad rows
#: costs one count, not 100,000 objects).
BATCH_ERRORS_PER_CHECK = 1000

#: Columns whose values an error report never repeats: free text and real identifiers.
WITHHELD_IN_ERRORS = frozenset({"summary", "child_id", "suspect_id"})
WITHHELD = "(withheld)"


@dataclass(frozen=True)
class Check:
    """One rule over a batch: rows where ``bad`` holds are reported against ``column``."""

    column: str
    bad: pl.Expr
    reason: str


def _failures(
    frame: pl.DataFrame, checks: Sequence[Check], omitted: list[tuple[str, str, int]] | None = None
) -> list[RowError]:
    """Evaluate every check in one pass; only checks that fail anywhere cost a filter.

    At most ``BATCH_ERRORS_PER_CHECK`` errors a check are built; the rest are counted in ``omitted``.
    """
    flags = frame.select([c.bad.fill_null(False).alias(f"_check{i}") for i, c in enumerate(checks)])
    counts = flags.sum().row(0)
    errors: list[RowError] = []
    for i, (check, count) in enumerate(zip(checks, counts, strict=True)):
        if not count:
            continue
        if omitted is not None and count > BATCH_ERRORS_PER_CHECK:
            omitted.append((check.column, check.reason, int(count) - BATCH_ERRORS_PER_CHECK))
        failing = frame.filter(flags[f"_check{i}"])
        if omitted is not None:
            failing = failing.head(BATCH_ERRORS_PER_CHECK)
        bad = failing.select(
            pl.col(LINE), pl.col(check.column).fill_null("").str.slice(0, QUOTE_CHARS + 1)
        )
        withheld = check.column in WITHHELD_IN_ERRORS
        errors += [
            RowError(
                int(line),
                check.column,
                WITHHELD if withheld and value else str(value),
                check.reason,
            )
            for line, value in bad.iter_rows()
        ]
    return errors


def validate_batch(
    raw: pl.DataFrame, mapping: HeaderMapping, profile: Profile, *, dates: DateRange | None = None
) -> ValidatedBatch:
    """Check one batch of text rows against the schema.

    ``raw`` holds the file's own columns as text and the ``LINE`` column.
    Blank lines (every field empty) are skipped, as a spreadsheet user expects.
    ``dates``, when given, is the plausible range of ``reported_on`` and ``closed_on``.
    """
    stripped = raw.select(
        pl.col(LINE),
        *[
            pl.col(src).str.strip_chars().replace("", None).alias(dst)
            for src, dst in mapping.mapped.items()
        ],
    )
    present = [c for c in COLUMN_NAMES if c in stripped.columns]
    missing = [pl.lit(None, dtype=pl.String).alias(c) for c in COLUMN_NAMES if c not in present]
    frame = stripped.with_columns(missing).filter(
        ~pl.all_horizontal([pl.col(c).is_null() for c in present])
    )

    def coded(column: str) -> pl.Expr:
        table = profile.values[column]
        return (
            pl.col(column)
            .str.to_lowercase()
            .str.replace_all(r"[\s_\-]+", "_")
            .str.strip_chars("_")
            .replace_strict(list(table.keys()), list(table.values()), default=None)
        )

    typed = frame.with_columns(
        coded("category").alias("_category"),
        coded("risk_level").alias("_risk_level"),
        coded("status").alias("_status"),
        parse_dates(frame["reported_on"]).alias("_reported_on"),
        parse_dates(frame["closed_on"]).alias("_closed_on"),
        pl.when(pl.col("child_age").str.contains(r"^\d{1,3}$"))
        .then(pl.col("child_age").cast(pl.Int16, strict=False))
        .alias("_child_age"),
    )

    def unreadable(column: str) -> pl.Expr:
        return pl.col(column).is_not_null() & pl.col(f"_{column}").is_null()

    checks = [Check(c, pl.col(c).is_null(), f"{c} is required") for c in REQUIRED_COLUMNS]
    checks.append(
        Check(
            "category",
            unreadable("category"),
            f"not a known category; use one of {', '.join(CATEGORIES)} or a label in the profile",
        )
    )
    checks += [
        Check(c, unreadable(c), f"must be one of {', '.join(codes)}")
        for c, codes in _CODED_VALUES.items()
    ]
    checks += [
        Check(c, unreadable(c), "not a real date in dd/mm/yyyy, dd/mm/yy or yyyy-mm-dd form")
        for c in ("reported_on", "closed_on")
    ]
    if dates is not None:
        checks += date_range_checks(("reported_on", "closed_on"), dates)
    checks.append(
        Check(
            "child_age",
            pl.col("child_age").is_not_null()
            & (pl.col("_child_age").is_null() | (pl.col("_child_age") > MAX_CHILD_AGE)),
            f"must be a whole number from 0 to {MAX_CHILD_AGE}",
        )
    )
    checks += [
        Check(
            c.name,
            pl.col(c.name).str.len_chars() > c.max_length,
            f"longer than {c.max_length} characters",
        )
        for c in SCHEMA
        if c.max_length is not None
    ]
    checks.append(
        Check("closed_on", pl.col("_closed_on") < pl.col("_reported_on"), "is before reported_on")
    )
    omitted: list[tuple[str, str, int]] = []
    errors = _failures(typed, checks, omitted)
    out = typed.select(
        pl.col(LINE),
        pl.col("case_ref"),
        pl.col("_category").alias("category"),
        pl.col("_reported_on").alias("reported_on"),
        pl.col("unit"),
        pl.col("child_id"),
        pl.col("_child_age").alias("child_age"),
        pl.col("suspect_id"),
        pl.col("location_ref"),
        pl.col("_risk_level").alias("risk_level"),
        pl.col("_status").alias("status"),
        pl.col("outcome"),
        pl.col("_closed_on").alias("closed_on"),
        pl.col("summary"),
    )
    return ValidatedBatch(frame=out, errors=errors, omitted=omitted)


def duplicate_ref_errors(refs: pl.DataFrame) -> list[RowError]:
    """Every row whose ``case_ref`` already appeared earlier in the file.

    ``refs`` has ``case_ref`` and ``LINE`` for the whole file, in file order.
    """
    return duplicate_ref_report(refs, limit=None)[0]


def duplicate_ref_report(refs: pl.DataFrame, *, limit: int | None) -> tuple[list[RowError], int]:
    """The first ``limit`` duplicate rows (all when None) and how many there are in all."""
    dupes = (
        refs.filter(pl.col("case_ref").is_duplicated())
        .with_columns(pl.col(LINE).min().over("case_ref").alias("_first"))
        .filter(pl.col(LINE) != pl.col("_first"))
        .sort(LINE)
    )
    shown = dupes if limit is None else dupes.head(limit)
    errors = [
        RowError(int(line), "case_ref", str(ref), f"duplicate case_ref; first on line {first}")
        for ref, line, first in shown.select("case_ref", LINE, "_first").iter_rows()
    ]
    return errors, dupes.height


def has_identifiers(frame: pl.DataFrame) -> bool:
    """Whether a validated batch carries any child or suspect identifier."""
    return bool(
        frame.select(
            (pl.col("child_id").is_not_null() | pl.col("suspect_id").is_not_null()).any()
        ).item()
    )
