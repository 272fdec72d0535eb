"""Index files that Whoosh retires stay readable for a grace period before they are deleted."""

import os
import time

from articles.search.storage import GRACE_SECONDS, UnhurriedFileStorage


def test_a_retired_file_survives_the_grace_period_then_goes(tmp_path):
    tmp_path = tmp_path / "generation"
    tmp_path.mkdir()
    storage = UnhurriedFileStorage(str(tmp_path))
    (tmp_path / "MAIN_old.seg").write_bytes(b"segment")
    storage.delete_file("MAIN_old.seg")  # retired: a searcher that opened it a moment ago can still read it
    storage.delete_file("MAIN_old.seg")
    assert (tmp_path / "MAIN_old.seg").read_bytes() == b"segment"

    long_ago = time.time() - GRACE_SECONDS - 1
    os.utime(tmp_path / ".MAIN_old.seg.retired", (long_ago, long_ago))
    storage.delete_file("MAIN_old.seg")  # the next commit after the grace period deletes it
    assert sorted(p.name for p in tmp_path.iterdir()) == []
