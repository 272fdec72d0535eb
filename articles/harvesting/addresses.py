"""A source's address in one spelling, so that one feed is registered once however it was typed.

Pure. Only what names the same resource for every server is made alike: the scheme and the host
(case-insensitive by RFC 3986), the scheme's default port, and the #fragment (never sent to the
server). The path and the query are kept as written: "/Feed" and "/feed", or "/feed" and "/feed/",
may be two resources.
"""

from urllib.parse import urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def source_address(url: str) -> str:
    """`url` with its scheme and host in lower case, without its scheme's default port or a fragment,
    and with "/" for an empty path; an address that cannot be read so is given back as it came."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number, a malformed IPv6 address
        return url
    if not parts.hostname:
        return url
    scheme = parts.scheme.lower()
    host = _host(parts.hostname)
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    userinfo, at, _ = parts.netloc.rpartition("@")
    return urlunsplit((scheme, f"{userinfo}{at}{netloc}", parts.path or "/", parts.query, ""))


def _host(hostname: str) -> str:
    """The host in lower case, an international name in its ASCII form ("xn--..."), as DNS has it."""
    try:
        return hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:  # a label IDNA 2003 refuses: kept as written, lower case
        return hostname.lower()
