"""Subscribing to a search, confirming, managing and unsubscribing: the services the views call.

Double opt-in: a request sends only a confirmation e-mail (throttled), and nothing else is sent
until its link is followed and confirmed with a POST. Whatever happens, the caller learns
nothing about whether an address was known: the page it shows is the same.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import tokens
from .models import Subscription, search_key
from .sending import queue_confirmation
from .throttling import may_send_confirmation

logger = logging.getLogger(__name__)


def normalized_email(email: str) -> str:
    """One spelling per address: in lower case, so that Victim@ and victim@ share one throttle, one
    set of subscriptions and one manage page (RFC 5321 lets a local part be case-sensitive; no mail
    service in use makes it so, and honouring it let one inbox be sent a confirmation per spelling)."""
    return email.strip().lower()


def request_subscription(*, email: str, query: str, frequency: str, client_address: str | None) -> None:
    """Record the subscription asked for and send its confirmation, unless throttled.

    A throttled request writes nothing but its count, so a flood cannot fill the database either.
    A search followed already is left as it is, and sent the link to change it instead (the page
    promised an e-mail, and must not say which addresses follow what).
    """
    email = normalized_email(email)
    with transaction.atomic():
        subscription = Subscription.objects.filter(email=email, search_key=search_key(query)).first()
        if not may_send_confirmation(email=email, client_address=client_address):
            logger.info("alerts: a confirmation was not sent (throttled)")
            return
        if subscription is not None and subscription.confirmed_at is not None:
            queue_confirmation(subscription)  # says it is followed already, with its manage link
            return
        if subscription is None:
            try:
                with transaction.atomic():
                    subscription = Subscription.objects.create(email=email, query=query, frequency=frequency)
            except IntegrityError:  # the same request, twice at once: the other one wrote it
                subscription = Subscription.objects.get(email=email, search_key=search_key(query))
        else:  # asked again: the new link's 48 hours count from now, for the link and the row alike
            Subscription.objects.filter(pk=subscription.pk).update(
                frequency=frequency, created=timezone.now()
            )
        queue_confirmation(subscription)


def confirmable(token: str) -> Subscription | None:
    """The unconfirmed (or confirmed) subscription a confirm link stands for, while it is valid."""
    found = tokens.read_subscription_token(
        tokens.CONFIRM, token, max_age_seconds=settings.PRESSROOM_ALERTS_CONFIRM_HOURS * 3600
    )
    return _subscription(found)


def confirm(subscription: Subscription) -> None:
    if subscription.confirmed_at is None:
        Subscription.objects.filter(pk=subscription.pk, confirmed_at__isnull=True).update(
            confirmed_at=timezone.now()
        )
        subscription.refresh_from_db()


def unsubscribable(token: str) -> Subscription | None:
    return _subscription(tokens.read_subscription_token(tokens.UNSUBSCRIBE, token))


def is_unsubscribe_link(token: str) -> bool:
    """Whether the token is one of our unsubscribe links, its subscription there or gone."""
    return tokens.read_subscription_token(tokens.UNSUBSCRIBE, token) is not None


def unsubscribe(subscription: Subscription) -> None:
    """Delete the subscription: with it go its alerts and e-mails not yet sent."""
    Subscription.objects.filter(pk=subscription.pk).delete()


def subscriptions_of(email: str):
    return Subscription.objects.of_address(email).filter(confirmed_at__isnull=False).order_by("created", "pk")


def change_frequency(*, email: str, subscription_id: int, frequency: str) -> bool:
    return bool(subscriptions_of(email).filter(pk=subscription_id).update(frequency=frequency))


def pause(*, email: str, subscription_id: int, reason: str = "Paused by you.") -> bool:
    return bool(
        subscriptions_of(email)
        .filter(pk=subscription_id, paused_at__isnull=True)
        .update(paused_at=timezone.now(), pause_reason=reason)
    )


def resume(*, email: str, subscription_id: int) -> bool:
    return bool(subscriptions_of(email).filter(pk=subscription_id).update(paused_at=None, pause_reason=""))


def delete(*, email: str, subscription_id: int) -> bool:
    _, deleted = Subscription.objects.of_address(email).filter(pk=subscription_id).delete()
    return bool(deleted.get(Subscription._meta.label))


def delete_all(*, email: str) -> int:
    _, deleted = Subscription.objects.of_address(email).delete()
    return deleted.get(Subscription._meta.label, 0)


def unsubscribe_digest(digest: tokens.DigestToken) -> int:
    """Stop a digest: the address's subscriptions sent in it, its immediate ones left alone."""
    subscriptions = Subscription.objects.of_address(digest.email).filter(frequency__in=digest.frequencies)
    _, deleted = subscriptions.delete()
    return deleted.get(Subscription._meta.label, 0)


def forget_unconfirmed() -> int:
    """Unconfirmed subscriptions whose link has expired are deleted."""
    expired = timezone.now() - timedelta(hours=settings.PRESSROOM_ALERTS_CONFIRM_HOURS)
    _, deleted = Subscription.objects.filter(confirmed_at__isnull=True, created__lt=expired).delete()
    return deleted.get(Subscription._meta.label, 0)


def _subscription(found: tokens.SubscriptionToken | None) -> Subscription | None:
    if found is None:
        return None
    return Subscription.objects.filter(pk=found.subscription_id, nonce=found.nonce).first()
