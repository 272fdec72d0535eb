"""One signed webhook POST, and how it ended, in a sentence for the delivery log.

Headers: X-Pressroom-Delivery (a UUID), X-Pressroom-Timestamp (Unix seconds) and
X-Pressroom-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the webhook's
secret>. A receiver recomputes the signature, refuses an old timestamp (replay), and drops a
delivery id it has seen. Only public addresses are posted to (the harvester's checked network,
unless PRESSROOM_WEBHOOK_ALLOW_PRIVATE_ADDRESSES), no redirect is followed, and each POST ends within
PRESSROOM_WEBHOOK_TIMEOUT_SECONDS in all.
"""

import hashlib
import hmac
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass

import httpx
from django.conf import settings

from ..harvesting import fetching
from . import targets
from .models import Webhook

ANSWER_READ_BYTES = 4096
SHOWN_LOCATION_CHARS = 200
USER_AGENT = "Pressroom-Webhooks/1.0"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


@dataclass(frozen=True)
class Outcome:
    """How one POST ended: the answer's status (None without one) and, unless delivered, why not."""

    status: int | None
    error: str = ""
    final: bool = False  # retrying cannot help: given up at once
    gone: bool = False  # the receiver says the endpoint is gone: the webhook is paused at once

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(webhook: Webhook, delivery_id: uuid.UUID, body: bytes) -> Outcome:
    """POST `body` signed to the webhook's target, within the timeout in all; how it ended."""
    problem = targets.target_problem(webhook.url)
    if problem:  # saved before the admin checked it
        return Outcome(None, f"The target URL cannot be used: {problem} Correct it in the admin.", final=True)
    timestamp = int(time.time())
    timeout = settings.PRESSROOM_WEBHOOK_TIMEOUT_SECONDS
    client, network = fetching.checked_client(
        timeout=timeout,
        allow_private=settings.PRESSROOM_WEBHOOK_ALLOW_PRIVATE_ADDRESSES,
        headers={"User-Agent": USER_AGENT},
    )
    headers = {
        "Content-Type": "application/json",
        "X-Pressroom-Delivery": str(delivery_id),
        "X-Pressroom-Timestamp": str(timestamp),
        "X-Pressroom-Signature": signature(webhook.secret, timestamp, body),
    }
    # For the whole exchange, not for each read: a receiver trickling its answer a byte at a time
    # would otherwise hold the worker for as long as it likes.
    network.deadline = time.monotonic() + timeout
    try:
        with client, client.stream("POST", webhook.url, content=body, headers=headers) as answer:
            _read_a_little(answer)
            return _answered(answer.status_code)
    except fetching.Redirected as redirect:
        return Outcome(redirect.status, _redirect_text(redirect))
    except fetching.RefusedAddress as error:
        return Outcome(None, targets.refused_text(error.host, error.address), final=True)
    except fetching.NoDnsRecord as error:
        return Outcome(None, f"The receiver's host {error.args[0][:100]} has no DNS record now.")
    except httpx.ConnectTimeout:
        return Outcome(None, f"The receiver could not be connected to within {timeout:g} s.")
    except (fetching.PastDeadline, httpx.TimeoutException):
        return Outcome(
            None,
            f"The receiver's answer did not arrive whole within {timeout:g} s, the most a POST waits "
            "(PRESSROOM_WEBHOOK_TIMEOUT_SECONDS).",
        )
    except httpx.ConnectError:
        return Outcome(None, "The receiver could not be connected to (refused, or no route to it).")
    except httpx.RemoteProtocolError:
        return Outcome(None, "The receiver closed the connection before it gave a whole HTTP answer.")
    except httpx.HTTPError as error:
        return Outcome(None, f"The receiver could not be reached ({type(error).__name__}).")


def _read_a_little(answer: httpx.Response) -> None:
    """Read a few KB of the answer's body, of which nothing is kept: its status is what counts,
    and a body cut off or late does not undo it."""
    with suppress(fetching.PastDeadline, httpx.HTTPError):
        read = 0
        for chunk in answer.iter_raw():
            read += len(chunk)
            if read >= ANSWER_READ_BYTES:
                break


def _answered(code: int) -> Outcome:
    reason = httpx.codes.get_reason_phrase(code)
    if 200 <= code < 300:
        return Outcome(code)
    if code == 410:
        return Outcome(
            code,
            "The receiver answered 410 Gone: it says this endpoint is gone for good, so the webhook "
            "is paused. Resume it once the receiver is back at this address, or give it the new one.",
            gone=True,
        )
    return Outcome(code, f"The receiver answered {code} {reason}.".replace(" .", "."))


def _redirect_text(redirect) -> str:
    location = redirect.headers.get("location", "").strip()
    reason = httpx.codes.get_reason_phrase(redirect.status)
    if not location:
        where = "without saying where to"
    elif len(location) > SHOWN_LOCATION_CHARS:
        where = f"to {location[:SHOWN_LOCATION_CHARS]!r}... ({len(location):,} characters)"
    else:
        where = f"to {location!r}"
    return (
        f"The receiver answered {redirect.status} {reason}, a redirect {where}, which is not followed: "
        "if the receiver moved, change the webhook's target URL."
    )
