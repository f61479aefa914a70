"""Keyed pseudonyms for child and suspect identifiers.

A register may carry the body's own identifier of a child or suspect so that
repeat children can be linked.  casereview never stores those identifiers:
each is replaced, before anything is written, by a keyed BLAKE2b digest
(a MAC: without the key nobody can test a guessed identifier).  Children and
suspects are hashed under different personalisations, so the same string in
both columns does not link a child to a suspect.  The same key gives the same
pseudonym in every register, which is what links repeat children across
imports; a new key starts new pseudonyms.
"""

from __future__ import annotations

import hashlib
from enum import Enum

import polars as pl

MIN_SECRET_CHARS = 32


class IdentifierKind(bytes, Enum):
    CHILD = b"casereview-child"
    SUSPECT = b"casereview-susp"


class PseudonymKeyError(Exception):
    """The pseudonym key is missing or too weak."""


def derive_key(secret: str | None) -> bytes:
    """Turn the configured secret into a 64-byte BLAKE2b key."""
    if not secret or len(secret) < MIN_SECRET_CHARS:
        raise PseudonymKeyError(
            "CASEREVIEW_PSEUDONYM_KEY must be set to a secret of at least "
            f"{MIN_SECRET_CHARS} characters before identifiers can be imported"
        )
    return hashlib.sha512(secret.encode("utf-8")).digest()


def normalise_identifier(value: str) -> str:
    """Identifiers match regardless of surrounding space and letter case."""
    return value.strip().upper()


def pseudonym(value: str, *, key: bytes, kind: IdentifierKind) -> str:
    digest = hashlib.blake2b(
        normalise_identifier(value).encode("utf-8"), key=key, digest_size=16, person=kind.value
    )
    return digest.hexdigest()


class Pseudonymiser:
    """Pseudonymises a column batch by batch, hashing each distinct identifier once per file.

    Gives the same result as ``pseudonym`` for each value.  Remembers up to
    ``memory`` identifiers (a repeat child recurs across batches), then starts
    afresh, so memory stays bounded however long the register is.
    """

    def __init__(self, *, key: bytes, kind: IdentifierKind, memory: int = 300_000) -> None:
        self._base = hashlib.blake2b(key=key, digest_size=16, person=kind.value)
        self._memory = memory
        self._known = pl.DataFrame(schema={"id": pl.String, "pseudonym": pl.String})

    def _digest(self, values: list[str]) -> list[str]:
        digests = []
        for value in values:
            state = self._base.copy()
            state.update(value.encode("utf-8"))
            digests.append(state.hexdigest())
        return digests

    def __call__(self, values: pl.Series) -> pl.Series:
        frame = values.str.strip_chars().str.to_uppercase().alias("id").to_frame()
        distinct = frame.drop_nulls().unique()
        new = distinct.join(self._known, on="id", how="anti")["id"]
        lookup = self._known
        if new.len():
            fresh = pl.DataFrame({"id": new, "pseudonym": self._digest(new.to_list())})
            lookup = pl.concat([self._known, fresh])
            self._known = fresh if lookup.height > self._memory else lookup.rechunk()
        return frame.join(lookup, on="id", how="left", maintain_order="left")["pseudonym"].alias(
            values.name
        )


def pseudonymise(values: pl.Series, *, key: bytes, kind: IdentifierKind) -> pl.Series:
    """Replace every identifier in a column by its pseudonym (nulls stay null)."""
    return Pseudonymiser(key=key, kind=kind)(values)


#: What a failed sign-in's records keep when the username typed matches no user: people type their
#: password into the username box, so the text itself is never kept, only its keyed hash (a MAC under
#: the pseudonym key, with its own personalisation: without the key nobody can test a guess).  The same
#: text gives the same label, so repeated failures with it are still counted and locked together.
UNKNOWN_USERNAME_PREFIX = "unknown username (hash "
_TYPED_USERNAME = b"casereview-user"


def unknown_username(typed: str, *, key: bytes) -> str:
    """The label kept instead of a username that matches no user, e.g. ``unknown username (hash 1a2b…)``."""
    digest = hashlib.blake2b(
        typed.encode("utf-8", "surrogatepass"), key=key, digest_size=8, person=_TYPED_USERNAME
    )
    return f"{UNKNOWN_USERNAME_PREFIX}{digest.hexdigest()})"


def is_unknown_username(name: str) -> bool:
    return name.startswith(UNKNOWN_USERNAME_PREFIX)
