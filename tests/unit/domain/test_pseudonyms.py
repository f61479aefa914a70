from __future__ import annotations

import polars as pl
import pytest

from casereview.domain.pseudonyms import (
    IdentifierKind,
    Pseudonymiser,
    PseudonymKeyError,
    derive_key,
    pseudonym,
    pseudonymise,
)

KEY = derive_key("k" * 40)


def test_a_key_is_required_and_must_be_long() -> None:
    with pytest.raises(PseudonymKeyError):
        derive_key(None)
    with pytest.raises(PseudonymKeyError):
        derive_key("short")


def test_pseudonyms_are_keyed_stable_and_normalised() -> None:
    a = pseudonym("ab123", key=KEY, kind=IdentifierKind.CHILD)
    assert a == pseudonym(" AB123 ", key=KEY, kind=IdentifierKind.CHILD)
    assert a != pseudonym("ab123", key=derive_key("j" * 40), kind=IdentifierKind.CHILD)
    assert a != pseudonym("ab123", key=KEY, kind=IdentifierKind.SUSPECT)
    assert "AB123" not in a and len(a) == 32


def test_column_pseudonyms_match_the_single_value_rule_and_keep_nulls() -> None:
    values = pl.Series("child_id", ["c1", None, "C1 ", "c2", "ß"])
    out = pseudonymise(values, key=KEY, kind=IdentifierKind.CHILD)
    assert out.to_list() == [
        pseudonym("c1", key=KEY, kind=IdentifierKind.CHILD),
        None,
        pseudonym("c1", key=KEY, kind=IdentifierKind.CHILD),
        pseudonym("c2", key=KEY, kind=IdentifierKind.CHILD),
        pseudonym("ß", key=KEY, kind=IdentifierKind.CHILD),
    ]


def test_the_batch_memory_is_bounded_and_results_do_not_change_when_it_resets() -> None:
    p = Pseudonymiser(key=KEY, kind=IdentifierKind.SUSPECT, memory=3)
    batches = [["a", "b"], ["b", "c", "d"], ["a", "e"], ["e", "a"]]
    for batch in batches:
        got = p(pl.Series("s", batch)).to_list()
        assert got == [pseudonym(v, key=KEY, kind=IdentifierKind.SUSPECT) for v in batch]
        assert p._known.height <= 3 + len(batch)


def test_an_unknown_username_is_kept_as_a_keyed_hash_never_as_typed() -> None:
    from casereview.domain.pseudonyms import is_unknown_username, unknown_username

    typed = "correct horse battery staple"
    label = unknown_username(typed, key=KEY)
    assert (
        label.startswith("unknown username (hash ") and label.endswith(")") and typed not in label
    )
    assert is_unknown_username(label) and not is_unknown_username("ina")
    assert (
        unknown_username(typed, key=KEY) == label
    )  # repeated text: one name, so it is counted together
    assert unknown_username(typed + "!", key=KEY) != label
    assert (
        unknown_username(typed, key=derive_key("m" * 40)) != label
    )  # keyed: no key, no test of a guess
    assert unknown_username(typed, key=KEY) != pseudonym(typed, key=KEY, kind=IdentifierKind.CHILD)
