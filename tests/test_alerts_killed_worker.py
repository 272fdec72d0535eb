"""A real task worker SIGKILLed while it speaks to a real SMTP server about an alert, and a new
worker started after it: the reader gets the alert, once (issue 17, "a worker killed mid-send").

The server holds one SMTP command unanswered, so the kill lands inside the conversation for sure:
- held at DATA, the message sent but its 250 not yet given: the server never accepted it, and the
  new worker sends it once, with the Message-ID chosen when the delivery was created;
- held at QUIT, the message accepted (250) but "sent" not yet recorded: no database can know the
  server took it, so the new worker sends it again, with the same Message-ID. At the SMTP level
  delivery is at least once; a mail program that drops a repeated Message-ID shows it once.
"""

import json
import os
import signal
import subprocess
import sys

import pytest

from .processes import PROJECT, environment, manage_with, new_archive
from .smtp_server import SMTPServer
from .waiting import eventually

# Out of process: `make test-fast` leaves these out.
pytestmark = pytest.mark.slow

READER = "reader@example.org"
TITLE = "Fisheries agreement signed in Muscat"
LAPSE_SECONDS = 2  # PRESSROOM_ALERTS_SENDING_LAPSE_SECONDS: 600 in production, a moment here

SUBSCRIBE = f"""
from django.utils import timezone
from articles.alerts.models import Subscription
Subscription.objects.create(email="{READER}", query="q=fisheries", frequency="immediate",
                            confirmed_at=timezone.now())
"""
IMPORT_A_RELEASE = f"""
import datetime
from articles.ingest.parsing import ParsedArticle
from articles.services import article_import
article_import(parsed=ParsedArticle(
    "{TITLE}", datetime.date(2024, 5, 2),
    ("Pakistan and Oman signed a fisheries agreement in Muscat.",), ""))
"""
DELIVERIES = """
import json
from django.db.models import Max
from articles.alerts.models import Delivery
from articles.models import WorkerHeartbeat
print(json.dumps({
    "deliveries": [[d.kind, d.status, d.message_id, d.attempts, d.sent_at and d.sent_at.timestamp()]
                   for d in Delivery.objects.order_by("pk")],
    "last_beat": WorkerHeartbeat.objects.aggregate(latest=Max("last_seen"))["latest"].timestamp(),
}))
"""


@pytest.fixture
def smtp():
    with SMTPServer() as server:
        yield server.collector


@pytest.fixture
def archive(tmp_path, smtp):
    """A data directory of the test's own, mailing to `smtp`, with a reader's confirmed alert."""
    data_dir = tmp_path / "data"
    new_archive(data_dir, articles=0)
    env = {
        **environment(data_dir),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "DEFAULT_FROM_EMAIL": "Pressroom <alerts@127.0.0.1>",
        "PRESSROOM_ALERTS_SENDING_LAPSE_SECONDS": str(LAPSE_SECONDS),
    }
    shell(env, SUBSCRIBE)
    return env


def shell(env: dict, code: str) -> str:
    return manage_with(env, "shell", "--verbosity", "0", "-c", code).stdout.strip().splitlines()[-1:]


def state(env: dict) -> dict:
    return json.loads(shell(env, DELIVERIES)[0])


def start_worker(env: dict, log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "task_worker", "--interval", "0.2", "--no-startup-delay"],
        cwd=PROJECT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def kill_while_held(env: dict, smtp, tmp_path, command: str) -> dict:
    """The alert's worker SIGKILLed while `command` is held; a new worker started; the state once
    the delivery is sent and the new worker has beaten past another lapse (nothing more to send)."""
    smtp.hold = command
    with (tmp_path / "worker.log").open("w") as log:  # read it when the test fails
        first = start_worker(env, log)
        try:
            shell(env, IMPORT_A_RELEASE)
            eventually(lambda: smtp.held, what=f"the worker inside SMTP, its {command} held ({log.name})")
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
        ((kind, status, *_),) = state(env)["deliveries"]
        assert (kind, status) == ("alert", "sending")  # left as the killed worker left it
        smtp.released.set()
        accepted_before_the_kill = len(smtp.messages)
        second = start_worker(env, log)
        try:
            sent = eventually(
                lambda: state(env),
                lambda seen: seen["deliveries"][0][1] == "sent",
                what="the new worker to send the alert",
            )
            sent_at = sent["deliveries"][0][4]
            # The new worker beats every 5 s and queues whatever is due: once it has beaten past a
            # further lapse after the send, anything it would send twice would have been sent.
            final = eventually(
                lambda: state(env),
                lambda seen: seen["last_beat"] > sent_at + LAPSE_SECONDS + 1,
                what="the new worker's heartbeats after the send",
            )
        finally:
            second.terminate()
            second.wait(timeout=30)
    return {**final, "accepted_before_the_kill": accepted_before_the_kill}


def alerts_of_the_release(smtp) -> list:
    return [m for m in smtp.to(READER) if TITLE in m.get_body(preferencelist=("plain",)).get_content()]


def test_a_worker_killed_before_the_server_accepted_the_alert_sends_it_once_after(archive, smtp, tmp_path):
    final = kill_while_held(archive, smtp, tmp_path, "DATA")
    assert final["accepted_before_the_kill"] == 0  # the held message died with its connection
    ((kind, status, message_id, attempts, _),) = final["deliveries"]
    assert (kind, status, attempts) == ("alert", "sent", 2)
    (alert,) = smtp.messages  # nothing else was sent either
    assert alerts_of_the_release(smtp) == [alert]
    assert alert["Message-ID"] == message_id


def test_a_worker_killed_after_the_server_accepted_the_alert_sends_it_again_with_its_message_id(
    archive, smtp, tmp_path
):
    final = kill_while_held(archive, smtp, tmp_path, "QUIT")
    assert final["accepted_before_the_kill"] == 1  # accepted, but "sent" never recorded
    ((kind, status, message_id, attempts, _),) = final["deliveries"]
    assert (kind, status, attempts) == ("alert", "sent", 2)
    # At least once at the SMTP level: the same e-mail twice, which mail programs show once.
    assert [message["Message-ID"] for message in smtp.messages] == [message_id, message_id]
    assert alerts_of_the_release(smtp) == smtp.messages
