"""A webhook's target address: why one cannot be posted to, in a sentence for the admin.

Checked when the admin saves a webhook and again before each POST: a target saved before a check
existed, or whose DNS answer changed since, is given up with the reason rather than sent. The
address check is the harvester's (harvesting/fetching.py); the connection itself is checked once
more where it is opened, so a DNS answer that changes between this check and the POST is refused too.
"""

import ipaddress
from urllib.parse import urlsplit

import httpx
import idna

from ..harvesting import fetching

MAX_URL_LENGTH = 2000  # the model field's
_MAX_LABEL, _MAX_HOST = 63, 253  # DNS's limits (RFC 1035), on the name's ASCII form


def target_problem(url: str) -> str | None:
    """Why `url` is not an http(s) address Pressroom can POST to; None when it is one."""
    if len(url) > MAX_URL_LENGTH:
        return f"The target URL is at most {MAX_URL_LENGTH:,} characters."
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed "[" of an IPv6 address
        return "The target URL is not a web address."
    if parts.scheme.lower() not in ("http", "https"):
        return "The target must be an http:// or https:// address."
    if "@" in parts.netloc:
        return (
            "The target URL must not hold a user name or password (user:password@...): "
            "the receiver checks each POST's signature instead."
        )
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        return "The target's port must be a number from 1 to 65535."
    if not parts.hostname:
        return "The target URL names no host."
    return _host_problem(url, parts.hostname)


def _host_problem(url: str, hostname: str) -> str | None:
    """What httpx (which will send the POST) and DNS refuse in the host name."""
    shown = hostname[:100]
    try:
        host = httpx.URL(url).raw_host.decode("ascii")
        for label in host.split("."):
            if label.lower().startswith("xn--"):  # httpx decodes these, and fails on a malformed one
                idna.decode(label)
    except (httpx.InvalidURL, UnicodeError):  # idna's own error is a UnicodeError, not httpx's
        return f"The host name {shown!r} is not a valid domain name (IDNA)."
    if _is_ip(host):
        return None
    labels = host.rstrip(".").split(".")
    if len(host) > _MAX_HOST or any(not 0 < len(label) <= _MAX_LABEL for label in labels):
        return f"The host name {shown!r} is not a valid domain name (a part is empty or too long)."
    return None


def address_problem(url: str, *, allow_private: bool) -> str | None:
    """Why the target's host is not a public address; None when it is, or has no DNS record now
    (a receiver not yet in DNS is checked again before each POST)."""
    parts = urlsplit(url)
    host = httpx.URL(url).raw_host.decode("ascii")
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        fetching.checked_address(host, port, allow_private=allow_private)
    except fetching.NoDnsRecord:
        return None
    except fetching.RefusedAddress as error:
        return refused_text(error.host, error.address)
    return None


def refused_text(host: str, address: str) -> str:
    where = address if host == address else f"{address} ({host[:100]})"
    return (
        f"The target is at {where}, a private, loopback or link-local address: Pressroom posts only "
        "to public addresses (PRESSROOM_WEBHOOK_ALLOW_PRIVATE_ADDRESSES allows others)."
    )


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
