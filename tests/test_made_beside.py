"""Work made in a forked process beside the one using it (an import's reading, made_beside.py)."""

import os
import signal
import time

import pytest

from articles.made_beside import MakerStopped, made_beside


def test_the_items_and_notes_arrive_in_order_as_made():
    def make(note):
        for number in range(120):
            if number % 40 == 0:
                note(("found", number))
            yield number

    told = []
    received = []
    for item in made_beside(make, on_note=lambda payload: told.append((payload, len(received)))):
        received.append(item)
    assert received == list(range(120))
    assert told == [(("found", 0), 0), (("found", 40), 40), (("found", 80), 80)]  # with the items before them


def test_what_the_maker_raises_is_raised_here():
    def make(note):
        yield 1
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        list(made_beside(make, on_note=print))


def test_a_maker_killed_outright_stops_its_user_at_once_rather_than_hanging_it():
    def make(note):
        yield 1
        os.kill(os.getpid(), signal.SIGKILL)
        yield 2

    started = time.monotonic()
    with pytest.raises(MakerStopped, match="stopped"):
        list(made_beside(make, on_note=print))
    assert time.monotonic() - started < 10
