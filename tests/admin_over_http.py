"""The admin of a Pressroom in another process, as a browser uses it: signed in, its forms posted
with what they hold (CSRF token, hidden fields, inlines' management forms) and one field changed."""

import http.cookiejar
import secrets
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser


class FormFields(HTMLParser):
    """What a browser sends for each form on a page: its inputs, checked boxes, selected options
    and text areas (no submit buttons, no files), with the form's own attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[dict, list[tuple[str, str]]]] = []
        self.fields = None  # of the form being read
        self._textarea = self._select = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.fields = []
            self.forms.append((attrs, self.fields))
        if self.fields is None or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            if kind not in {"submit", "button", "file", "image", "reset"}:
                self.fields.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select, self._options = (name, "multiple" in attrs), []
        elif tag == "option" and self._select:
            self._options.append((attrs.get("value", ""), "selected" in attrs))

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.fields = None
        elif tag == "textarea" and self._textarea:
            # A browser drops the one newline that may follow <textarea>.
            name, text = self._textarea
            self.fields.append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select:
            (name, multiple), chosen = self._select, [value for value, on in self._options if on]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]
            self.fields.extend((name, value) for value in chosen)
            self._select = None


def form_fields(page: str) -> list[tuple[str, str]]:
    """The fields of the page's form, the one that is not the header's sign-out button."""
    parser = FormFields()
    parser.feed(page)
    for attrs, fields in parser.forms:
        if not (attrs.get("action") or "").endswith("/logout/"):
            return fields
    raise AssertionError(f"no form on the page: {page[:1000]}")


class AdminSession:
    """A signed-in editor on one server: pages fetched and forms posted with its cookies."""

    def __init__(self, url: str, username: str, password: str):
        self.url = url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirects()
        )
        status, page, _ = self.get("/admin/login/?next=/admin/")
        assert status == 200, (status, page[:500])
        login = dict(form_fields(page)) | {"username": username, "password": password}
        status, page, where = self.post("/admin/login/?next=/admin/", login)
        assert status == 302 and where == "/admin/", f"not signed in on {url}: {status} {page[:1000]}"

    def get(self, path: str):
        return self._send(urllib.request.Request(self.url + path))

    def post(self, path: str, fields, files: dict[str, tuple[str, bytes]] | None = None):
        """POST `fields` (a dict or pairs), as multipart when there are `files` ({field: (name, bytes)})."""
        pairs = list(fields.items() if isinstance(fields, dict) else fields)
        if files:
            body, content_type = multipart(pairs, files)
        else:
            body, content_type = urllib.parse.urlencode(pairs).encode(), "application/x-www-form-urlencoded"
        return self._send(
            urllib.request.Request(self.url + path, data=body, headers={"Content-Type": content_type})
        )

    def _send(self, request):
        """(status, page, where a redirect goes)"""
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode(), None
        except urllib.error.HTTPError as answer:
            return answer.code, answer.read().decode(errors="replace"), answer.headers.get("Location")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is returned as it is, so a test sees where a form sent the editor."""

    def redirect_request(self, *args, **kwargs):
        return None


def multipart(pairs: list[tuple[str, str]], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "pressroom-" + secrets.token_hex(12)
    parts = []
    for name, value in pairs:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, content) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
