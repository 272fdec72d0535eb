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
    generation = current_generation()
    return generation is not None and UnhurriedFileStorage(str(generation)).index_exists()


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
                _process_index["index"] = UnhurriedFileStorage(str(generation)).open_index(schema=SCHEMA)
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


def forget_open_index() -> None:
    """Drop this process's open index and searcher (tests use a fresh index each time)."""
    held = getattr(_thread_searchers, "held", None)
    if held is not None:
        held.searcher.close()
        _thread_searchers.held = None
    with _process_index_lock:
        _process_index.update(generation=None, index=None)


class _HeldSearcher:
    """A thread's searcher; it sees a new commit on the first use after it."""

    def __init__(self, ix):
        self.ix = ix
        self.searcher = ix.searcher()

    def refresh(self):
        # Not Searcher.refresh(): it reuses a segment's reader when the segment's id is
        # unchanged, so documents deleted from that segment since stay visible (and
        # segments merged away are read again). A new searcher costs more and is right.
        if not self.searcher.up_to_date():
            self.searcher.close()
            self.searcher = self.ix.searcher()

    def countries_by_docnum(self) -> dict[int, tuple[str, ...]]:
        """Document number -> its countries, for this searcher's version of the index."""
        return _per_index_version(self.ix, self.searcher.reader(), "countries", _countries_table)

    def published_by_docnum(self) -> list[int]:
        """Document number -> its publication date as a number (20190927)."""
        return _per_index_version(self.ix, self.searcher.reader(), "published", _published_table)


# Document numbers are fixed within one version of the index, so every thread of the
# process shares one table of each kind per version (building one reads a whole field).
_tables: dict[tuple, object] = {}
_tables_lock = threading.Lock()
_VERSIONS_KEPT = 2  # the newest, and the one before for threads that have not refreshed yet


def _per_index_version(ix, reader, name, build):
    version = (ix.storage.folder, reader.generation())
    with _tables_lock:
        if (version, name) not in _tables:
            _tables[(version, name)] = build(reader)
            versions = list(dict.fromkeys(key[0] for key in _tables))
            for stale in versions[:-_VERSIONS_KEPT]:
                for key in [key for key in _tables if key[0] == stale]:
                    del _tables[key]
        return _tables[(version, name)]


def _countries_table(reader) -> dict[int, tuple[str, ...]]:
    table: dict[int, list[str]] = {}
    for code in reader.lexicon("countries"):
        code = code.decode() if isinstance(code, bytes) else code
        for docnum in reader.postings("countries", code).all_ids():
            table.setdefault(docnum, []).append(code)
    return {docnum: tuple(codes) for docnum, codes in table.items()}


def _published_table(reader) -> list[int]:
    if not reader.has_column("published"):  # an empty index has no columns at all
        return []
    return list(reader.column_reader("published"))
