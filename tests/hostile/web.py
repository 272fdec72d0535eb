"""A small HTTP client for the hostile suite: raw query strings, keep-alive, cookies, multipart.

http.client rather than a library: it sends exactly the bytes it is given (invalid UTF-8,
a parameter 330 times), and it is in the standard library.
"""

import http.client
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import quote, urlsplit

TIMEOUT_SECONDS = 15  # a response slower than this is a hung worker as far as a reader can tell


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    seconds: float
    path: str = ""
    method: str = "GET"

    def header(self, name: str, default: str = "") -> str:
        return next((value for key, value in self.headers if key.lower() == name.lower()), default)

    @property
    def content_type(self) -> str:
        return self.header("Content-Type").split(";")[0].strip().lower()

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def encode(value: str | bytes) -> str:
    """Percent-encode a value (text as UTF-8; bytes as they are, valid UTF-8 or not)."""
    return quote(value.encode("utf-8") if isinstance(value, str) else value, safe="")


def query_string(pairs) -> str:
    return "&".join(f"{encode(name)}={encode(value)}" for name, value in pairs)


@dataclass
class Client:
    """One visitor: its cookies, and a kept-alive connection per thread."""

    base_url: str
    cookies: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        parts = urlsplit(self.base_url)
        self._host, self._port = parts.hostname, parts.port
        self._local = threading.local()

    def _connection(self, fresh=False) -> http.client.HTTPConnection:
        if fresh or getattr(self._local, "connection", None) is None:
            self._local.connection = http.client.HTTPConnection(
                self._host, self._port, timeout=TIMEOUT_SECONDS
            )
        return self._local.connection

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> Response:
        headers = {"Host": f"{self._host}:{self._port}", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            connection = self._connection(fresh=attempt > 0)
            started = time.monotonic()
            try:
                connection.request(method, path, body=body, headers=headers)
                raw = connection.getresponse()
                data = raw.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                connection.close()
                if attempt:  # the server closed a fresh connection too: that is an answer
                    raise
                continue  # a kept-alive connection the server had closed; try once on a new one
            seconds = time.monotonic() - started
            if raw.getheader("Connection", "").lower() == "close":
                connection.close()
                self._local.connection = None
            response = Response(raw.status, raw.getheaders(), data, seconds, path, method)
            self._keep_cookies(response)
            return response
        raise AssertionError("unreachable")

    def get(self, path: str, headers: dict | None = None) -> Response:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, fields=(), files=(), headers: dict | None = None) -> Response:
        """A multipart POST with the CSRF token of the cookie; `files` are (field, name, bytes)."""
        body, content_type = multipart(
            [("csrfmiddlewaretoken", self.cookies.get("csrftoken", "")), *fields], files
        )
        return self.request(
            "POST", path, body=body, headers={"Content-Type": content_type, **(headers or {})}
        )

    def _keep_cookies(self, response: Response) -> None:
        for key, value in response.headers:
            if key.lower() == "set-cookie":
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value

    def follow(self, response: Response, limit: int = 5) -> Response:
        """Follow redirects with GETs, as a browser does after a POST."""
        while response.status in (301, 302, 303) and limit:
            location = response.header("Location")
            response = self.get(
                location
                if location.startswith("/")
                else urlsplit(location)._replace(scheme="", netloc="").geturl()
            )
            limit -= 1
        return response


def multipart(fields, files) -> tuple[bytes, str]:
    boundary = "pressroom-" + secrets.token_hex(12)
    parts = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode("utf-8")
            + b"\r\n"
        )
    for name, filename, content in files:
        quoted = filename.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "%0D").replace("\n", "%0A")
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{quoted}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(head.encode("utf-8") + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"
