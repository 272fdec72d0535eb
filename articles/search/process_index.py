"""The live index as this process opened it, and the writers on it.

A process opens the live generation once and again only when a rebuild swaps it or damage
is found; a generation found damaged is not opened again (a rebuild makes a new one).
"""

import logging
import threading
from pathlib import Path

from whoosh import index as whoosh_index

from .article_writer import ArticleWriter
from .damage import OPENING_DAMAGE_ERRORS, IndexUnavailable, damage_reported, forget_when_damaged
from .generations import current_generation, has_current_fields
from .integrity import IndexFilesChanged
from .schema import SCHEMA
from .storage import UnhurriedFileStorage

# The name these lines had before the index modules were split, which operators' log filters know.
logger = logging.getLogger("articles.search.index")

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
                if not has_current_fields(storage.open_index()):
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
            writer = ArticleWriter(ix, timeout=timeout, compound=False)
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


def forget_process_index() -> None:
    """Drop the open index and the generations found damaged, as if this process had just started."""
    with _process_index_lock:
        _process_index.update(generation=None, index=None, damaged=set())


def _forget_damaged(generation: Path | None, error: BaseException) -> None:
    # Every thread opens the index again on its next search and meets the damage itself.
    with _process_index_lock:
        _process_index.update(generation=None, index=None)
        if isinstance(error, IndexFilesChanged):
            # Certain, and reading the changed files again could raise anything, or nothing.
            _process_index["damaged"].add(generation)


forget_when_damaged(_forget_damaged)
