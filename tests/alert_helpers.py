"""Small helpers of the alert tests: the links of an e-mail, and the worker's beat."""

import re

from django.db import connection

from articles.worker import queue_due_alerts


def links(message) -> list[str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.findall(r"https://pressroom\.example\S+", text)


def path_of(url: str) -> str:
    return url.removeprefix("https://pressroom.example")


def beat(capture) -> None:
    """The task worker's heartbeat, its queued tasks run at once, as after real commits."""
    with capture(execute=True):
        queue_due_alerts()
    connection.run_on_commit.clear()
