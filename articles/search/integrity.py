"""Whether the files a searcher reads are still the files that were written.

Whoosh never changes a file once a commit has written it (a segment's deletions are kept in
the table of contents, a new file each commit), so a file that is gone, or whose inode, size
or modification time differs from when this process first saw it, was damaged from outside:
truncated, overwritten, removed. A searcher that opened before the damage keeps reading
through its open handles, and the arrays read from it stay cached, so without this check a
worker would go on answering from an index that no longer exists. It costs one stat per file
of the searcher's version (about eight per segment), so it runs before every search.
"""

import os
import threading
from collections import OrderedDict

# Files whose first-seen state is kept (every search touches all live ones, so only files
# of long-gone versions fall out), and segments whose list of files is kept.
FILES_REMEMBERED = 4096
SEGMENTS_REMEMBERED = 512


class UnreadableIndex(OSError):
    """The index's files hold what Whoosh cannot have written: they were damaged."""


class IndexFilesChanged(UnreadableIndex):
    """A file of the index was removed or changed after it was written."""


def verify_unchanged(ix, reader) -> None:
    """Raise IndexFilesChanged unless every file of the reader's version of `ix` is as first seen."""
    folder = ix.storage.folder
    paths = []
    if reader.generation() is not None:  # None: an index without documents, read from no file
        paths.append(os.path.join(folder, f"_{ix.indexname}_{reader.generation()}.toc"))
    for sub_reader, _ in reader.leaf_readers():
        segment = sub_reader.segment()
        if segment is not None:  # an empty index has a reader without one
            paths.extend(_segment_files(folder, segment.segment_id()))
    states = []
    for path in paths:
        try:
            stat = os.stat(path)
        except FileNotFoundError as error:
            raise IndexFilesChanged(f"{os.path.basename(path)} was removed") from error
        states.append((stat.st_ino, stat.st_size, stat.st_mtime_ns))
    with _lock:
        first = [
            _remembered(_first_seen, path, state, FILES_REMEMBERED)
            for path, state in zip(paths, states, strict=True)
        ]
    for path, then, now in zip(paths, first, states, strict=True):
        if then != now:
            raise IndexFilesChanged(
                f"{os.path.basename(path)} changed after it was written "
                f"({then[1]:,} bytes then, {now[1]:,} now)"
            )


_first_seen: OrderedDict[str, tuple[int, int, int]] = OrderedDict()
_segment_file_lists: OrderedDict[tuple[str, str], list[str]] = OrderedDict()
_lock = threading.Lock()


def _segment_files(folder: str, segment_id: str) -> list[str]:
    """The segment's files, listed once (a segment never gains or loses one)."""
    key = (folder, segment_id)
    with _lock:
        if key in _segment_file_lists:
            return _remembered(_segment_file_lists, key, None, SEGMENTS_REMEMBERED)
    prefix = f"{segment_id}."
    try:
        files = [os.path.join(folder, name) for name in os.listdir(folder) if name.startswith(prefix)]
    except FileNotFoundError as error:
        raise IndexFilesChanged(f"the index directory {folder} was removed") from error
    if not files:
        raise IndexFilesChanged(f"the files of segment {segment_id} were removed")
    with _lock:
        return _remembered(_segment_file_lists, key, files, SEGMENTS_REMEMBERED)


def _remembered(memory: OrderedDict, key, value, bound: int):
    """What `memory` holds for `key`, or `value` now remembered for it; the least recently used go first."""
    if key in memory:
        memory.move_to_end(key)
        return memory[key]
    memory[key] = value
    while len(memory) > bound:
        memory.popitem(last=False)
    return value
