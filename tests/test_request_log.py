"""Request ids and JSON log lines: every event of a request can be found by its id."""

import io
import json
import logging

import pytest

from pressroom.request_log import JsonLineFormatter, RequestIdFilter


@pytest.fixture
def log_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonLineFormatter())
    logging.getLogger().addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.getLogger().removeHandler(handler)


def test_every_response_names_its_request(client, db):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first["X-Request-ID"]) == 32 and first["X-Request-ID"] != second["X-Request-ID"]


def test_a_proxys_request_id_is_kept_when_sane(client, db):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="edge-4f2a.9")["X-Request-ID"] == "edge-4f2a.9"
    for odd in ("x" * 65, "two words", "semi;colon"):
        assert client.get("/healthz", HTTP_X_REQUEST_ID=odd)["X-Request-ID"] != odd


def test_an_error_is_logged_with_its_traceback_and_request_id_never_shown(
    client, archive, monkeypatch, log_lines
):
    def broken(*args, **kwargs):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr("articles.views.search_articles", broken)
    client.raise_request_exception = False
    response = client.get("/?q=anything", HTTP_X_REQUEST_ID="report-42")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Traceback" not in page and "the disk is on fire" not in page
    assert "quote this reference: <code>report-42</code>" in page
    [event] = [line for line in log_lines() if line["level"] == "ERROR"]
    assert event["request_id"] == "report-42" and event["logger"] == "django.request"
    assert "RuntimeError: the disk is on fire" in event["traceback"]


def test_outside_a_request_the_id_is_a_dash(log_lines):
    logging.getLogger("articles.test").warning("a line\nwith a newline")
    [event] = log_lines()
    assert event["request_id"] == "-" and event["message"] == "a line\nwith a newline"
