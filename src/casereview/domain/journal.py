"""The journal's hash chain and its signed anchors.

Every operation on case data is logged (DPA 2018 s.62: collection,
alteration, consultation, disclosure, combination, erasure), and so are
sign-ins and refusals.  Each entry has a sequence number and a digest over
its content (sequence number included) and the previous entry's digest, so
altering, inserting, removing or reordering entries breaks the chain.  An
anchor is the (sequence number, digest) of the head at some moment, signed
with a key kept outside the database: cutting entries off the end below an
anchor, or rewriting the whole chain, is caught too.

Anchors are chained as well: each signature covers the previous anchor's
signature, so an anchor kept outside the database vouches for every anchor
before it.  What nothing inside the database can show is that entries or
anchors were cut off after the latest anchor someone kept elsewhere: that
needs the outside copy (`anchor_line`, `parse_anchor_lines`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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


class JournalAction(StrEnum):
    """Every action the journal records, one name each. The stored strings never change: entries already
    written verify against them (a new action is a new member; a renamed one would break old digests)."""

    # Authentication and refusals
    LOGIN = "login"
    LOGOUT = "logout"
    LOGIN_FAILED = "login_failed"
    #: A sign-in through the organisation's identity provider refused (``detail["reason"]``: domain.sso)
    SSO_REFUSED = "sso_refused"
    LOCKED_OUT = "locked_out"
    SECOND_FACTOR_PASSED = "second_factor_passed"
    SECOND_FACTOR_FAILED = "second_factor_failed"
    SECOND_FACTOR_ENROLLED = "second_factor_enrolled"
    SECOND_FACTOR_ENROL_FAILED = "second_factor_enrol_failed"
    IDENTITY_CONFIRMED = "identity_confirmed"
    ACCESS_DENIED = "access_denied"
    ANSWERS_KEPT = "answers_kept"
    ANSWERS_RESTORED = "answers_restored"
    KEPT_ANSWERS_EXPIRED = "kept_answers_expired"
    # People and bodies
    USER_CREATE = "user_create"
    USER_DEACTIVATE = "user_deactivate"
    USER_REACTIVATE = "user_reactivate"
    USER_ROLE_CHANGE = "user_role_change"
    USER_SECOND_FACTOR_RESET = "user_second_factor_reset"
    USER_UNLOCK = "user_unlock"
    ADDRESS_UNLOCK = "address_unlock"
    PASSWORD_CHANGE = "password_change"  # noqa: S105 (an action name)
    #: A signed-in person chose the language casereview speaks to them in (``detail["language"]``)
    LANGUAGE_CHOOSE = "language_choose"
    BODY_ADD = "body_add"
    BODY_CONTACT_ADD = "body_contact_add"
    BODY_CONTACT_REMOVE = "body_contact_remove"
    API_TOKEN_CREATE = "api_token_create"  # noqa: S105 (an action name)
    API_TOKEN_REVOKE = "api_token_revoke"  # noqa: S105 (an action name)
    API_REQUEST = "api_request"
    # Registers
    REGISTER_IMPORT = "register_import"
    REGISTER_IMPORT_REFUSED = "register_import_refused"
    REGISTER_EXPORT = "register_export"
    REGISTER_PURGE = "register_purge"
    REGISTER_RETENTION_SET = "register_retention_set"
    CASE_LIST = "case_list"
    # Inspections and samples
    INSPECTION_CREATE = "inspection_create"
    SEED_COMMIT = "seed_commit"
    SAMPLE_DRAW = "sample_draw"
    SAMPLE_CASE_OUT_OF_SCOPE = "sample_case_out_of_scope"
    SAMPLE_CASE_REPLACEMENT = "sample_case_replacement"
    MANIFEST_DOWNLOAD = "manifest_download"
    SAMPLE_EXPORT = "sample_export"  # the sample as a table, downloaded as CSV
    LINKS_COMPUTE = "links_compute"
    CASE_LINKS = "case_links"
    CONFLICT_DECLARE = "conflict_declare"
    # Reviews
    ASSIGNMENTS_BALANCE = "assignments_balance"
    MODERATION_ASSIGN = "moderation_assign"
    ASSIGNMENT_MOVE = "assignment_move"
    CASE_CONSULT = "case_consult"
    REVIEW_SAVE = "review_save"
    REVIEW_SUBMIT = "review_submit"
    REVIEW_REOPEN = "review_reopen"
    REVIEW_CONFLICT = "review_conflict"
    REVIEW_TAMPERED = "review_tampered"
    REVIEWS_IMPORT = "reviews_import"
    DISAGREEMENT_RESOLVE = "disagreement_resolve"
    # Send backs (``send_back_<action>`` for each move of the send-back state machine)
    SEND_BACK_OPEN = "send_back_open"
    SEND_BACK_ACKNOWLEDGE = "send_back_acknowledge"
    SEND_BACK_RESPOND = "send_back_respond"
    SEND_BACK_RETURN = "send_back_return"
    SEND_BACK_ACCEPT = "send_back_accept"
    SEND_BACK_ESCALATE = "send_back_escalate"
    MAIL_SENT = "mail_sent"
    MAIL_RETRY = "mail_retry"
    # Reports
    BASELINE_ADD = "baseline_add"
    REPORT_GENERATE = "report_generate"
    REPORT_PUBLISH = "report_publish"
    # Release practice: a publication pre-announced for a date and time (with its pre-release access list)
    PUBLICATION_SCHEDULE = "publication_schedule"
    PUBLICATION_RESCHEDULE = "publication_reschedule"
    PUBLICATION_CANCEL = "publication_cancel"
    PUBLICATION_RELEASE = "publication_release"  # published by `publish-due` at its announced time
    PUBLICATION_FAIL = "publication_fail"  # refused at its announced time (problems or the audit)
    TREND_GENERATE = "trend_generate"  # the published national trend, shown or written
    # Follow-up: findings, recommendations, the body's action plan and its actions (issue 24)
    FINDING_ADD = "finding_add"
    FINDING_EDIT = "finding_edit"
    FINDING_PUBLISH = "finding_publish"
    FINDING_WITHDRAW = "finding_withdraw"
    RECOMMENDATION_ADD = "recommendation_add"
    RECOMMENDATION_EDIT = "recommendation_edit"
    RECOMMENDATION_PUBLISH = "recommendation_publish"
    RECOMMENDATION_WITHDRAW = "recommendation_withdraw"
    RECOMMENDATION_JUDGE = "recommendation_judge"
    ACTION_PLAN_SAVE = "action_plan_save"
    ACTION_PLAN_SUBMIT = "action_plan_submit"
    ACTION_PLAN_ACCEPT = "action_plan_accept"
    ACTION_PLAN_RETURN = "action_plan_return"
    ACTION_PLAN_ESCALATE = "action_plan_escalate"
    PLAN_ACTION_UPDATE = "plan_action_update"
    PLAN_ACTION_COMPLETE = "plan_action_complete"
    PLAN_ACTION_WITHDRAW = "plan_action_withdraw"
    PLAN_ACTION_ESCALATE = "plan_action_escalate"
    # Calibration: the inspectorate's blind re-grading of a sample of a body's own audit (issue 24)
    CALIBRATION_CREATE = "calibration_create"
    CALIBRATION_DRAW = "calibration_draw"
    CALIBRATION_COMPLETE = "calibration_complete"
    # withdrawn before completion, with a reason (kept and listed as withdrawn)
    CALIBRATION_WITHDRAW = "calibration_withdraw"
    # its frozen figures written out (`calibration show --json`)
    CALIBRATION_EXPORT = "calibration_export"
    # The journal itself
    JOURNAL_VIEW = "journal_view"
    JOURNAL_EXPORT = "journal_export"
    JOURNAL_ANCHOR = "journal_anchor"
    JOURNAL_VERIFY = "journal_verify"

    @classmethod
    def send_back_move(cls, move: str) -> JournalAction:
        """The entry for a move of the send-back state machine (``acknowledge`` → ``send_back_acknowledge``)."""
        return cls(f"send_back_{move}")


def canonical(payload: Mapping[str, object]) -> str:
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


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
    #: The signature of the anchor before it (GENESIS for the first); "" for anchors made before chaining,
    #: and for an outside copy that left it out (then the database's copy supplies it).
    previous: str = ""

    def name(self) -> str:
        return f"the anchor at entry {self.seq} (signature {self.signature[:12]}…)"


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def anchor_signature(key: bytes, seq: int, digest: str, previous: str = "") -> str:
    """HMAC-SHA256 over the head and, for chained anchors, the previous anchor's signature."""
    message = f"casereview-journal:{seq}:{digest}" + (f":{previous}" if previous else "")
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def anchor_valid(key: bytes, anchor: Anchor) -> bool:
    expected = anchor_signature(key, anchor.seq, anchor.digest, anchor.previous)
    return hmac.compare_digest(expected, anchor.signature)


def verify_anchor_chain(anchors: Sequence[Anchor], *, key: bytes) -> ChainBreak | None:
    """Anchors in the order they were made: each signed, each chained one to the one before it (anchors
    made before chaining, with no previous signature, may only come first), none going backwards."""
    previous: Anchor | None = None
    for anchor in anchors:
        if not anchor_valid(key, anchor):
            return ChainBreak(anchor.seq, f"{anchor.name()} has a signature that is not valid")
        if anchor.previous:
            expected = previous.signature if previous is not None else GENESIS
            if anchor.previous != expected:
                return ChainBreak(
                    anchor.seq,
                    f"{anchor.name()} does not follow the anchor before it "
                    "(an anchor was removed or reordered)",
                )
        elif previous is not None and previous.previous:
            return ChainBreak(anchor.seq, f"{anchor.name()} is not chained to the anchor before it")
        if previous is not None and anchor.seq < previous.seq:
            return ChainBreak(anchor.seq, f"{anchor.name()} goes back before the anchor before it")
        previous = anchor
    return None


#: One anchor per line, as `casereview journal anchor` prints it and appends to the anchor file:
#: ``SEQ DIGEST SIGNATURE PREVIOUS AT`` (AT, the UTC time, is informative and not signed; PREVIOUS and AT
#: may be left out).  Blank lines and lines starting with ``#`` are skipped.
_HEX = re.compile(r"[0-9a-f]{64}")


def anchor_line(anchor: Anchor, at: datetime) -> str:
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{anchor.seq} {anchor.digest} {anchor.signature} {anchor.previous or '-'} {stamp}"


def parse_anchor_lines(text: str) -> list[Anchor]:
    """Anchors from an anchor file or one printed anchor; ValueError naming the line that is not one."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        if line.lstrip().startswith("{"):  # the JSON `casereview journal anchor` prints by default
            try:
                printed = json.loads(line)
                fields = [
                    str(printed["seq"]),
                    printed["digest"],
                    printed["signature"],
                    printed.get("previous") or "-",
                ]
            except (ValueError, KeyError, TypeError, AttributeError):
                raise ValueError(
                    f"line {number} is not an anchor (expected: SEQ DIGEST SIGNATURE [PREVIOUS] [AT])"
                ) from None
        seq, digest, signature, previous = (fields + ["-"])[:4]
        if (
            not (seq.isascii() and seq.isdigit())
            or not _HEX.fullmatch(digest)
            or not _HEX.fullmatch(signature)
            or not (previous == "-" or _HEX.fullmatch(previous))
        ):
            raise ValueError(
                f"line {number} is not an anchor (expected: SEQ DIGEST SIGNATURE [PREVIOUS] [AT])"
            )
        found.append(Anchor(int(seq), digest, signature, "" if previous == "-" else previous))
    if not found:
        raise ValueError(
            "no anchor found (expected lines of: SEQ DIGEST SIGNATURE [PREVIOUS] [AT])"
        )
    return found


def anchor_due(
    *,
    last_seq: int | None,
    last_at: datetime | None,
    head_seq: int,
    now: datetime,
    every_entries: int,
    every_minutes: int,
) -> bool:
    """Whether the head should be anchored: never anchored yet, or ``every_entries`` entries or
    ``every_minutes`` minutes since the last anchor with something new to anchor (0 turns a rule off)."""
    if last_seq is None or last_at is None:
        return head_seq > 0
    if head_seq <= last_seq:
        return False
    if every_entries and head_seq - last_seq >= every_entries:
        return True
    return bool(every_minutes) and now - last_at >= timedelta(minutes=every_minutes)


def verify_chain(
    entries: Iterable[Entry],
    *,
    anchor: Anchor | None = None,
    key: bytes | None = None,
    anchors: Sequence[Anchor] = (),
) -> ChainBreak | None:
    """Check entries in sequence order; the first break, or None when the chain is whole.

    Each anchor given (``anchor`` and ``anchors``) must carry a valid signature, and the chain must reach
    its entry and have the anchored digest there.
    """
    every = [*anchors, *([anchor] if anchor is not None else [])]
    for one in every:
        if key is None or not anchor_valid(key, one):
            return ChainBreak(
                one.seq,
                "the anchor's signature is not valid"
                if one is anchor
                else f"{one.name()} has a signature that is not valid",
            )
    by_seq: dict[int, list[Anchor]] = {}
    for one in every:
        by_seq.setdefault(one.seq, []).append(one)
    expected_previous = GENESIS
    expected_seq = 1
    for entry in entries:
        if entry.seq != expected_seq:
            missing = "missing" if entry.seq > expected_seq else "out of order"
            return ChainBreak(
                expected_seq, f"entry {expected_seq} is {missing} (found {entry.seq})"
            )
        if entry.payload.get("seq") != entry.seq:
            return ChainBreak(entry.seq, "entry's sequence number was changed")
        if entry.previous != expected_previous:
            return ChainBreak(entry.seq, "entry does not follow the one before it")
        if entry_digest(entry.previous, entry.payload) != entry.digest:
            return ChainBreak(entry.seq, "entry content does not match its digest")
        for one in by_seq.get(entry.seq, ()):
            if entry.digest != one.digest:
                return ChainBreak(
                    entry.seq,
                    "entry differs from the signed anchor"
                    if one is anchor
                    else f"entry differs from {one.name()}",
                )
        expected_previous = entry.digest
        expected_seq += 1
    beyond = [one for one in every if one.seq >= expected_seq]
    if beyond:
        one = min(beyond, key=lambda a: a.seq)
        what = f"the anchored entry {one.seq}" if one is anchor else f"{one.name()}"
        return ChainBreak(
            expected_seq,
            f"entries up to {what} are missing (the journal ends at {expected_seq - 1})",
        )
    return None
