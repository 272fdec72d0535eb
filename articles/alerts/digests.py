"""Digests: one e-mail a day per address at PRESSROOM_DIGEST_HOUR, listing all its searches' new
releases (daily ones every day, weekly ones the week's on PRESSROOM_DIGEST_WEEKDAY), never one per
search.

A digest is due from its hour until it is sent, not only during that hour: a worker that was down
at the hour, or a beat that fell just past it, sends it at its next beat. It lists what was matched
before its hour (the cutoff); what is matched after waits for the next digest, and the digest of a
day (Delivery.digest_of, once per address) is never followed by a second. Days of digests missed
are one e-mail, not one a day, and a weekly one whose whole weekday was missed goes out as soon as
the worker is back, not a week later.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .models import Alert, Delivery, Subscription
from .sending import new_delivery


def digest_cutoffs(now) -> dict[str, datetime]:
    """For each digest frequency, its latest hour at or before `now`: the digest due lists the
    releases matched before it."""
    local = timezone.localtime(now)
    daily = local.replace(hour=settings.PRESSROOM_DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if daily > local:
        daily -= timedelta(days=1)
    weekly = daily - timedelta(days=(daily.weekday() - settings.PRESSROOM_DIGEST_WEEKDAY) % 7)
    return {Subscription.Frequency.DAILY: daily, Subscription.Frequency.WEEKLY: weekly}


def queue_digests(now=None) -> list[int]:
    """The digests due now, each queued once per address and day; their deliveries' ids."""
    now = now or timezone.now()
    cutoffs = digest_cutoffs(now)
    day = cutoffs[Subscription.Frequency.DAILY].date()  # the day whose digest this is
    matched_before_cutoff = Q()
    for frequency, cutoff in cutoffs.items():
        matched_before_cutoff |= Q(subscription__frequency=frequency, created__lt=cutoff)
    owed = Alert.objects.filter(
        matched_before_cutoff,
        delivery__isnull=True,
        subscription__confirmed_at__isnull=False,
        subscription__paused_at__isnull=True,
    )
    done = Delivery.objects.filter(digest_of=day).values_list("email", flat=True)
    queued = []
    for email in (
        owed.exclude(subscription__email__in=done).values_list("subscription__email", flat=True).distinct()
    ):
        try:
            with transaction.atomic():
                delivery = new_delivery(email=email, kind=Delivery.Kind.DIGEST, digest_of=day)
                owed.filter(subscription__email=email).update(delivery=delivery)
        except IntegrityError:  # another worker queued this address's digest a moment ago
            continue
        queued.append(delivery.pk)
    return queued
