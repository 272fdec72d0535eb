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
    return generation is not None and whoosh_index.exists_in(str(generation))


def create_generation() -> tuple[Path, whoosh_index.Index]:
    """A new, empty index beside the live one; `make_current` swaps it in."""
    index_root().mkdir(parents=True, exist_ok=True)
    path = index_root() / f"generation-{time.time_ns()}"
    path.mkdir()
    return path, whoosh_index.create_in(str(path), SCHEMA)


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
                _process_index["index"] = whoosh_index.open_dir(str(generation), schema=SCHEMA)
            _process_index["generation"] = generation
        return _process_index["index"]


def live_writer(timeout: float):
    """A writer on the live generation, even if a rebuild swaps generations while we wait for the lock."""
    for _ in range(3):
        ix = open_index()
        try:
            # Compound segments (the default): a searcher maps each segment's one file when it
            # opens, so a writer merging and deleting segments meanwhile cannot pull files
            # from under it. With compound=False, column files open lazily and vanish.
            writer = ix.writer(timeout=timeout)
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
        return _countries_table(self.ix, self.searcher.reader())


# Document numbers are fixed within one version of the index, so every thread of the
# process shares one table per version (building it reads all the country postings).
_countries_tables: dict[tuple, dict[int, tuple[str, ...]]] = {}
_countries_tables_lock = threading.Lock()


def _countries_table(ix, reader) -> dict[int, tuple[str, ...]]:
    version = (ix.storage.folder, reader.generation())
    with _countries_tables_lock:
        if version not in _countries_tables:
            table: dict[int, list[str]] = {}
            for code in reader.lexicon("countries"):
                code = code.decode() if isinstance(code, bytes) else code
                for docnum in reader.postings("countries", code).all_ids():
                    table.setdefault(docnum, []).append(code)
            _countries_tables[version] = {docnum: tuple(codes) for docnum, codes in table.items()}
            while len(_countries_tables) > 2:  # the newest version, and the one before for threads not yet refreshed
                del _countries_tables[next(iter(_countries_tables))]
        return _countries_tables[version]
