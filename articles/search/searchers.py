"""Each thread's searcher on the live index, and what it has read as arrays.

Whoosh's searchers are not thread-safe, so each thread keeps its own between searches and
refreshes it to see the latest commit.
"""

import threading
from contextlib import contextmanager
from pathlib import Path

from .arrays import IndexArrays, forget_cached_segments
from .damage import (
    OPENING_DAMAGE_ERRORS,
    SEARCH_DAMAGE_ERRORS,
    IndexUnavailable,
    damage_reported,
    forget_when_damaged,
)
from .integrity import UnreadableIndex, verify_unchanged
from .process_index import forget_process_index, open_index

_thread_searchers = threading.local()


@contextmanager
def searcher():
    """This thread's searcher, refreshed to see the latest commit (searchers are not thread-safe)."""
    held = _this_threads_searcher()
    with damage_reported(held.generation):
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
    with damage_reported(Path(ix.storage.folder), errors=OPENING_DAMAGE_ERRORS):
        if held is None or held.ix is not ix:
            _close_thread_searcher()
            held = _thread_searchers.held = _HeldSearcher(ix)
        else:
            held.refresh()
        verify_unchanged(ix, held.searcher.reader())
    return held


def index_version() -> str:
    """Changes with every commit to the live index and every rebuild; raises IndexUnavailable when damaged."""
    with searcher() as held:
        generation = held.searcher.reader().generation()
        if generation is None:  # an index without documents
            generation = held.ix.latest_generation()
        return f"{held.generation.name}.{generation}"


def read_ahead() -> None:
    """Read the live index's arrays, and the place names that corrections leave alone, into this
    process, so that its first search is as quick as the rest."""
    from .spelling import place_words  # here: spelling needs the models, loaded once Django is

    try:
        with searcher() as held:
            held.arrays()
    except IndexUnavailable:
        pass  # searches will say so, and the log says what to do
    finally:
        _close_thread_searcher()
    # Built from the gazetteer in a second or more, which the first search finding little waited for.
    place_words()


def forget_open_index() -> None:
    """Drop this process's open index and this thread's searcher (tests use a fresh index each time)."""
    _close_thread_searcher()
    forget_process_index()


def _close_thread_searcher() -> None:
    held = getattr(_thread_searchers, "held", None)
    _thread_searchers.held = None
    if held is not None:
        held.close()


def _forget_what_was_read(generation: Path | None, error: BaseException) -> None:
    # This thread's searcher goes now (the others meet the damage on their next search),
    # and what was read from the files is not trusted.
    _close_thread_searcher()
    forget_cached_segments()


forget_when_damaged(_forget_what_was_read)


class _HeldSearcher:
    """A thread's searcher; it sees a new commit on the first use after it."""

    def __init__(self, ix):
        self.ix = ix
        self.generation = Path(ix.storage.folder)
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
            with damage_reported(self.generation, errors=OPENING_DAMAGE_ERRORS):
                self._arrays = IndexArrays(self.searcher, str(self.generation))
        return self._arrays
