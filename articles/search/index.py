"""Where the index lives on disk, and the searchers that read it.

The index directory holds generations (`generation-<n>/`) and a `current` symlink to the
live one, so `rebuild_index` can build a new generation beside it and swap it in with one
atomic rename while searches go on.
"""
import logging
import os
import shutil
import struct
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from whoosh import index as whoosh_index
from whoosh.index import EmptyIndexError, IndexError as WhooshIndexError

from .arrays import IndexArrays
from .schema import SCHEMA
from .storage import UnhurriedFileStorage

logger = logging.getLogger(__name__)

CURRENT = "current"
# What Whoosh raises when its files are missing, truncated or garbled.
DAMAGE_ERRORS = (OSError, EOFError, struct.error, ValueError, KeyError, IndexError, EmptyIndexError, WhooshIndexError)


class IndexUnavailable(RuntimeError):
    """The index is missing or unreadable; `manage.py rebuild_index` recreates it."""


def index_root() -> Path:
    return Path(settings.PRESSROOM_INDEX_DIR)


def current_generation() -> Path | None:
    link = index_root() / CURRENT
    try:
        return index_root() / os.readlink(link)
    except OSError:
        return None


def index_exists() -> bool:
    """True when the live generation holds an index with the fields this version of Pressroom writes."""
    generation = current_generation()
    if generation is None or not UnhurriedFileStorage(str(generation)).index_exists():
        return False
    try:
        return _has_current_fields(UnhurriedFileStorage(str(generation)).open_index())
    except DAMAGE_ERRORS:
        return True  # there, but damaged: searches say so and the log says to rebuild


def _has_current_fields(ix) -> bool:
    """The same fields, each of the same kind and recording the same things about its words."""
    return _field_kinds(ix.schema) == _field_kinds(SCHEMA)


def _field_kinds(schema) -> dict[str, tuple]:
    return {
        name: (type(field).__name__, type(field.format).__name__, field.scorable, field.stored, _analysis(field))
        for name, field in schema.items()
    }


def _analysis(field) -> tuple[str, ...]:
    """The steps a field's text goes through (an index written before accent folding differs here)."""
    analyzer = getattr(field, "analyzer", None)
    return tuple(type(step).__name__ for step in getattr(analyzer, "items", [analyzer]))


def create_generation() -> tuple[Path, whoosh_index.Index]:
    """A new, empty index beside the live one; `make_current` swaps it in."""
    index_root().mkdir(parents=True, exist_ok=True)
    path = index_root() / f"generation-{time.time_ns()}"
    path.mkdir()
    return path, UnhurriedFileStorage(str(path)).create_index(SCHEMA)


def make_current(generation: Path) -> None:
    """Point `current` at a generation atomically."""
    temporary_link = index_root() / f".{CURRENT}-{time.time_ns()}"
    os.symlink(generation.name, temporary_link)
    os.replace(temporary_link, index_root() / CURRENT)


def remove_replaced_generations() -> None:
    """Delete every generation but the live one (and any a failed rebuild left behind)."""
    live = current_generation()
    for old in index_root().glob("generation-*"):
        if old != live:
            # Open searchers keep reading the files they mapped; Unix frees them at close.
            shutil.rmtree(old, ignore_errors=True)


_process_index = {"generation": None, "index": None}
_process_index_lock = threading.RLock()  # re-entered when opening finds damage


def open_index() -> whoosh_index.Index:
    """The live index, opened once per process and again after a rebuild swaps it."""
    generation = current_generation()
    if generation is None:
        raise IndexUnavailable("The search index has not been built; run `manage.py rebuild_index`.")
    with _process_index_lock:
        if _process_index["generation"] != generation:
            with damage_reported(generation):
                storage = UnhurriedFileStorage(str(generation))
                if not _has_current_fields(storage.open_index()):
                    logger.error("search index %s was built by an earlier version; run `manage.py rebuild_index`", generation)
                    raise IndexUnavailable("The search index was built by an earlier version; run `manage.py rebuild_index`.")
                _process_index["index"] = storage.open_index(schema=SCHEMA)
            _process_index["generation"] = generation
        return _process_index["index"]


def live_writer(timeout: float):
    """A writer on the live generation, even if a rebuild swaps generations while we wait for the lock."""
    for _ in range(3):
        ix = open_index()
        try:
            # Separate, memory-mapped segment files rather than compound ones, which Whoosh
            # copies into every searcher; storage.py keeps merged-away files for a while.
            writer = ix.writer(timeout=timeout, compound=False)
        except FileNotFoundError:  # the generation was removed while we waited
            continue
        if Path(ix.storage.folder) == current_generation():
            return writer
        discard_writer(writer)
    raise IndexUnavailable("The index was replaced three times while waiting to write; try again.")


def discard_writer(writer) -> None:
    try:
        writer.cancel()
    except FileNotFoundError:
        pass  # its generation was removed by a rebuild; there is nothing left to clean up


def index_version() -> str:
    """Changes with every commit to the live index and with every rebuild."""
    ix = open_index()
    with damage_reported():
        return f"{Path(ix.storage.folder).name}.{ix.latest_generation()}"


@contextmanager
def damage_reported(generation=None, errors=DAMAGE_ERRORS):
    """Turn Whoosh's errors about damaged files into IndexUnavailable, logged for the operator."""
    try:
        yield
    except errors as error:
        logger.error(
            "search index %s is damaged (%s: %s); run `manage.py rebuild_index`",
            generation or current_generation(), type(error).__name__, error,
        )  # fmt: skip
        forget_open_index()
        raise IndexUnavailable("The search index is damaged; run `manage.py rebuild_index`.") from error


_thread_searchers = threading.local()


@contextmanager
def searcher():
    """This thread's searcher, refreshed to see the latest commit (searchers are not thread-safe)."""
    ix = open_index()
    held = getattr(_thread_searchers, "held", None)
    with damage_reported():
        if held is None or held.ix is not ix:
            if held is not None:
                held.searcher.close()
            held = _HeldSearcher(ix)
            _thread_searchers.held = held
        else:
            held.refresh()
    # While searching, only file errors mean damage; anything else is a bug to see as one.
    with damage_reported(errors=(OSError, EOFError, struct.error)):
        yield held


def read_ahead() -> None:
    """Read the live index's arrays into this process, so that its first search is as quick as the rest."""
    try:
        with searcher() as held:
            held.arrays()
    except IndexUnavailable:
        pass  # searches will say so, and the log says what to do
    finally:
        _close_thread_searcher()


def forget_open_index() -> None:
    """Drop this process's open index and searcher (tests use a fresh index each time)."""
    _close_thread_searcher()
    with _process_index_lock:
        _process_index.update(generation=None, index=None)


def _close_thread_searcher() -> None:
    held = getattr(_thread_searchers, "held", None)
    if held is not None:
        held.searcher.close()
        _thread_searchers.held = None


class _HeldSearcher:
    """A thread's searcher; it sees a new commit on the first use after it."""

    def __init__(self, ix):
        self.ix = ix
        self.searcher = ix.searcher()
        self._arrays = None

    def refresh(self):
        # Not Searcher.refresh(): it reuses a segment's reader when the segment's id is
        # unchanged, so documents deleted from that segment since stay visible (and
        # segments merged away are read again). A new searcher costs more and is right.
        if not self.searcher.up_to_date():
            self.searcher.close()
            self.searcher = self.ix.searcher()

    def arrays(self) -> IndexArrays:
        """This searcher's version of the index as arrays, made on first use."""
        if self._arrays is None or self._arrays.searcher is not self.searcher:
            self._arrays = IndexArrays(self.searcher)
        return self._arrays
