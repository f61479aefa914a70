"""The journal's hash chain and its signed anchors.

Every operation on case data is logged (DPA 2018 s.62: collection,
alteration, consultation, disclosure, combination, erasure), and so are
sign-ins and refusals.  Each entry has a sequence number and a digest over
its content (sequence number included) and the previous entry's digest, so
altering, inserting, removing or reordering entries breaks the chain.  An
anchor is the (sequence number, digest) of the head at some moment, signed
with a key kept outside the database: cutting entries off the end below an
anchor, or rewriting the whole chain, is caught too.
"""

from __future__ import annotations

import hashlib
import hmac
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
    AUTHENTICATION = "authentication"  # sign-in, second factor, lock-out
    ACCESS = "access"  # refusals
    ADMINISTRATION = "administration"  # users, bodies: no case data


def canonical(payload: Mapping[str, object]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_digest(previous: str, payload: Mapping[str, object]) -> str:
    return hashlib.sha256((previous + canonical(payload)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    seq: int
    payload: Mapping[str, object]  # must include "seq"
    previous: str
    digest: str


@dataclass(frozen=True)
class Anchor:
    seq: int
    digest: str
    signature: str


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def anchor_signature(key: bytes, seq: int, digest: str) -> str:
    return hmac.new(key, f"casereview-journal:{seq}:{digest}".encode(), hashlib.sha256).hexdigest()


def verify_chain(
    entries: Iterable[Entry], *, anchor: Anchor | None = None, key: bytes | None = None
) -> ChainBreak | None:
    """Check entries in sequence order; the first break, or None when the chain is whole."""
    expected_previous = GENESIS
    expected_seq = 1
    anchored = anchor is None
    for entry in entries:
        if entry.seq != expected_seq:
            missing = "missing" if entry.seq > expected_seq else "out of order"
            return ChainBreak(expected_seq, f"entry {expected_seq} is {missing} (found {entry.seq})")
        if entry.payload.get("seq") != entry.seq:
            return ChainBreak(entry.seq, "entry's sequence number was changed")
        if entry.previous != expected_previous:
            return ChainBreak(entry.seq, "entry does not follow the one before it")
        if entry_digest(entry.previous, entry.payload) != entry.digest:
            return ChainBreak(entry.seq, "entry content does not match its digest")
        if anchor is not None and entry.seq == anchor.seq:
            if entry.digest != anchor.digest:
                return ChainBreak(entry.seq, "entry differs from the signed anchor")
            anchored = True
        expected_previous = entry.digest
        expected_seq += 1
    if anchor is not None:
        if key is None or not hmac.compare_digest(
            anchor_signature(key, anchor.seq, anchor.digest), anchor.signature
        ):
            return ChainBreak(anchor.seq, "the anchor's signature is not valid")
        if not anchored:
            return ChainBreak(expected_seq, f"entries up to the anchored entry {anchor.seq} are missing")
    return None
