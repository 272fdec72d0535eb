"""A real web site on 127.0.0.1 for the harvesting tests: a press office's feeds, sitemaps and pages.

Each path answers what the test put there (`site.put`, `site.redirect`, ...), and every request
is recorded (path and headers), so a test can see what Pressroom sent.
"""

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    etag: str = ""  # answered 304 to a request with this If-None-Match
    last_modified: str = ""  # answered 304 to a request with this If-Modified-Since
    sized: bool = True  # sends Content-Length; else the body ends when the connection closes
    trickle: float = 0.0  # seconds between the body's bytes, sent one at a time


class LocalSite:
    def __init__(self):
        self.answers: dict[str, Answer] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle(self):
                try:
                    super().handle()
                except ConnectionError:
                    pass  # Pressroom hung up (a timeout, a size cap): as it should

            def do_GET(self):
                site.requests.append((self.path, dict(self.headers)))
                answer = site.answers.get(self.path, Answer(404, b"not here"))
                time.sleep(answer.delay)
                if (answer.etag and self.headers.get("If-None-Match") == answer.etag) or (
                    answer.last_modified and self.headers.get("If-Modified-Since") == answer.last_modified
                ):
                    self.send_response(304)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if answer.etag:
                    self.send_header("ETag", answer.etag)
                if answer.last_modified:
                    self.send_header("Last-Modified", answer.last_modified)
                if answer.sized:
                    self.send_header("Content-Length", str(len(answer.body)))
                else:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                try:
                    if not answer.trickle:
                        self.wfile.write(answer.body)
                    for byte in answer.body if answer.trickle else ():
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(answer.trickle)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # Pressroom stopped reading (a size cap, a deadline): as it should

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def put(self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8", **options):
        body = body.encode() if isinstance(body, str) else body
        self.answers[path] = Answer(body=body, headers={"Content-Type": content_type}, **options)

    def redirect(self, path: str, to: str, status: int = 302):
        self.answers[path] = Answer(status, headers={"Location": to})

    def fail(self, path: str, status: int = 500):
        self.answers[path] = Answer(status, b"<h1>Internal Server Error</h1>", {"Content-Type": "text/html"})

    def requested(self, path: str) -> list[dict[str, str]]:
        """The headers of each request made for `path`."""
        return [headers for requested, headers in self.requests if requested == path]
