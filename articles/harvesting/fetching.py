"""One HTTP GET of a feed, sitemap, robots.txt or page, with every limit a harvester owes the web
and the archive: only http and https, only public addresses, redirects followed by hand (at most
MAX_REDIRECTS), a timeout for each wait, a deadline for the whole answer and another for all the
answers of one poll (its budget), a size cap checked as the body streams in, and a User-Agent that
names Pressroom and whoever runs it.

The address check is made where the connection is opened (`_CheckedNetwork`), on the address the
socket connects to, so that neither a redirect nor a DNS answer that changes between a check and a
connection (DNS rebinding) can lead a fetch to 127.0.0.1, 10.0.0.1 or 169.254.169.254. The
deadline is kept there too, on each read from the socket (`_DeadlineStream`).
"""

import ipaddress
import math
import socket
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import httpcore
import httpx
from django.conf import settings

USER_AGENT_TOKEN = "Pressroom"  # what robots.txt rules name
MAX_REDIRECTS = 5
_REDIRECTS = {301, 302, 303, 307, 308}
# A whole answer may take this many times the timeout of one wait (a server trickling bytes).
DEADLINE_TIMEOUTS = 3
# The content codings asked for, and unpacked here rather than by httpx, which unpacks each chunk
# whole: 64 KiB of gzip is 64 MB of zeros, and gzip'd twice, gigabytes.
_CODINGS = ("gzip", "x-gzip", "deflate")


class FetchFailed(Exception):
    """No usable answer; the message is a sentence for the admin and the batch page."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status  # the HTTP status when the server answered, with an error or a redirect


class OutOfTime(FetchFailed):
    """The fetcher's budget (a poll's time for fetching) ran out: what is left waits for the next poll."""


@dataclass(frozen=True)
class Fetched:
    url: str  # where the answer came from, after redirects
    status: int  # 2xx, or 304 (not modified)
    headers: httpx.Headers
    body: bytes


class _NoDnsRecord(Exception):
    pass


class _RefusedAddress(Exception):
    def __init__(self, host: str, address: str):
        super().__init__(host, address)
        self.host, self.address = host, address


def user_agent() -> str:
    contact = settings.PRESSROOM_HARVEST_CONTACT
    return f"{USER_AGENT_TOKEN}/1.0 (+{contact})" if contact else f"{USER_AGENT_TOKEN}/1.0"


def is_public(address: str) -> bool:
    """Whether an IP address is on the public Internet: not private, loopback, link-local,
    multicast, reserved, shared (carrier NAT) or unspecified, nor an IPv4 one of those mapped into IPv6."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone ("fe80::1%eth0") is local anyway
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def checked_address(host: str, port: int, *, allow_private: bool) -> str:
    """The address to connect to for `host`; refused when any address it has is not public."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise _NoDnsRecord(host) from error
    addresses = [info[4][0] for info in found]
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise _RefusedAddress(host, address)
    return addresses[0]


class _PastDeadline(Exception):
    pass


class _Redirected(Exception):
    """A redirect, taken from the answer before httpx reads its Location itself: httpx makes its next
    request of it even when it follows none, and fails on a javascript: or data: address."""

    def __init__(self, answer: httpx.Response):
        super().__init__(answer.status_code)
        self.status, self.headers = answer.status_code, answer.headers


def _stop_at_redirects(answer: httpx.Response) -> None:
    if answer.status_code in _REDIRECTS:
        raise _Redirected(answer)


class _CheckedNetwork(httpcore.SyncBackend):
    """httpcore's network, connecting only to the addresses `checked_address` allows, and reading
    from them only until the deadline of the answer being fetched."""

    def __init__(self, allow_private: bool):
        self._allow_private = allow_private
        self.deadline = math.inf  # a time.monotonic(), set by the Fetcher (one thread) for each answer

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        address = checked_address(host, port, allow_private=self._allow_private)
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise _PastDeadline
        timeout = left if timeout is None else min(timeout, left)
        # TLS is still checked against the host's name: httpcore sends its origin as the SNI name.
        return _DeadlineStream(
            super().connect_tcp(address, port, timeout, local_address, socket_options), self
        )


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read ends by the network's deadline. The deadline is kept here, where
    bytes are read, because httpx's timeout is for each read alone: a server sending its headers a
    byte at a time, or a body that unpacks to nothing, would hold a fetch for hours above it."""

    def __init__(self, stream: httpcore.NetworkStream, network: _CheckedNetwork):
        self._stream, self._network = stream, network

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        left = self._network.deadline - time.monotonic()
        if left <= 0:
            raise _PastDeadline
        try:
            return self._stream.read(max_bytes, left if timeout is None else min(timeout, left))
        except httpcore.ReadTimeout:
            if time.monotonic() >= self._network.deadline:
                raise _PastDeadline from None
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, timeout)

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, timeout), self._network)

    def get_extra_info(self, info: str):
        return self._stream.get_extra_info(info)


def _transport(network: _CheckedNetwork) -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport(trust_env=False, retries=0)
    # httpx offers no argument for httpcore's network backend: its pool is made again with ours.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=10,
        max_keepalive_connections=10,
        retries=0,
        network_backend=network,
    )
    return transport


def checked_client(
    *, timeout: float, allow_private: bool, headers: dict
) -> tuple[httpx.Client, "_CheckedNetwork"]:
    """An httpx client on the checked network, following no redirect (a 3xx raises Redirected), and
    the network, whose `deadline` the caller sets for each answer. Shared with webhooks' POSTs."""
    network = _CheckedNetwork(allow_private)
    client = httpx.Client(
        transport=_transport(network),
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        event_hooks={"response": [_stop_at_redirects]},
        trust_env=False,
        headers=headers,
    )
    return client, network


# What a checked client raises of its own, for its users beside the Fetcher (webhooks).
Redirected, RefusedAddress, NoDnsRecord, PastDeadline = (
    _Redirected,
    _RefusedAddress,
    _NoDnsRecord,
    _PastDeadline,
)


class Fetcher:
    """HTTP GETs for one poll (connections are reused between them); close it, or use it in `with`.
    With a `budget`, every GET ends within that many seconds of the fetcher's making, raising OutOfTime."""

    def __init__(
        self, *, timeout: float | None = None, allow_private: bool | None = None, budget: float | None = None
    ):
        self.timeout = settings.PRESSROOM_HARVEST_TIMEOUT_SECONDS if timeout is None else timeout
        self.budget = budget
        self._ends = math.inf if budget is None else time.monotonic() + budget
        allow = settings.PRESSROOM_HARVEST_ALLOW_PRIVATE_ADDRESSES if allow_private is None else allow_private
        self._client, self._network = checked_client(
            timeout=self.timeout,
            allow_private=allow,
            headers={"User-Agent": user_agent(), "Accept-Encoding": "gzip, deflate"},
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(
        self, url: str, *, what: str, max_bytes: int, headers: dict | None = None, cut: bool = False
    ) -> Fetched:
        """The answer at `url` (2xx or 304), redirects followed; FetchFailed names `what` failed and why.
        A body longer than `max_bytes` is refused, or with `cut`, its first `max_bytes` are the answer."""
        for _ in range(MAX_REDIRECTS + 1):
            answer = self._get_one(url, what=what, max_bytes=max_bytes, headers=headers or {}, cut=cut)
            if answer.status not in _REDIRECTS:
                return answer
            url = _redirect_target(answer, what)
        raise FetchFailed(f"The {what} redirects more than {MAX_REDIRECTS} times.", answer.status)

    def _get_one(self, url: str, *, what: str, max_bytes: int, headers: dict, cut: bool) -> Fetched:
        _check_scheme(url, what)
        if time.monotonic() >= self._ends:
            raise self._out_of_time(what)
        self._network.deadline = min(time.monotonic() + self.timeout * DEADLINE_TIMEOUTS, self._ends)
        try:
            with self._client.stream("GET", url, headers=headers) as answer:
                status = answer.status_code
                if status == 304 and _is_conditional(headers):
                    return Fetched(url, status, answer.headers, b"")
                if status == 304:  # to a question not asked: the server says nothing of the page
                    raise FetchFailed(
                        f"The {what} answered 304 Not Modified to a request that was not conditional.",
                        status,  # robots.txt: a 4xx-like answer, not an unreachable site
                    )
                if not 200 <= status < 300:
                    # The standard phrase, not the server's: what a server says is not shown in the admin.
                    raise FetchFailed(
                        f"The {what} answered {status} {httpx.codes.get_reason_phrase(status)}.", status
                    )
                return Fetched(url, status, answer.headers, _body(answer, what, max_bytes, cut))
        except _Redirected as redirect:
            return Fetched(url, redirect.status, redirect.headers, b"")
        except _PastDeadline as error:
            if time.monotonic() >= self._ends:
                raise self._out_of_time(what) from error
            raise FetchFailed(
                f"The {what} did not arrive whole within {self.timeout * DEADLINE_TIMEOUTS:g} s."
            ) from error
        except _NoDnsRecord as error:
            raise FetchFailed(f"The address {error.args[0]} has no DNS record.") from error
        except _RefusedAddress as error:
            raise FetchFailed(
                f"The {what} is at {error.address} ({error.host}), a private or local address; "
                "Pressroom fetches only from public addresses."
            ) from error
        except httpx.TimeoutException as error:
            if time.monotonic() >= self._ends:
                raise self._out_of_time(what) from error
            raise FetchFailed(f"The {what} gave no answer within {self.timeout:g} s.") from error
        except httpx.ConnectError as error:
            raise FetchFailed(f"The {what}'s server could not be reached ({_why(error)}).") from error
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as error:
            raise FetchFailed(f"The {what}'s address {url[:200]!r} is not a web address.") from error
        except httpx.HTTPError as error:  # the server broke off, or spoke something other than HTTP
            raise FetchFailed(
                f"The {what}'s server broke off its answer ({type(error).__name__})."
            ) from error

    def _out_of_time(self, what: str) -> OutOfTime:
        return OutOfTime(f"The poll's {self.budget:g} s of fetching ran out before the {what} arrived.")


def _body(answer: httpx.Response, what: str, max_bytes: int, cut: bool) -> bytes:
    too_large = f"The {what} is larger than {max_bytes:,} bytes, the most Pressroom reads."
    declared = answer.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes and not cut:
        raise FetchFailed(too_large)
    unpack = _unpacker(answer.headers, what)
    body = bytearray()
    for chunk in answer.iter_raw():  # unpacked as it comes, never past the cap: a gzip bomb is cut there
        body += unpack(chunk, max_bytes + 1 - len(body))
        if len(body) > max_bytes and cut:
            return bytes(body[:max_bytes])
        if len(body) > max_bytes:
            raise FetchFailed(too_large)
    return bytes(body)


def _unpacker(headers: httpx.Headers, what: str) -> Callable[[bytes, int], bytes]:
    """Unpacks the answer's next raw bytes into at most so many bytes, by its Content-Encoding."""
    codings = [coding.strip().lower() for coding in headers.get_list("content-encoding", split_commas=True)]
    codings = [coding for coding in codings if coding not in ("", "identity")]
    if not codings:
        return lambda chunk, most: chunk
    if len(codings) > 1 or codings[0] not in _CODINGS:
        raise FetchFailed(
            f"The {what} is compressed as {', '.join(codings)[:100]!r}, which Pressroom does not read."
        )
    # gzip or zlib, by its header (a "deflate" sent without the zlib header, as a few old servers do,
    # is refused as damaged).
    unpacker = zlib.decompressobj(zlib.MAX_WBITS | 32)

    def unpack(chunk: bytes, most: int) -> bytes:
        try:
            return unpacker.decompress(chunk, most)
        except zlib.error as error:
            raise FetchFailed(f"The {what}'s compressed answer is damaged.") from error

    return unpack


def _is_conditional(headers: dict) -> bool:
    return any(name.lower() in ("if-none-match", "if-modified-since") for name in headers)


def _check_scheme(url: str, what: str) -> None:
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in ("http", "https"):
        raise FetchFailed(f"The {what}'s address {url[:200]!r} is not an http:// or https:// address.")


def _redirect_target(answer: Fetched, what: str) -> str:
    """Where a redirect leads; FetchFailed, with the redirect's status, when it leads to no web address
    (robots.txt reads that as a missing robots.txt, as RFC 9309 asks)."""
    location = answer.headers.get("location", "").strip()
    if not location:
        raise FetchFailed(f"The {what} redirects without saying where to.", answer.status)
    try:
        target = httpx.URL(answer.url).join(location).copy_with(fragment=None)
    except (httpx.InvalidURL, ValueError) as error:
        raise FetchFailed(
            f"The {what} redirects to {location[:200]!r}, which is not a web address.", answer.status
        ) from error
    if target.scheme not in ("http", "https"):
        # Only the scheme is named: a data: address may hold a whole page, a javascript: one a script.
        raise FetchFailed(
            f"The {what} redirects to a non-web address ({target.scheme[:20]}:), "
            "which Pressroom does not follow.",
            answer.status,
        )
    return str(target)


def _why(error: httpx.ConnectError) -> str:
    cause = error.__context__ or error.__cause__
    while cause is not None and not isinstance(cause, OSError):
        cause = cause.__context__ or cause.__cause__
    return cause.strerror if isinstance(cause, OSError) and cause.strerror else "no connection"
