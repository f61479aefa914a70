"""The journal's hash chain.

Every operation on case data is logged (DPA 2018 s.62: collection,
alteration, consultation, disclosure, combination, erasure).  Each entry's
digest covers its content and the previous entry's digest, so altering,
inserting or removing an entry breaks every digest after it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

GENESIS = "0" * 64


class Operation(StrEnum):
    COLLECTION = "collection"
    ALTERATION = "alteration"
    CONSULTATION = "consultation"
    DISCLOSURE = "disclosure"
    COMBINATION = "combination"
    ERASURE = "erasure"
    ADMINISTRATION = "administration"  # users, bodies: no case data


def canonical(payload: Mapping[str, object]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_digest(previous: str, payload: Mapping[str, object]) -> str:
    return hashlib.sha256((previous + canonical(payload)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    position: int
    reason: str


def verify_chain(entries: Iterable[tuple[Mapping[str, object], str, str]]) -> ChainBreak | None:
    """Check (payload, previous, digest) triples in order; the first break, or None."""
    expected_previous = GENESIS
    for position, (payload, previous, digest) in enumerate(entries):
        if previous != expected_previous:
            return ChainBreak(position, "entry does not follow the one before it")
        if entry_digest(previous, payload) != digest:
            return ChainBreak(position, "entry content does not match its digest")
        expected_previous = digest
    return None
