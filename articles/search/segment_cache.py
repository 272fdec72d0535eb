"""Each segment's arrays, built once per process and shared by every thread, within a byte budget.

Building a segment's arrays reads the postings of every country it names (about 0.2 s of CPU
for a segment of 200,000 documents), so it happens outside the lock: a thread whose segments
are already read is never kept waiting by another's build. Two threads that need the
same new segment at once do not both build it: the later waits for the first, on an Event per
segment being built, as it would wait for its own build, and the work is not done twice.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable


class SegmentCache:
    """What `build(reader, *args)` makes of each segment, the least recently used dropped beyond
    `budget` bytes.

    What `build` makes has an `nbytes`; a segment is known by its id, a random name never reused.
    """

    def __init__(self, build: Callable, budget: int):
        self._build = build
        self.budget = budget
        self.used = 0
        self._kept: OrderedDict[str, object] = OrderedDict()
        self._building: dict[str, threading.Event] = {}  # set when the build of that segment ends
        self._forgotten = 0  # how many times `forget` ran: a build begun before it is not kept
        self._lock = threading.Lock()

    def get(self, reader, *args):
        """The segment's arrays, built by this thread unless kept or being built by another."""
        key = reader.segment().segment_id()
        while True:
            with self._lock:
                if key in self._kept:
                    self._kept.move_to_end(key)
                    return self._kept[key]
                underway = self._building.get(key)
                if underway is None:
                    finished = self._building[key] = threading.Event()
                    began_after = self._forgotten
                    break
            # Then kept, or the build failed (the files are damaged) and this thread meets the
            # damage itself, as it would have had it built the segment.
            underway.wait()
        try:
            arrays = self._build(reader, *args)
        except BaseException:
            with self._lock:
                del self._building[key]
            finished.set()
            raise
        with self._lock:
            del self._building[key]  # in the same hold as keeping it, so a waiter woken finds it kept
            if began_after == self._forgotten:
                self._keep(key, arrays)
        finished.set()
        return arrays

    def _keep(self, key: str, arrays) -> None:
        self._kept[key] = arrays
        self.used += arrays.nbytes
        while self.used > self.budget and len(self._kept) > 1:
            _, evicted = self._kept.popitem(last=False)
            self.used -= evicted.nbytes

    def __contains__(self, segment_id: str) -> bool:
        with self._lock:
            return segment_id in self._kept

    def forget(self) -> None:
        """Drop every segment's arrays, and do not keep those being built now."""
        with self._lock:
            self._kept.clear()
            self.used = 0
            self._forgotten += 1
