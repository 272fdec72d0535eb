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

from .arrays import IndexArrays, forget_cached_segments
from .integrity import IndexFilesChanged, UnreadableIndex, verify_unchanged
from .schema import SCHEMA
from .storage import UnhurriedFileStorage

logger = logging.getLogger(__name__)

CURRENT = "current"
# What Whoosh raises while searching when the files under it are missing or cut short, and
# what our reads raise (UnreadableIndex, an OSError) when it gives what it cannot have written.
SEARCH_DAMAGE_ERRORS = (OSError, EOFError, struct.error)
# Opening the index, a searcher and its arrays reads every segment's headers and columns and
# nothing a reader typed, so any error there is the files': Whoosh keeps no checksums, and
# garbled bytes surface as whatever its decoders raise (FileFormatError, OverflowError, ...).
OPENING_DAMAGE_ERRORS = (Exception,)


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
    except OPENING_DAMAGE_ERRORS:
        return True  # there, but damaged: searches say so and the log says to rebuild


def _has_current_fields(ix) -> bool:
    """The same fields, each of the same kind and recording the same things about its words."""
    return _field_kinds(ix.schema) == _field_kinds(SCHEMA)


def _field_kinds(schema) -> dict[str, tuple]:
    return {
        name: (
            type(field).__name__,
            type(field.format).__name__,
            field.scorable,
            field.stored,
            _analysis(field),
        )
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


# The live index as this process opened it, and generations found damaged, which it does not
# open again: a rebuild makes a new one.
_process_index = {"generation": None, "index": None, "damaged": set()}
_process_index_lock = threading.RLock()  # re-entered when opening finds damage


def open_index() -> whoosh_index.Index:
    """The live index, opened once per process and again after a rebuild swaps it or damage is found."""
    generation = current_generation()
    if generation is None:
        raise IndexUnavailable("The search index has not been built; run `manage.py rebuild_index`.")
    with _process_index_lock:
        if generation in _process_index["damaged"]:
            raise IndexUnavailable("The search index is damaged; run `manage.py rebuild_index`.")
        if _process_index["generation"] != generation:
            with damage_reported(generation, errors=OPENING_DAMAGE_ERRORS):
                storage = UnhurriedFileStorage(str(generation))
                if not _has_current_fields(storage.open_index()):
                    logger.error(
                        "search index %s was built by an earlier version; run `manage.py rebuild_index`",
                        generation,
                    )
                    raise IndexUnavailable(
                        "The search index was built by an earlier version; run `manage.py rebuild_index`."
                    )
                ix = storage.open_index(schema=SCHEMA)
            _process_index.update(generation=generation, index=ix)
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
    """Changes with every commit to the live index and with every rebuild; raises IndexUnavailable when damaged."""
    with searcher() as held:
        generation = held.searcher.reader().generation()
        if generation is None:  # an index without documents
            generation = held.ix.latest_generation()
        return f"{Path(held.ix.storage.folder).name}.{generation}"


@contextmanager
def damage_reported(generation=None, errors=SEARCH_DAMAGE_ERRORS):
    """Turn Whoosh's errors about damaged files into IndexUnavailable, logged for the operator."""
    try:
        yield
    except IndexUnavailable:
        raise
    except errors as error:
        _report_damage(generation or current_generation(), error)
        raise IndexUnavailable("The search index is damaged; run `manage.py rebuild_index`.") from error


def _report_damage(generation, error) -> None:
    logger.error(
        "search index %s is damaged (%s: %s); run `manage.py rebuild_index`",
        generation,
        type(error).__name__,
        error,
        exc_info=not isinstance(error, SEARCH_DAMAGE_ERRORS),  # should it be a bug after all, its traceback
    )
    # Every thread opens the index again on its next search and meets the damage itself;
    # this thread's searcher goes now, and what was read from the files is not trusted.
    _close_thread_searcher()
    with _process_index_lock:
        _process_index.update(generation=None, index=None)
        if isinstance(error, IndexFilesChanged):
            # Certain, and reading the changed files again could raise anything, or nothing.
            _process_index["damaged"].add(generation)
    forget_cached_segments()


_thread_searchers = threading.local()


@contextmanager
def searcher():
    """This thread's searcher, refreshed to see the latest commit (searchers are not thread-safe)."""
    held = _this_threads_searcher()
    with damage_reported():
        try:
            yield held
        except (IndexUnavailable, *SEARCH_DAMAGE_ERRORS):
            raise
        except Exception:
            # Anything else is a bug to see as one, unless the files changed under the search.
            verify_unchanged(held.ix, held.searcher.reader())
            raise


def _this_threads_searcher() -> "_HeldSearcher":
    ix = open_index()
    held = getattr(_thread_searchers, "held", None)
    with damage_reported(errors=OPENING_DAMAGE_ERRORS):
        if held is None or held.ix is not ix:
            _close_thread_searcher()
            held = _thread_searchers.held = _HeldSearcher(ix)
        else:
            held.refresh()
        verify_unchanged(ix, held.searcher.reader())
    return held


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
    """Drop this process's open index and this thread's searcher (tests use a fresh index each time)."""
    _close_thread_searcher()
    with _process_index_lock:
        _process_index.update(generation=None, index=None, damaged=set())


def _close_thread_searcher() -> None:
    held = getattr(_thread_searchers, "held", None)
    _thread_searchers.held = None
    if held is not None:
        held.close()


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
            # The new one first: if it cannot be opened, the old one is still open, and is
            # closed once, when this held searcher is dropped.
            replacement = self.ix.searcher()
            self.searcher.close()
            self.searcher = replacement

    def close(self):
        if not self.searcher.is_closed:
            self.searcher.close()

    def article_id(self, docnum: int) -> int:
        """The article a document number stands for."""
        try:
            return int(self.searcher.stored_fields(docnum)["id"])
        except SEARCH_DAMAGE_ERRORS:
            raise
        except Exception as error:  # a live document's stored fields fail only when garbled
            raise UnreadableIndex(
                f"the stored fields of document {docnum} are unreadable ({type(error).__name__})"
            ) from error

    def arrays(self) -> IndexArrays:
        """This searcher's version of the index as arrays, made on first use."""
        if self._arrays is None or self._arrays.searcher is not self.searcher:
            # Reading a whole segment at once meets any damage in it: any error is damage.
            with damage_reported(errors=OPENING_DAMAGE_ERRORS):
                self._arrays = IndexArrays(self.searcher)
        return self._arrays
