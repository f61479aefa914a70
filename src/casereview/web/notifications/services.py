"""The outbox: mail is written with the event that causes it and sent after that event commits.

A mail server that is down loses nothing and never fails the event: the message waits in the outbox and
`notify_send` (``casereview notify send``, run every minute) tries again after 1, 2, 4 ... minutes (at most an
hour apart) until CASEREVIEW_EMAIL_MAX_ATTEMPTS tries have failed; then it is *failed*, listed for
administrators, and sent again only when one asks.  Senders may run at the same time: each claims a message
with a compare-and-set on its number of tries, so no message is handed to the mail server twice by two
senders while a claim lasts (CLAIM, 10 minutes; a sender that dies or stalls longer gives its messages up,
and one the server had already accepted may then be sent again).  Each message the server accepts is journaled as a disclosure: the recipient and the event, never
the content.  The words of every message are in ``messages.py``.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.utils import timezone

from casereview.domain.errors import Refused
from casereview.domain.journal import JournalAction, Operation
from casereview.domain.language import DEFAULT as DEFAULT_LANGUAGE
from casereview.web.core.users import User
from casereview.web.journal.services import journal_record
from casereview.web.language.selectors import languages_of

from .messages import Message
from .models import OutboxMessage

logger = logging.getLogger(__name__)

#: How long a claim holds a message for its sender; a sender that died mid-way gives it up after this.
CLAIM = dt.timedelta(minutes=10)
#: Messages claimed at a time (each costs at most the mail server's timeout, well inside the claim).
BATCH = 20
LONGEST_WAIT = dt.timedelta(hours=1)
#: Errors about one message: the server is there and the next message may go.  Any other error means the
#: server cannot be reached, and the rest of the batch waits for the next run.
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


class NotificationError(Refused):
    """Refused; the message says why."""


@dataclass(frozen=True)
class SendResult:
    sent: int
    failed: int
    pending: int


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed try: 1, 2, 4, 8 ... minutes, never more than an hour."""
    return min(dt.timedelta(minutes=2 ** min(max(attempts - 1, 0), 6)), LONGEST_WAIT)


def _max_attempts() -> int:
    return max(int(getattr(settings, "CASEREVIEW_EMAIL_MAX_ATTEMPTS", 10)), 1)


def _address(recipient: Any) -> tuple[str, Any]:
    """(address, user or None) for a user or a plain address; no address for a user without one or inactive."""
    if recipient is None:
        return "", None
    if isinstance(recipient, str):
        return recipient.strip(), None
    if not getattr(recipient, "is_active", True):
        return "", recipient
    return (getattr(recipient, "email", "") or "").strip(), recipient


def mail_queue(
    *,
    recipients: Iterable[Any],
    object_type: str,
    object_id: object,
    notice: Message,
    now: dt.datetime | None = None,
) -> list[OutboxMessage]:
    """Write one message per address (users without an address are skipped, each address once) in the
    caller's transaction, and try to send them as soon as it commits.  Call it inside the event's transaction:
    if the event is undone, so is its mail.  ``now``: when the event happened (the real clock unless given).

    The words: ``notice``, one of ``messages``' functions' messages, written again in each recipient's
    language (``languages_of``: their stored choice, English for people who never chose and for plain
    addresses; everyone English while CASEREVIEW_WELSH is off), once per language whatever the number of
    recipients (a ``Message`` made without ``write`` is the same words for everyone).
    """
    if not connection.in_atomic_block:
        raise NotificationError(
            "mail_queue must be called inside the transaction of the event it reports"
        )
    now = now or timezone.now()
    addressed: list[tuple[str, Any]] = []
    skipped: list[Any] = []
    seen: set[str] = set()
    for recipient in recipients:
        address, user = _address(recipient)
        if not address:
            if user is not None:
                skipped.append(user)
            continue
        if address.lower() in seen:
            continue
        seen.add(address.lower())
        addressed.append((address, user))
    languages = _languages([user for _, user in addressed if user is not None])
    written: dict[str, Message] = {}

    def words(language: str) -> Message:
        if language not in written:
            written[language] = notice.written_in(language)
        return written[language]

    # The event names the mail in the log and the outbox; a message knows its own.
    event = notice.event or words(DEFAULT_LANGUAGE).event
    for user in skipped:
        logger.info(
            "%s: user %s has no e-mail address (or is inactive); not told",
            event,
            user.get_username(),
        )
    made: list[OutboxMessage] = []
    for address, user in addressed:
        message = words(
            languages.get(user.pk, DEFAULT_LANGUAGE) if user is not None else DEFAULT_LANGUAGE
        )
        made.append(
            OutboxMessage.objects.create(
                event=message.event or event,
                recipient=address,
                recipient_user=user,
                subject=message.subject[:200],
                body=message.body,
                next_attempt_at=now,
                created_at=now,
                object_type=object_type,
                object_id=str(object_id)[:64],
            )
        )
    if made:
        ids = [m.pk for m in made]
        transaction.on_commit(lambda: _send_after_commit(ids), robust=True)
    return made


def _languages(users: Sequence[Any]) -> dict[int, str]:
    """Each user's language for mail (one query); nobody's is Welsh while CASEREVIEW_WELSH is off."""
    if not users or not settings.CASEREVIEW_WELSH:
        return {}
    return languages_of(user_ids=[user.pk for user in users])


def _send_after_commit(ids: Sequence[int]) -> None:
    """The first try, just after the event commits; whatever happens, the event's own request goes on."""
    try:
        notify_send(ids=ids)
    except Exception:
        logger.exception(
            "The outbox could not send messages %s now; `casereview notify send` will", list(ids)
        )


def _claim(now: dt.datetime, ids: Sequence[int] | None) -> dict[int, int]:
    """Claim up to BATCH due messages: {id: tries including this one}.  An UPDATE that matches only if nobody
    claimed the message since it was read is the compare-and-set; the claimed message is not due again until
    the claim runs out."""
    due = OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING, next_attempt_at__lte=now)
    if ids is not None:
        due = due.filter(pk__in=ids)
    claimed: dict[int, int] = {}
    while not claimed:
        # Another sender may claim every message read here between the read and the UPDATE: those are no
        # longer due, so read again, until something is claimed or nothing due is left (never stop early
        # while mail is waiting, as a sender that lost every race once used to).
        read = list(due.order_by("next_attempt_at", "id").values_list("id", "attempts")[:BATCH])
        if not read:
            break
        for pk, attempts in read:
            if OutboxMessage.objects.filter(
                pk=pk,
                state=OutboxMessage.State.PENDING,
                attempts=attempts,
                next_attempt_at__lte=now,
            ).update(attempts=attempts + 1, next_attempt_at=now + CLAIM):
                claimed[pk] = attempts + 1
    return claimed


def _short(exc: BaseException) -> str:
    """The error as an administrator can act on it, short (never the message)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [
            f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
            for code, text in exc.recipients.values()
        ]
        text = "the mail server refused the recipient: " + "; ".join(codes)
    elif isinstance(exc, smtplib.SMTPResponseException):
        error = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        text = f"the mail server answered {exc.smtp_code} {error}"
    elif isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException):
        text = f"cannot reach the mail server: {exc.strerror or exc}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())[:200]


def _failed(message: OutboxMessage, tries: int, error: str, now: dt.datetime) -> None:
    fields: dict[str, Any] = {"last_error": error}
    if tries >= _max_attempts():
        fields.update(state=OutboxMessage.State.FAILED, next_attempt_at=now)
    else:
        fields["next_attempt_at"] = now + retry_delay(tries)
    OutboxMessage.objects.filter(
        pk=message.pk, state=OutboxMessage.State.PENDING, attempts=tries
    ).update(**fields)


def _sent(message: OutboxMessage, tries: int, now: dt.datetime) -> None:
    with transaction.atomic():
        if OutboxMessage.objects.filter(
            pk=message.pk, state=OutboxMessage.State.PENDING, attempts=tries
        ).update(state=OutboxMessage.State.SENT, sent_at=now, last_error=""):
            journal_record(
                actor=None,
                actor_name="notify",
                operation=Operation.DISCLOSURE,
                action=JournalAction.MAIL_SENT,
                object_type=message.object_type,
                object_id=message.object_id,
                recipient=message.recipient[:200],
                detail={"event": message.event, "message": message.pk},
            )


def _pending() -> int:
    return OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING).count()


def notify_send(*, ids: Sequence[int] | None = None) -> SendResult:
    """Send every due pending message (or only those of ``ids`` that are due) through Django's mail connection.

    Safe to run every minute and from several processes at once.  Returns how many were sent and how many
    tries failed in this run, and how many messages are still pending.
    """
    sent = failed = 0
    while True:
        now = timezone.now()
        claimed = _claim(now, ids)
        if not claimed:
            return SendResult(sent=sent, failed=failed, pending=_pending())
        mail = get_connection(fail_silently=False)
        try:
            queue = list(OutboxMessage.objects.filter(pk__in=claimed).order_by("id"))
            for position, message in enumerate(queue):
                email = EmailMessage(
                    subject=message.subject,
                    body=message.body,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[message.recipient],
                    connection=mail,
                )
                try:
                    mail.open()
                    delivered = mail.send_messages([email])
                except MESSAGE_ERRORS as exc:
                    _failed(message, claimed[message.pk], _short(exc), timezone.now())
                    failed += 1
                    continue
                except (smtplib.SMTPException, OSError) as exc:
                    # The server cannot be reached: this message and the rest of the batch wait their turn.
                    error = _short(exc)
                    for waiting in queue[position:]:
                        _failed(waiting, claimed[waiting.pk], error, timezone.now())
                    failed += len(queue) - position
                    logger.warning(
                        "Mail server unavailable; %d message(s) wait: %s",
                        len(queue) - position,
                        error,
                    )
                    return SendResult(sent=sent, failed=failed, pending=_pending())
                if delivered:
                    _sent(message, claimed[message.pk], timezone.now())
                    sent += 1
                else:
                    _failed(
                        message,
                        claimed[message.pk],
                        "the mail connection sent nothing",
                        timezone.now(),
                    )
                    failed += 1
        finally:
            try:
                mail.close()
            except (smtplib.SMTPException, OSError):
                logger.warning("Closing the mail connection failed", exc_info=True)


def notification_retry(*, ids: Sequence[int] | None = None, actor: User | None = None) -> int:
    """Make failed messages (``ids``, or every failed one) pending again with a fresh count of tries; returns
    how many.  Journaled."""
    with transaction.atomic():
        failed = OutboxMessage.objects.filter(state=OutboxMessage.State.FAILED)
        if ids is not None:
            failed = failed.filter(pk__in=ids)
        chosen = list(failed.values_list("id", flat=True))
        count = OutboxMessage.objects.filter(
            pk__in=chosen, state=OutboxMessage.State.FAILED
        ).update(state=OutboxMessage.State.PENDING, attempts=0, next_attempt_at=timezone.now())
        if count:
            journal_record(
                actor=actor,
                actor_name=None if actor else "cli",
                operation=Operation.ADMINISTRATION,
                action=JournalAction.MAIL_RETRY,
                object_type="outbox",
                detail={"messages": chosen[:100], "count": count},
            )
    return count
