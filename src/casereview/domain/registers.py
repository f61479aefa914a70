"""The register schema and the rules a body's case register must meet.

One home for the register's schema: which columns exist, which are required,
how a body's own headers and labels map onto them (column-mapping profiles),
and how a bad value is reported.  Rows are checked against it in
``casereview.domain.register_rows`` (how dates are read, which rows are bad
and why).  Nothing here reads files or touches a database: readers in
``casereview.importing`` hand us frames of text, and we hand back typed
frames and row errors.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from casereview.domain.errors import Refused
from casereview.domain.language import Phrase, gettext_lazy, ngettext_lazy


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
# A category in words: ``casereview.domain.words`` (``words(Kind.CATEGORY, code)``), the one table.

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

CODED_VALUES: dict[str, tuple[str, ...]] = {
    "risk_level": RISK_LEVELS,
    "status": STATUSES,
}


class RegisterError(Refused):
    """A problem with a register file as a whole, written for the person importing it."""


@dataclass(frozen=True, order=True)
class RowError:
    """One bad value: where it is in the file and why it is refused.

    ``reason`` is the English (the command line, the API, the error report's CSV); ``words`` the same
    sentence as a Phrase when the rule wrote one (``row_problem``), which a page shows in its reader's
    language (``said``)."""

    line: int
    column: str
    value: str
    reason: str
    words: Phrase | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        # A report never repeats a whole hostile value (a 250,000,000-character cell made a 250 MB page).
        if len(self.value) > QUOTE_CHARS:
            object.__setattr__(self, "value", quote(self.value))

    @property
    def said(self) -> Phrase | str:
        """Why the value is refused, as a page shows it: the Phrase when there is one, else the English."""
        return self.words if self.words is not None else self.reason

    def as_dict(self) -> dict[str, str | int]:
        return {
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
        }


def row_problem(line: int, column: str, value: str, words: Phrase) -> RowError:
    """A bad value whose reason is a Phrase: its English is ``reason``, the Phrase shown on pages."""
    return RowError(line, column, value, str(words), words)


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
        self._omitted: dict[tuple[str, str], tuple[int, Phrase | str]] = {}

    def add(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            self.total += 1
            kind = error_kind(error)
            kept = self._kept.setdefault(kind, [])
            if len(kept) < self.per_kind:
                kept.append(error)
            else:
                count, reason = self._omitted.get(kind, (0, error.said))
                self._omitted[kind] = (count + 1, reason)

    def add_omitted(self, column: str, reason: Phrase | str, count: int) -> None:
        """Errors already counted but never built (their rows were not read into errors)."""
        if count <= 0:
            return
        kind = (column, re.sub(r"\d[\d,]*", "#", str(reason)))
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
            row_problem(
                0,
                column,
                "",
                ngettext_lazy(
                    "and %(shown)s more like this: %(reason)s",
                    "and %(shown)s more like this: %(reason)s",
                    count,
                    shown=f"{count:,}",
                    reason=reason,
                ),
            )
            for (column, _), (count, reason) in sorted(self._omitted.items(), key=lambda i: i[0])
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
        **{col: {normalise_label(v): v for v in codes} for col, codes in CODED_VALUES.items()},
    }
    sections: dict[str, object] = {"category": data.get("categories", {})}
    for col, table in dict(data.get("values", {})).items():
        sections[col] = table
    for col, table in sections.items():
        if col not in values:
            problems.append(f"[values.{col}]: only category, risk_level and status have codes")
            continue
        allowed = CATEGORIES if col == "category" else CODED_VALUES[col]
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
                row_problem(
                    1,
                    header,
                    header,
                    gettext_lazy(
                        "both %(first)s and %(second)s map to %(column)s",
                        first=repr(seen[canonical]),
                        second=repr(header),
                        column=canonical,
                    ),
                )
            )
            continue
        seen[canonical] = header
        mapped[source_key(position)] = canonical
    for column in REQUIRED_COLUMNS:
        if column not in seen:
            errors.append(
                row_problem(
                    1,
                    column,
                    "",
                    gettext_lazy("required column %(column)s is missing", column=column),
                )
            )
    return HeaderMapping(mapped=mapped, unmapped=tuple(unmapped), errors=tuple(errors))
