"""A large segment's arrays saved beside its files, so that a process starting reads them at once.

Reading a segment's arrays through Whoosh (arrays.py) costs about 1 s of CPU per million
documents, most of it unpickling the postings of every country a block of 128 at a time: at a
million releases a new web worker's first search waited for that (0.4 s from the saved files).
A segment never changes once written (its deletions are kept apart), so its arrays are saved
once, by the rebuild that wrote it or by the first process that reads it, as a NumPy .npz file
named after the segment, which Whoosh's own cleanup removes with the segment's other files.

It is a derived copy, never trusted over the segment: a file that is missing, unreadable (a zip
member fails its CRC), of another layout or another segment is ignored, and the arrays are read
from Whoosh's files again. A file is written under a hidden name and linked into place only if
none is there, so a file once in place never changes: the integrity check (integrity.py), which
takes a changed file of a segment for damage, may watch it like the others.
"""

import logging
import os
import tempfile
import zipfile

import numpy as np

logger = logging.getLogger(__name__)

# Smaller segments are read from Whoosh in milliseconds, and later commits merge them away.
SAVED_FROM = 10_000

# Raised whenever what the arrays hold, or how they are worked out, changes: a file of an
# earlier layout is then read again rather than misread.
LAYOUT_VERSION = 1

# Each array saved, its type, and what its length counts: the segment's documents, its
# (document, country) pairs, or the countries it names.
LAYOUT = {
    "published": (np.int32, "documents"),
    "title_lengths": (np.float32, "documents"),
    "body_lengths": (np.float32, "documents"),
    "country_codes": (np.str_, "countries"),
    "country_docs": (np.int32, "pairs"),
    "country_numbers": (np.int16, "pairs"),
    "country_weights": (np.float32, "pairs"),
}

# What else a file holds, to be told apart from another segment's or another layout's.
_STAMP = ("segment", "layout")


def path_of(folder: str, segment_id: str) -> str:
    return os.path.join(folder, f"{segment_id}.arrays.npz")


def load(folder: str | None, segment_id: str, size: int) -> dict[str, np.ndarray] | None:
    """The arrays saved for the segment of `size` documents, or None if there are none to trust."""
    if folder is None or size < SAVED_FROM:
        return None
    path = path_of(folder, segment_id)
    try:
        with np.load(path, allow_pickle=False) as saved:
            stamp = {name: saved[name].item() for name in _STAMP}
            if stamp != {"segment": segment_id, "layout": LAYOUT_VERSION}:
                return None
            arrays = {name: saved[name] for name in LAYOUT}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as error:
        logger.warning("Ignoring the unreadable %s (%s); reading the segment instead", path, error)
        return None
    if not _laid_out(arrays, size):
        logger.warning("Ignoring %s, whose arrays do not fit its segment; reading the segment instead", path)
        return None
    return arrays


def save(folder: str | None, segment_id: str, arrays: dict[str, np.ndarray]) -> None:
    """Save a segment's arrays beside it, unless it is small or they are saved already.

    A failure to write (a read-only or full disk) costs only the next process's time: logged, not raised.
    """
    size = len(arrays["published"])
    if folder is None or size < SAVED_FROM or not _laid_out(arrays, size):
        return
    path = path_of(folder, segment_id)
    if os.path.exists(path):
        return
    try:
        write_beside(
            path,
            lambda file: np.savez(
                file, segment=np.array(segment_id), layout=np.array(LAYOUT_VERSION), **arrays
            ),
        )
    except OSError as error:
        logger.warning("Could not save %s (%s); a new process will read the segment instead", path, error)


def write_beside(path: str, write) -> None:
    """Write a file by `write(file)` under a hidden name and link it to `path`, unless a file is
    there already (then that one stays: another process saved the same first)."""
    hidden = None
    try:
        # A dot name: neither Whoosh's cleanup nor the integrity check's list of a segment's files sees it.
        with tempfile.NamedTemporaryFile(
            dir=os.path.dirname(path), prefix=".saving-", suffix=os.path.splitext(path)[1], delete=False
        ) as file:
            hidden = file.name
            write(file)
        os.link(hidden, path)
    except FileExistsError:
        pass
    finally:
        if hidden is not None:
            try:
                os.unlink(hidden)
            except OSError:
                pass


def _laid_out(arrays: dict[str, np.ndarray], size: int) -> bool:
    """Whether the arrays are those LAYOUT names, of its types, and of lengths that fit together."""
    if set(arrays) != set(LAYOUT):
        return False
    lengths = {
        "documents": size,
        "pairs": len(arrays["country_docs"]),
        "countries": len(arrays["country_codes"]),
    }
    for name, (kind, counted) in LAYOUT.items():
        array = arrays[name]
        if array.ndim != 1 or len(array) != lengths[counted] or not np.issubdtype(array.dtype, kind):
            return False
    return True
