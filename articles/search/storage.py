"""Index files that outlive their last use by a grace period.

Whoosh deletes a segment's files as soon as a commit merges it away. A searcher in another
process that opened that version a moment earlier opens some files lazily (columns, stored
fields) and would find them gone. Here a file Whoosh wants deleted is first marked retired,
and only deleted by a commit that comes after the grace period, longer than any request.
Non-compound segments can then stay memory-mapped and shared instead of copied into every
searcher (at 100,000 articles compound segments cost about 300 MB per thread).
"""

import os
import time

from whoosh.filedb.filestore import FileStorage

GRACE_SECONDS = 300


class UnhurriedFileStorage(FileStorage):
    def delete_file(self, name):
        marker = self._fpath(f".{name}.retired")
        try:
            retired_at = os.path.getmtime(marker)
        except FileNotFoundError:
            with open(marker, "w"):
                pass  # the file's last users have GRACE_SECONDS to finish with it
            return
        if time.time() - retired_at >= GRACE_SECONDS:
            super().delete_file(name)
            os.remove(marker)
