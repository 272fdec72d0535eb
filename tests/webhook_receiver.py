"""A real webhook receiver on 127.0.0.1: checks each POST's signature with the secret, records it,
and answers what the test queued (500, 503, a redirect, a delay, a hang-up, a trickle), then 200."""

import hashlib
import hmac
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HANG_UP = 0  # as a status: close the connection without a word
TRICKLE = -1  # as a status: "200 OK", then a header a byte every 0.1 s for `delay` seconds


class Receiver:
    def __init__(self):
        self.secret = ""
        self.posts: list[dict] = []  # {"headers", "body", "valid"}
        self.answers: list[tuple[int, float, dict]] = []  # (status, delay, headers), used in turn
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.posts.append(
                    {"headers": dict(self.headers), "body": body, "valid": receiver.valid(self.headers, body)}
                )
                status, delay, headers = receiver.answers.pop(0) if receiver.answers else (200, 0, {})
                if status == HANG_UP:
                    self.close_connection = True
                    return
                if status == TRICKLE:
                    self.trickle(delay)
                    return
                time.sleep(delay)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def trickle(self, seconds: float):
                self.close_connection = True
                ends = time.monotonic() + seconds
                try:
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                    while time.monotonic() < ends:
                        self.wfile.write(b"z")
                        time.sleep(0.1)
                    self.wfile.write(b"\r\nContent-Length: 0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}/hook"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def valid(self, headers, body: bytes) -> bool:
        timestamp = headers.get("X-Pressroom-Timestamp", "")
        expected = hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < 300
        return fresh and hmac.compare_digest(headers.get("X-Pressroom-Signature", ""), f"sha256={expected}")

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
