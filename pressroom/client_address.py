"""The address of the client a request comes from: the one place that decides it.

Sign-in throttling (django-axes, through AXES_CLIENT_IP_CALLABLE) counts failures per
address, so the address must be one the client cannot choose. X-Forwarded-For is written
left to right: whatever the client sent first, then one address appended by each proxy
(nginx's `$proxy_add_x_forwarded_for`, README "Deploying"). Only the part the proxies
appended can be trusted, so with PROXY_COUNT proxies in front the client is the address
PROXY_COUNT places from the right; with none in front the header is ignored.
"""

import ipaddress

from django.conf import settings


def client_address(request) -> str | None:
    """The client's IP address, from the hop our proxies wrote, else the connection's peer."""
    peer = request.META.get("REMOTE_ADDR")
    proxies = settings.PRESSROOM_PROXY_COUNT
    if proxies <= 0:
        return peer
    forwarded_for = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = forwarded_for.rsplit(",", proxies)  # only the right end: a long header is not split in full
    if len(hops) < proxies:
        # Fewer hops than proxies: the request did not come through them, so nothing in
        # the header was written by a proxy we trust.
        return peer
    return _normalised(hops[-proxies]) or peer


def _normalised(hop: str) -> str | None:
    try:
        address = ipaddress.ip_address(hop.strip())
    except ValueError:
        return None
    # A zone ("fe80::1%eth0") names an interface of the proxy's machine, not a client.
    return None if getattr(address, "scope_id", None) else str(address)
