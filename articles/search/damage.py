"""Telling the operator, and every reader, that the index's files are damaged.

Whoosh keeps no checksums, so damage surfaces as whatever its readers raise. This module turns
those errors into IndexUnavailable, logs what to do, and has the modules that keep what was read
from the files drop it (`forget_when_damaged`). It imports none of them: they register here.
"""

import logging
import struct
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

# The name these lines had before the index modules were split, which operators' log filters know.
logger = logging.getLogger("articles.search.index")

# What Whoosh raises while searching when the files under it are missing or cut short, and
# what our reads raise (UnreadableIndex, an OSError) when it gives what it cannot have written.
SEARCH_DAMAGE_ERRORS = (OSError, EOFError, struct.error)
# Opening the index, a searcher and its arrays reads every segment's headers and columns and
# nothing a reader typed, so any error there is the files': Whoosh keeps no checksums, and
# garbled bytes surface as whatever its decoders raise (FileFormatError, OverflowError, ...).
OPENING_DAMAGE_ERRORS = (Exception,)


class IndexUnavailable(RuntimeError):
    """The index is missing or unreadable; `manage.py rebuild_index` recreates it."""


# Called with (generation, error) when damage is found, in the order registered; none
# depends on another having run.
_forgetters: list[Callable[[Path | None, BaseException], None]] = []


def forget_when_damaged(forget: Callable[[Path | None, BaseException], None]) -> None:
    """Have `forget(generation, error)` drop what it keeps of a generation found damaged."""
    _forgetters.append(forget)


@contextmanager
def damage_reported(generation: Path | None, errors=SEARCH_DAMAGE_ERRORS):
    """Turn Whoosh's errors about damaged files into IndexUnavailable, logged for the operator."""
    try:
        yield
    except IndexUnavailable:
        raise
    except errors as error:
        _report_damage(generation, error)
        raise IndexUnavailable("The search index is damaged; run `manage.py rebuild_index`.") from error


def _report_damage(generation: Path | None, error: BaseException) -> None:
    logger.error(
        "search index %s is damaged (%s: %s); run `manage.py rebuild_index`",
        generation,
        type(error).__name__,
        error,
        exc_info=not isinstance(error, SEARCH_DAMAGE_ERRORS),  # should it be a bug after all, its traceback
    )
    for forget in _forgetters:
        forget(generation, error)
