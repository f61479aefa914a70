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


def pseudonymise(values: pl.Series, *, key: bytes, kind: IdentifierKind) -> pl.Series:
    """Replace every identifier in a column by its pseudonym (nulls stay null).

    Hashes each distinct identifier once: registers repeat children often.
    """
    distinct = values.drop_nulls().unique()
    digests = [pseudonym(v, key=key, kind=kind) for v in distinct.to_list()]
    return values.replace_strict(distinct, digests, default=None, return_dtype=pl.String)
