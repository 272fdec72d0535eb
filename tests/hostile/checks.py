"""What every answer to hostile input must be: no 5xx, prompt, well-formed, inert, no injected headers."""

import csv
import io
import json
import xml.etree.ElementTree as ElementTree

SLOW_SECONDS = 8.0  # generous for a loaded CI machine; a hung worker takes gunicorn's 30
# Markup that would run in a reader's browser if a value came back unescaped.
ACTIVE_MARKUP = ("<script>alert", "<img src=x", "<svg/onload", "<iframe src=javascript", "onerror=alert(1)>")
EXPORT_COLUMNS = ["id", "title", "published", "countries", "source", "url"]
FORMULA_STARTS = ("=", "+", "-", "@")
JSON_TYPES = {"application/json", "application/x-suggestions+json"}
XML_TYPES = {
    "application/atom+xml",
    "application/rss+xml",
    "application/xml",
    "text/xml",
    "application/opensearchdescription+xml",
}


def problems(response, *, expect_type: str | None = None) -> list[str]:
    """Everything wrong with one response, in words (empty when it is fine)."""
    found = []
    if response.status >= 500:
        found.append(f"status {response.status}")
    if response.seconds > SLOW_SECONDS:
        found.append(f"took {response.seconds:.1f}s")
    for name, value in response.headers:
        if name.lower() in ("x-injected", "evil") or (name.lower() == "set-cookie" and "evil" in value):
            found.append(f"injected header {name}: {value[:60]}")
        if "\r" in value or "\n" in value:
            found.append(f"line break in header {name}")
    if response.status >= 500 or response.method == "HEAD":
        return found  # an error page's form says nothing about the endpoint's; HEAD has no body
    kind = response.content_type
    if expect_type and response.status == 200 and kind != expect_type:
        found.append(f"content type {kind!r}, expected {expect_type!r}")
    found.extend(_body_problems(kind, response))
    return found


def _body_problems(kind: str, response) -> list[str]:
    if kind not in JSON_TYPES | XML_TYPES | {"text/csv", "text/html"}:
        return []  # a download (an uploaded original) is whatever bytes were uploaded
    try:
        text = response.body.decode("utf-8")
    except UnicodeDecodeError as error:
        return [f"body is not UTF-8 ({error.reason} at byte {error.start})"]
    if kind in JSON_TYPES:
        try:
            json.loads(text)
        except ValueError as error:
            return [f"JSON does not parse: {error}"]
        return []
    if kind in XML_TYPES:
        try:
            ElementTree.fromstring(response.body)
        except ElementTree.ParseError as error:
            return [f"XML does not parse: {error}"]
        return _markup_problems(text)
    if kind == "text/csv":
        return _csv_problems(text) if response.status == 200 else []
    if kind == "text/html":
        return _markup_problems(text)
    return []


def _markup_problems(text: str) -> list[str]:
    found = [f"unescaped markup {marker!r}" for marker in ACTIVE_MARKUP if marker in text]
    if "31337009" in text:  # {{ 9|add:31337000 }} evaluated
        found.append("template syntax was evaluated")
    return found


def _csv_problems(text: str) -> list[str]:
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as error:
        return [f"CSV does not parse: {error}"]
    if not rows or rows[0] != EXPORT_COLUMNS:
        return [f"CSV header is {rows[0] if rows else None!r}"]
    found = [
        f"CSV row {n} has {len(row)} cells"
        for n, row in enumerate(rows[1:], start=2)
        if len(row) != len(EXPORT_COLUMNS)
    ]
    found += [
        f"CSV row {n} holds a formula {cell[:30]!r}"
        for n, row in enumerate(rows[1:], start=2)
        for cell in row
        if cell.startswith(FORMULA_STARTS)
    ]
    return found
