"""Where an index stands in the change log, kept in a file beside the index's own files.

Kept with the generation, not in the database, so that an index copied to another machine or
restored from a backup still knows which changes it holds. The file is replaced atomically
after the index commits what it records; dying in between only means replaying a few entries,
which is harmless: applying an entry re-reads the article from the database.
"""

import json
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .change_log import START, Position

logger = logging.getLogger(__name__)

CURSOR_FILE = "cursor.json"
# Entries applied ahead of the position wait for an older transaction to end. An open
# transaction left for hours would grow the list; past this many, the oldest are forgotten
# and simply applied again once they settle.
AHEAD_LIMIT = 20_000


@dataclass(frozen=True)
class Cursor:
    position: Position = START
    ahead: frozenset[Position] = field(default_factory=frozenset)

    def has_applied(self, position: Position) -> bool:
        return position <= self.position or position in self.ahead


def read_cursor(generation: Path) -> Cursor:
    """The generation's cursor; an index written before the change log has applied none of it."""
    try:
        recorded = json.loads((generation / CURSOR_FILE).read_bytes())
        return Cursor(
            _position(recorded["position"]), frozenset(_position(each) for each in recorded["ahead"])
        )
    except FileNotFoundError:
        return Cursor()
    except (ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError, RecursionError):
        logger.warning(
            "the cursor of index %s is unreadable; the whole change log is applied again", generation
        )
        return Cursor()


def _position(pair) -> Position:
    transaction, change = pair
    if not all(type(number) is int and number >= 0 for number in (transaction, change)):
        raise ValueError(f"not a position: {pair!r}")
    return Position(transaction, change)


def write_cursor(generation: Path, cursor: Cursor) -> None:
    ahead = sorted(cursor.ahead)[-AHEAD_LIMIT:]
    text = json.dumps(
        {
            "position": [cursor.position.transaction, cursor.position.change],
            "ahead": [[each.transaction, each.change] for each in ahead],
        }
    )
    temporary = generation / f".{CURSOR_FILE}.{os.getpid()}.{threading.get_ident()}"
    temporary.write_text(text)
    os.replace(temporary, generation / CURSOR_FILE)
