"""Where the index lives on disk: generations and the `current` link to the live one.

The index directory holds generations (`generation-<n>/`) and a `current` symlink to the
live one, so `rebuild_index` can build a new generation beside it and swap it in with one
atomic rename while searches go on.
"""

import os
import shutil
import time
from pathlib import Path

from django.conf import settings
from whoosh import index as whoosh_index

from .damage import OPENING_DAMAGE_ERRORS
from .schema import SCHEMA
from .storage import UnhurriedFileStorage

CURRENT = "current"


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
        return has_current_fields(UnhurriedFileStorage(str(generation)).open_index())
    except OPENING_DAMAGE_ERRORS:
        return True  # there, but damaged: searches say so and the log says to rebuild


def has_current_fields(ix) -> bool:
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
