from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from casereview.domain.journal import (
    GENESIS,
    Anchor,
    Entry,
    JournalAction,
    anchor_due,
    anchor_line,
    anchor_signature,
    entry_digest,
    parse_anchor_lines,
    verify_anchor_chain,
    verify_chain,
)
from casereview.domain.referrals import Action

KEY = b"anchor-key-for-tests"


def chain(n: int) -> list[Entry]:
    out, previous = [], GENESIS
    for seq in range(1, n + 1):
        payload = {"seq": seq, "action": f"a{seq}"}
        digest = entry_digest(previous, payload)
        out.append(Entry(seq, payload, previous, digest))
        previous = digest
    return out


def anchor_at(entries: list[Entry], seq: int, key: bytes = KEY) -> Anchor:
    digest = entries[seq - 1].digest
    return Anchor(seq, digest, anchor_signature(key, seq, digest))


def test_an_untouched_chain_verifies_with_and_without_an_anchor() -> None:
    entries = chain(5)
    assert verify_chain(entries) is None
    assert verify_chain(entries, anchor=anchor_at(entries, 4), key=KEY) is None


def test_altering_an_entry_is_detected_at_that_entry() -> None:
    entries = chain(5)
    entries[2] = replace(entries[2], payload={"seq": 3, "action": "changed"})
    broken = verify_chain(entries)
    assert broken is not None and broken.seq == 3 and "digest" in broken.reason


def test_deleting_an_entry_leaves_a_gap() -> None:
    entries = chain(5)
    del entries[1]
    broken = verify_chain(entries)
    assert broken is not None and broken.seq == 2 and "missing" in broken.reason


def test_reordering_entries_is_detected() -> None:
    entries = chain(5)
    entries[1], entries[2] = entries[2], entries[1]
    broken = verify_chain(entries)
    assert broken is not None and broken.seq == 2


def test_renumbering_an_entry_is_detected() -> None:
    entries = chain(3)
    entries[2] = replace(entries[2], seq=4)
    assert verify_chain(entries) is not None
    entries = chain(3)
    entries[1] = replace(entries[1], payload={**entries[1].payload, "seq": 9})
    broken = verify_chain(entries)
    assert broken is not None and "sequence number" in broken.reason


def test_truncating_below_the_anchor_is_detected() -> None:
    entries = chain(6)
    anchor = anchor_at(entries, 5)
    broken = verify_chain(entries[:3], anchor=anchor, key=KEY)
    assert broken is not None and "missing" in broken.reason


def test_a_rewritten_chain_does_not_match_a_signed_anchor() -> None:
    entries = chain(4)
    anchor = anchor_at(entries, 4)
    forged, previous = [], GENESIS
    for e in entries:
        payload = {**e.payload, "action": "forged"}
        digest = entry_digest(previous, payload)
        forged.append(Entry(e.seq, payload, previous, digest))
        previous = digest
    broken = verify_chain(forged, anchor=anchor, key=KEY)
    assert broken is not None and "anchor" in broken.reason


def test_an_anchor_signed_with_another_key_is_refused() -> None:
    entries = chain(2)
    broken = verify_chain(entries, anchor=anchor_at(entries, 2, key=b"other"), key=KEY)
    assert broken is not None and "signature" in broken.reason


def chained(entries: list[Entry], seqs: list[int], key: bytes = KEY) -> list[Anchor]:
    out, previous = [], GENESIS
    for seq in seqs:
        digest = entries[seq - 1].digest
        signature = anchor_signature(key, seq, digest, previous)
        out.append(Anchor(seq, digest, signature, previous))
        previous = signature
    return out


def test_chained_anchors_verify_and_a_removed_or_reordered_one_is_named() -> None:
    anchors = chained(chain(6), [2, 4, 6])
    assert verify_anchor_chain(anchors, key=KEY) is None
    assert (
        verify_anchor_chain(anchors[:2], key=KEY) is None
    )  # the latest removed: a prefix, nothing to see
    broken = verify_anchor_chain([anchors[0], anchors[2]], key=KEY)
    assert broken is not None and broken.seq == 6 and "anchor at entry 6" in broken.reason
    assert verify_anchor_chain([anchors[1], anchors[0]], key=KEY) is not None
    assert (
        verify_anchor_chain([replace(anchors[1], previous=GENESIS)], key=KEY) is not None
    )  # re-signing needs the key


def test_anchors_made_before_chaining_may_only_come_first() -> None:
    entries = chain(4)
    legacy = anchor_at(entries, 1)
    first = Anchor(
        3,
        entries[2].digest,
        anchor_signature(KEY, 3, entries[2].digest, legacy.signature),
        legacy.signature,
    )
    assert verify_anchor_chain([legacy, first], key=KEY) is None
    assert verify_anchor_chain([first, legacy], key=KEY) is not None


def test_every_anchor_given_must_be_reached_and_matched_by_the_chain() -> None:
    entries = chain(6)
    anchors = chained(entries, [2, 5])
    assert verify_chain(entries, anchors=anchors, key=KEY) is None
    broken = verify_chain(entries[:4], anchors=anchors, key=KEY)
    assert (
        broken is not None
        and "anchor at entry 5" in broken.reason
        and "journal ends at 4" in broken.reason
    )
    other = chained(
        chain(6)[:4]
        + [
            Entry(
                5,
                {"seq": 5, "action": "forged"},
                entries[3].digest,
                entry_digest(entries[3].digest, {"seq": 5, "action": "forged"}),
            )
        ],
        [5],
    )
    broken = verify_chain(entries, anchors=other, key=KEY)
    assert (
        broken is not None
        and broken.seq == 5
        and "differs from the anchor at entry 5" in broken.reason
    )


def test_an_anchor_line_reads_back_as_the_same_anchor_and_other_text_is_refused() -> None:
    anchor = chained(chain(3), [1, 3])[1]
    line = anchor_line(anchor, datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    assert line.endswith(" 2026-03-02T09:00:00Z") and len(line.split()) == 5
    assert parse_anchor_lines(f"# kept by the SIEM\n\n{line}\n") == [anchor]
    assert parse_anchor_lines(" ".join(line.split()[:3])) == [replace(anchor, previous="")]
    with pytest.raises(ValueError, match="line 2"):
        parse_anchor_lines(f"{line}\n{anchor.seq} nothex {anchor.signature}")
    with pytest.raises(ValueError, match="no anchor"):
        parse_anchor_lines("# empty\n")


def test_an_anchor_is_due_after_n_entries_or_m_minutes_with_something_new() -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def due(last_seq: int | None, head: int, minutes_ago: int, n: int = 1000, m: int = 60) -> bool:
        return anchor_due(
            last_seq=last_seq,
            last_at=None if last_seq is None else now - timedelta(minutes=minutes_ago),
            head_seq=head,
            now=now,
            every_entries=n,
            every_minutes=m,
        )

    assert due(None, 1, 0)
    assert not due(10, 1009, 59) and due(10, 1010, 0) and due(10, 11, 60)
    assert not due(10, 10, 600)  # nothing new to anchor
    assert not due(10, 5000, 600, n=0, m=0)


def test_every_journal_action_has_its_own_stored_name() -> None:
    # An alias (two members, one value) would make two actions indistinguishable in the journal.
    assert len(JournalAction.__members__) == len({a.value for a in JournalAction})
    assert all(a.value == a.name.lower() for a in JournalAction)


def test_every_send_back_move_has_its_journal_action() -> None:
    assert {JournalAction.send_back_move(m.value) for m in Action} <= set(JournalAction)
    assert JournalAction.send_back_move("acknowledge") is JournalAction.SEND_BACK_ACKNOWLEDGE
