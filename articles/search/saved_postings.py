"""The postings of a large segment's common words saved beside it as plain arrays, so that a search
reads a word in a few milliseconds the first time, not a tenth of a second.

Whoosh keeps a word's postings in blocks of 128 documents, each a zlib-compressed pickle of
Python tuples of the documents, their weights and the positions: reading a word found in
140,000 of a million releases unpickles 1,118 blocks (160 ms), and each new web worker, and
each word a worker has not kept in its postings budget, pays that again. The words in at
least COMMON_SHARE of a segment's documents hold nearly all its postings (95 % of the body's in
the generated archive) and are most of what searches read; for each segment of SAVED_FROM
documents or more (saved_arrays.py), those words' document numbers and weights are written
when the segment is (segment_writing.py), in two files named after it:

- `<segment>.postings.npz`, the directory: the words (as "field:word"), where each one's
  postings start, a CRC of each, and the segment's id and the layout, to be told apart;
- `<segment>.postings.bin`, the postings: for each word, its documents (int32) then their
  weights (float32), read with one `pread` per word.

Like the saved arrays, they are a derived copy, never trusted over the segment: a directory that
is missing, unreadable or of another segment or layout, or a word whose bytes fail their CRC,
is ignored (logged), and the word is read from Whoosh's files. Each file is written under a
hidden name and linked into place only if none is there, the postings before the directory
that names them, so a file in place is whole and never changes. Whoosh's cleanup removes both
with the segment's other files. The postings include the segment's deleted documents (like
`IndexArrays.postings`): a search leaves them out with its mask of live documents.
"""

import logging
import os
import threading
import zipfile
import zlib

import numpy as np

from . import saved_arrays

logger = logging.getLogger(__name__)

# A word in fewer of a segment's documents is read from Whoosh in a block or two.
COMMON_SHARE = 0.01
FIELDS = ("title", "body")
LAYOUT_VERSION = 1
_POSTING_BYTES = 8  # a document number (int32) and a weight (float32)


def directory_path(folder: str, segment_id: str) -> str:
    return os.path.join(folder, f"{segment_id}.postings.npz")


def postings_path(folder: str, segment_id: str) -> str:
    return os.path.join(folder, f"{segment_id}.postings.bin")


class SavedPostings:
    """The saved postings of one segment, if it has trustworthy ones; read-only, shared by threads.

    The directory is read at the first word asked for, not when a process opens the segment."""

    def __init__(self, folder: str | None, segment_id: str, size: int):
        self.segment_id = segment_id
        self._folder = folder if size >= saved_arrays.SAVED_FROM else None
        self._size = size
        self._places: dict[str, tuple[int, int, int]] | None = None  # "field:word" -> (start, end, crc)
        self._lock = threading.Lock()

    def get(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(document numbers, weights) of the word, or None if it is not saved or not to be trusted."""
        if self._folder is None:
            return None
        place = self._directory().get(f"{field}:{text}")
        if place is None:
            return None
        start, end, crc = place
        count = end - start
        try:
            with open(postings_path(self._folder, self.segment_id), "rb") as file:
                data = os.pread(file.fileno(), count * _POSTING_BYTES, start * _POSTING_BYTES)
        except OSError as error:
            return self._distrusted(field, text, error)
        if len(data) != count * _POSTING_BYTES or zlib.crc32(data) != crc:
            return self._distrusted(field, text, "its bytes fail their check")
        ids = np.frombuffer(data, dtype="<i4", count=count)
        if count and not (0 <= ids[0] and ids[-1] < self._size and np.all(np.diff(ids) > 0)):
            return self._distrusted(
                field, text, "its documents are not the segment's"
            )  # a CRC of another file's
        weights = np.frombuffer(data, dtype="<f4", count=count, offset=count * 4)
        return ids.astype(np.int32), weights.astype(np.float32)

    def _directory(self) -> dict[str, tuple[int, int, int]]:
        with self._lock:
            if self._places is None:
                self._places = _load_directory(self._folder, self.segment_id)
            return self._places

    def _distrusted(self, field: str, text: str, reason) -> None:
        logger.warning(
            "Ignoring the saved postings of %s:%s in %s (%s); reading the segment instead",
            field,
            text,
            self.segment_id,
            reason,
        )
        with self._lock:
            self._places.pop(f"{field}:{text}", None)
        return None


def save(folder: str | None, segment_id: str, reader, read_postings) -> None:
    """Save the common words' postings of a segment beside it, unless it is small or they are
    saved already; `read_postings(reader, field, text)` reads a word's (ids, weights) from Whoosh.

    A failure to write costs only the searches' time: logged, not raised.
    """
    size = reader.doc_count_all()
    if folder is None or size < saved_arrays.SAVED_FROM or os.path.exists(directory_path(folder, segment_id)):
        return
    words, starts, crcs = [], [0], []

    def write_postings(file) -> None:
        for field in FIELDS:
            if field not in reader.indexed_field_names():
                continue
            for term, info in reader.iter_field(field):
                if info.doc_frequency() < COMMON_SHARE * size:
                    continue
                text = term.decode() if isinstance(term, bytes) else term
                ids, weights = read_postings(reader, field, text)
                chunk = ids.astype("<i4").tobytes() + weights.astype("<f4").tobytes()
                file.write(chunk)
                words.append(f"{field}:{text}")
                starts.append(starts[-1] + len(ids))
                crcs.append(zlib.crc32(chunk))

    def write_directory(file) -> None:
        np.savez(
            file,
            segment=np.array(segment_id),
            layout=np.array(LAYOUT_VERSION),
            words=np.array(words, dtype=np.str_),
            starts=np.array(starts, dtype=np.int64),
            crcs=np.array(crcs, dtype=np.uint32),
        )

    try:
        # The postings first: a directory in place names only postings in place.
        saved_arrays.write_beside(postings_path(folder, segment_id), write_postings)
        saved_arrays.write_beside(directory_path(folder, segment_id), write_directory)
    except OSError as error:
        logger.warning(
            "Could not save the postings of %s (%s); searches will read the segment", segment_id, error
        )


def _load_directory(folder: str, segment_id: str) -> dict[str, tuple[int, int, int]]:
    """Each saved word's (start, end, CRC), if the directory and its postings file hold together."""
    path = directory_path(folder, segment_id)
    try:
        with np.load(path, allow_pickle=False) as saved:
            if saved["segment"].item() != segment_id or saved["layout"].item() != LAYOUT_VERSION:
                return {}
            words, starts, crcs = saved["words"], saved["starts"], saved["crcs"]
        postings_bytes = os.path.getsize(postings_path(folder, segment_id))
    except FileNotFoundError:
        return {}
    # A garbled zip member's header can fail in zlib, or name a compression or encryption zipfile lacks.
    except (
        OSError,
        ValueError,
        KeyError,
        EOFError,
        zipfile.BadZipFile,
        zlib.error,
        NotImplementedError,
        RuntimeError,
    ) as error:
        logger.warning("Ignoring the unreadable %s (%s); reading the segment instead", path, error)
        return {}
    if not (
        words.ndim == starts.ndim == crcs.ndim == 1
        and np.issubdtype(starts.dtype, np.signedinteger)  # unsigned, a decrease would wrap and pass
        and np.issubdtype(crcs.dtype, np.integer)
        and len(starts) == len(words) + 1 == len(crcs) + 1
        and starts[0] == 0
        and np.all(np.diff(starts) >= 0)
        and postings_bytes == int(starts[-1]) * _POSTING_BYTES
    ):
        logger.warning("Ignoring %s, which does not fit its postings; reading the segment instead", path)
        return {}
    return {
        word: (int(start), int(end), int(crc))
        for word, start, end, crc in zip(
            words.tolist(), starts[:-1].tolist(), starts[1:].tolist(), crcs.tolist(), strict=True
        )
    }
