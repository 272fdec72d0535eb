"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it is sent, and can refuse on request."""

import asyncio
import logging
import socket
import threading
from email import message_from_bytes
from email.policy import default

from aiosmtpd.controller import Controller


class Collector:
    """aiosmtpd's handler: each accepted message parsed, in order; scripted refusals answered first."""

    def __init__(self):
        self.messages = []
        self.data_answers: list[str] = []  # answers to the next DATA commands, before accepting ("451 ...")
        self.refuse_recipients: str | None = None  # answer to every RCPT ("550 ..."), while set
        # "DATA" or "QUIT": the next such command is left unanswered until `released` is set, so a
        # client can be killed inside SMTP (before or after its message was accepted).
        self.hold: str | None = None
        self.held = 0  # commands held so far
        self.released = threading.Event()

    async def _held(self, command: str) -> None:
        """Wait, unanswered, while this command is the one to hold; a client gone meanwhile cancels this."""
        if self.hold != command:
            return
        self.hold = None
        self.held += 1
        while not self.released.is_set():
            await asyncio.sleep(0.05)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_recipients:
            return self.refuse_recipients
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await self._held("DATA")  # the message is sent, its 250 not yet
        if self.data_answers:
            return self.data_answers.pop(0)
        message = message_from_bytes(envelope.content, policy=default)
        message.recipients = list(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server, session, envelope):
        await self._held("QUIT")  # the message is accepted, the client not yet told goodbye
        return "221 Bye"

    def to(self, address: str) -> list:
        return [message for message in self.messages if address in message.recipients]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SMTPServer:
    def __init__(self):
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command otherwise
        self.collector = Collector()
        self.port = free_port()
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        self.collector.port = self.port
        return self

    def __exit__(self, *exc):
        self.controller.stop()
