"""Sending each e-mail exactly once, through Django's e-mail framework, with retries.

A delivery is claimed by one conditional UPDATE (pending and due, or left "sending" by a worker
that died), so two workers never send it both; it is marked "sending" before SMTP is spoken and
"sent" after the server accepted it, and a sent delivery is never claimed again. Its Message-ID
is chosen when it is created and kept through retries.

The one gap no database closes: a worker killed after the SMTP server accepted the message and
before "sent" was recorded leaves it "sending"; after sending_lapses_after() it is sent again, with
the same Message-ID, so mail programs that drop a repeated Message-ID show it once. At the SMTP
level delivery is therefore at least once; in Pressroom's records, exactly once.

SMTP errors are retried after 1, 2, 4, 8 and 16 minutes; a hard bounce (a 5xx refusal of the
address) or MAX_ATTEMPTS failed attempts give the e-mail up and pause the address's subscriptions,
with the reason on their manage page. A mail server that cannot be reached, times out or refuses
our login or sender is the archive's fault, not the address's: that e-mail is retried every 16
minutes until it works. A send cut short by a stopped worker counts as a failed attempt: cut short
on its last one (after failures of the address, not of the mail server), the e-mail is given up,
and the address paused, rather than sent a sixth time.
"""

import logging
import smtplib
from datetime import timedelta
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ..models import Article
from .models import Alert, Delivery, Subscription

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Begins the error of a failure of the archive's own mail server: retried until it works, so a
# send cut short after one is sent again whatever its attempts.
SERVER_FAILED = "The archive's mail server failed, not the address: "
QUEUED_LAPSES_AFTER = timedelta(minutes=5)  # a queued task not run by then is queued again


def new_delivery(*, email: str, kind: str, subscription=None, digest_of=None) -> Delivery:
    """A delivery to send now, queued after the transaction commits."""
    delivery = Delivery.objects.create(
        email=email, kind=kind, subscription=subscription, digest_of=digest_of, **_fresh()
    )
    transaction.on_commit(lambda: _enqueue(delivery.pk))
    return delivery


def new_deliveries(*, kind: str, recipients: list[tuple[str, int]]) -> list[Delivery]:
    """Deliveries to (address, subscription id) pairs, written at once; the heartbeat queues them
    (`queue_due_deliveries`), QUEUED_PER_BEAT at a time, faster than SMTP takes them."""
    return Delivery.objects.bulk_create(
        [
            Delivery(email=email, kind=kind, subscription_id=pk, **_fresh(queued=False))
            for email, pk in recipients
        ]
    )


def _fresh(*, queued: bool = True) -> dict:
    from .messages import site_domain

    now = timezone.now()
    return {
        "message_id": make_msgid(idstring="alert", domain=site_domain()),
        "next_attempt_at": now,
        "queued_at": now if queued else None,
    }


def queue_confirmation(subscription: Subscription) -> Delivery:
    return new_delivery(email=subscription.email, kind=Delivery.Kind.CONFIRMATION, subscription=subscription)


def _enqueue(delivery_id: int) -> None:
    from .work import send_delivery_task

    send_delivery_task.enqueue(delivery_id)


def _claimable(now) -> Q:
    return Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now) | (
        _left_unfinished(now) & _attempts_left()
    )


def _left_unfinished(now) -> Q:
    """Sending for longer than any live send takes: its worker stopped mid-send."""
    return Q(status=Delivery.Status.SENDING, claimed_at__lt=now - sending_lapses_after())


def _attempts_left() -> Q:
    return Q(attempts__lt=MAX_ATTEMPTS) | Q(last_error__startswith=SERVER_FAILED)


def sending_lapses_after() -> timedelta:
    """How long a delivery may stay "sending" before it is taken for a killed worker's and sent again."""
    return timedelta(seconds=settings.PRESSROOM_ALERTS_SENDING_LAPSE_SECONDS)


QUEUED_PER_BEAT = 200


def queue_due_deliveries(now=None, limit: int = QUEUED_PER_BEAT) -> list[int]:
    """Queue a send task for each due delivery not queued already (the worker's heartbeat)."""
    now = now or timezone.now()
    give_up_unfinished_last_attempts(now)
    # A delivery left "sending" used up its queued task when it was claimed: it is queued again at
    # once when its sending lapses, not only QUEUED_LAPSES_AFTER after that task was queued.
    unqueued = (
        Q(queued_at__isnull=True)
        | Q(queued_at__lt=now - QUEUED_LAPSES_AFTER)
        | Q(status=Delivery.Status.SENDING, queued_at__lte=F("claimed_at"))
    )
    with transaction.atomic():
        due = list(
            Delivery.objects.filter(_claimable(now) & unqueued)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        Delivery.objects.filter(pk__in=due).update(queued_at=now)
    for delivery_id in due:
        _enqueue(delivery_id)
    return due


def give_up_unfinished_last_attempts(now) -> list[int]:
    """Deliveries a stopped worker left "sending" on their last attempt: given up, the address's
    subscriptions paused as for any repeated failure, never sent again (the ids)."""
    given_up = []
    left = Delivery.objects.filter(_left_unfinished(now)).exclude(_attempts_left())
    for delivery in left.only("pk", "email", "attempts", "claimed_at", "last_error"):
        error = (
            f"The worker stopped while sending it, on attempt {delivery.attempts}: given up "
            "(the mail server may or may not have taken it)."
            + (f" The attempt before: {delivery.last_error}" if delivery.last_error else "")
        )
        with transaction.atomic():
            if not Delivery.objects.filter(
                pk=delivery.pk, status=Delivery.Status.SENDING, claimed_at=delivery.claimed_at
            ).update(status=Delivery.Status.FAILED, last_error=error[:2000]):
                continue  # another worker's beat gave it up a moment ago
            _pause_address(
                delivery,
                f"E-mails to the address failed {delivery.attempts} times in a row, the last cut short.",
            )
        logger.warning("alerts: delivery %s given up: %s", delivery.pk, error)
        given_up.append(delivery.pk)
    return given_up


def send_delivery(delivery_id: int, now=None) -> str:
    """Send one delivery if it is due and nobody else is sending it; what happened, in words."""
    now = now or timezone.now()
    claimed = Delivery.objects.filter(_claimable(now), pk=delivery_id).update(
        status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return "not due, or sent already"
    delivery = Delivery.objects.select_related("subscription").get(pk=delivery_id)
    message = _message_of(delivery)
    if message is None:
        _finish(
            delivery, Delivery.Status.FAILED, error="Nothing left to send: unsubscribed, paused or withdrawn."
        )
        return "nothing left to send"
    try:
        get_connection(fail_silently=False).send_messages([message])
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        return _failed(delivery, error, hard=any(code >= 500 for code in codes))
    except smtplib.SMTPDataError as error:
        return _failed(delivery, error, hard=error.smtp_code >= 550)
    except (smtplib.SMTPException, OSError) as error:
        # Refused connection, timeout, login or sender refused: the archive's mail server, not the
        # reader's address. Retried until it works; pausing would punish every reader for an outage.
        return _server_failed(delivery, error)
    _finish(delivery, Delivery.Status.SENT, sent_at=timezone.now())
    logger.info("alerts: delivery %s sent (%s)", delivery.pk, delivery.message_id)
    return "sent"


def _message_of(delivery: Delivery):
    from .messages import alerts_message, confirmation_message

    if delivery.kind == Delivery.Kind.CONFIRMATION:
        return confirmation_message(delivery)
    alerts = list(
        Alert.objects.filter(
            delivery=delivery,
            subscription__confirmed_at__isnull=False,
            subscription__paused_at__isnull=True,
            article__in=Article.objects.public(),
        )
        .select_related("subscription", "article")
        .prefetch_related("article__countries")
        .order_by("subscription__created", "subscription_id", "-article__published", "-article_id")
    )
    return alerts_message(delivery, alerts) if alerts else None


def _error_text(error: Exception) -> str:
    """The error as the mail server said it ("SMTPDataError: 451 4.3.0 Try again later"), not as
    smtplib's exceptions print (a tuple of a code and bytes)."""
    if isinstance(error, smtplib.SMTPResponseException):
        detail = f"{error.smtp_code} {_decoded(error.smtp_error)}"
    elif isinstance(error, smtplib.SMTPRecipientsRefused):
        detail = "; ".join(
            f"{address}: {code} {_decoded(answer)}" for address, (code, answer) in error.recipients.items()
        )
    else:
        detail = str(error)
    return f"{type(error).__name__}: {detail}"[:2000]


def _decoded(answer) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)


def _failed(delivery: Delivery, error: Exception, *, hard: bool) -> str:
    """A failure of the address: retried, then, if hard or repeated, its subscriptions paused."""
    text = _error_text(error)
    logger.warning("alerts: delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, text)
    if hard or delivery.attempts >= MAX_ATTEMPTS:
        reason = (
            f"The mail server refused the address ({text[:300]})."
            if hard
            else f"E-mails to the address failed {delivery.attempts} times in a row ({text[:300]})."
        )
        with transaction.atomic():
            _finish(delivery, Delivery.Status.FAILED, error=text)
            _pause_address(delivery, reason)
        return "given up: " + reason
    return _retry(delivery, text)


def _server_failed(delivery: Delivery, error: Exception) -> str:
    """A failure of the archive's mail server: retried every 16 minutes at most, never given up."""
    text = SERVER_FAILED + _error_text(error)
    logger.warning("alerts: delivery %s not sent (attempt %s): %s", delivery.pk, delivery.attempts, text)
    return _retry(delivery, text)


def _retry(delivery: Delivery, text: str) -> str:
    retry_at = timezone.now() + timedelta(minutes=2 ** min(delivery.attempts - 1, MAX_ATTEMPTS - 1))
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.PENDING, next_attempt_at=retry_at, queued_at=None, last_error=text
    )
    return f"retried at {retry_at:%H:%M:%S}"


def _pause_address(delivery: Delivery, reason: str) -> None:
    """Pause the subscriptions the failed e-mail was for: all of the address's for a bounce."""
    Subscription.objects.of_address(delivery.email).filter(paused_at__isnull=True).update(
        paused_at=timezone.now(), pause_reason=reason[:500]
    )


def _finish(delivery: Delivery, status: str, *, sent_at=None, error: str = "") -> None:
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
        status=status, sent_at=sent_at, last_error=error
    )
