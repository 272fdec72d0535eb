"""Work made in a forked process while this one uses it: an import's releases read, parsed and
their countries found beside the process that writes them, so the two share the machine's cores.

Only for processes without other threads (commands, the task worker): fork copies one thread.
"""

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator

from django.db import connections

logger = logging.getLogger(__name__)

# Items are sent in parcels: one message per item would cost more than the item.
PARCEL = 50


class MakerStopped(Exception):
    """The process making the items ended before it had sent them all (it was killed, say)."""


def made_beside(make: Callable[[], Iterator], *, on_note: Callable[[object], None]) -> Iterator:
    """The items `make()` yields, made in a forked process. What it notes (`note`, passed as its
    first argument) reaches `on_note` here, in this process, in order with the items; what it
    raises is raised here."""
    receiving, sending = multiprocessing.Pipe(duplex=False)
    connections.close_all()  # the maker opens its own; a connection must not cross a fork
    maker = multiprocessing.get_context("fork").Process(
        target=_make, args=(make, sending, os.getpid()), name="pressroom-import-reader", daemon=True
    )
    maker.start()
    sending.close()  # the maker's end: when it ends, receiving reads EOF rather than waiting for ever
    try:
        while True:
            try:
                kind, payload = receiving.recv()
            except EOFError:
                raise MakerStopped(
                    f"the process reading the releases stopped (exit code {maker.exitcode})"
                ) from None
            if kind == "items":
                yield from payload
            elif kind == "note":
                on_note(payload)
            elif kind == "raised":
                raise payload
            else:
                return
    finally:
        receiving.close()  # a maker still sending gets a broken pipe, and ends
        maker.join(timeout=5)
        if maker.is_alive():
            maker.terminate()


def _make(make, sending, parent_pid: int) -> None:
    parcel = []

    def note(payload) -> None:
        nonlocal parcel
        sending.send(("items", parcel))
        parcel = []
        sending.send(("note", payload))

    try:
        for item in make(note):
            parcel.append(item)
            if len(parcel) >= PARCEL:
                sending.send(("items", parcel))
                parcel = []
            if os.getppid() != parent_pid:  # the importer was killed outright
                return
        sending.send(("items", parcel))
        sending.send(("end", None))
    except (BrokenPipeError, EOFError):  # the importer stopped listening
        pass
    except Exception as error:
        logger.debug("the process reading the releases raised", exc_info=True)
        try:
            sending.send(("raised", error))
        except Exception:  # an exception that cannot be pickled: its kind and words
            sending.send(("raised", MakerStopped(f"{type(error).__name__}: {error}")))
    finally:
        sending.close()
        connections.close_all()
