"""Digests: at PRESSROOM_DIGEST_HOUR, one e-mail per address listing all its searches' new releases
(daily ones every day, weekly ones too on PRESSROOM_DIGEST_WEEKDAY), never one per search."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Alert, Delivery, Subscription
from .sending import new_delivery


def due_frequencies(now) -> list[str]:
    local = timezone.localtime(now)
    if local.hour != settings.PRESSROOM_DIGEST_HOUR:
        return []
    frequencies = [Subscription.Frequency.DAILY]
    if local.weekday() == settings.PRESSROOM_DIGEST_WEEKDAY:
        frequencies.append(Subscription.Frequency.WEEKLY)
    return frequencies


def queue_digests(now=None) -> list[int]:
    """The digests due now, each queued once per address and day; their deliveries' ids."""
    now = now or timezone.now()
    frequencies = due_frequencies(now)
    if not frequencies:
        return []
    today = timezone.localtime(now).date()
    owed = Alert.objects.filter(
        delivery__isnull=True,
        subscription__confirmed_at__isnull=False,
        subscription__paused_at__isnull=True,
        subscription__frequency__in=frequencies,
    )
    done_today = Delivery.objects.filter(digest_of=today).values_list("email", flat=True)
    queued = []
    for email in (
        owed.exclude(subscription__email__in=done_today)
        .values_list("subscription__email", flat=True)
        .distinct()
    ):
        try:
            with transaction.atomic():
                delivery = new_delivery(email=email, kind=Delivery.Kind.DIGEST, digest_of=today)
                owed.filter(subscription__email=email).update(delivery=delivery)
        except IntegrityError:  # another worker queued this address's digest a moment ago
            continue
        queued.append(delivery.pk)
    return queued
