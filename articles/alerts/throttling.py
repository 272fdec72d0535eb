"""How many confirmation e-mails one address, and one client, may cause: subscribing must not be a
way to fill a stranger's inbox. Every request is counted, sent or not."""

import ipaddress
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import ConfirmationRequest


def may_send_confirmation(*, email: str, client_address: str | None) -> bool:
    """Record the request; True when neither its address nor its client is over its limit."""
    client_address = _ip_or_none(client_address)
    now = timezone.now()
    to_address = ConfirmationRequest.objects.filter(
        email=email, sent=True, created__gte=now - timedelta(days=1)
    )
    allowed = to_address.count() < settings.PRESSROOM_ALERTS_CONFIRMATIONS_PER_ADDRESS
    if client_address is not None:
        from_client = ConfirmationRequest.objects.filter(
            client_address=client_address, created__gte=now - timedelta(hours=1)
        )
        allowed = allowed and from_client.count() < settings.PRESSROOM_ALERTS_CONFIRMATIONS_PER_CLIENT
    ConfirmationRequest.objects.create(email=email, client_address=client_address, sent=allowed)
    return allowed


def _ip_or_none(address: str | None) -> str | None:
    """The client's IP address, or None when the server gave none (a Unix socket gives "")."""
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def forget_old_requests() -> int:
    """Requests older than a day count for nothing any more."""
    deleted, _ = ConfirmationRequest.objects.filter(created__lt=timezone.now() - timedelta(days=2)).delete()
    return deleted
