"""Logs as one JSON object per line, each naming the request it belongs to.

The request id comes from the proxy's X-Request-ID header when it sends a sane one, or is
made here; it is sent back in the response's X-Request-ID, so a reader's report, the proxy's
log, gunicorn's access log and Django's log lines can all be matched up.
"""

import contextvars
import json
import logging
import re
import uuid

_request_id = contextvars.ContextVar("request_id", default="-")
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get("X-Request-ID", "")
        request.id = offered if _SANE_ID.fullmatch(offered) else uuid.uuid4().hex
        token = _request_id.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request.id
        return response


class RequestIdFilter(logging.Filter):
    """Gives every record the id of the request being handled ("-" outside a request)."""

    def filter(self, record):
        record.request_id = _request_id.get()
        return True


class JsonLineFormatter(logging.Formatter):
    """One line per event: time, level, logger, process, request id, message, and any traceback."""

    def format(self, record):
        event = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            event["traceback"] = self.formatException(record.exc_info)
        return json.dumps(event, ensure_ascii=False)
