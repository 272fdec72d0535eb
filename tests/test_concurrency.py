"""The index under real concurrency and crashes, with separate processes on a shared archive."""
import random
import signal
import time

from .processes import manage, new_archive, start_worker


def searchable_text(data_dir, query):
    """What a fresh process finds for a query: ids of the matching articles."""
    script = (
        "from articles.search.query import parse_user_query;"
        "from articles.search.searching import SearchRequest, search_articles;"
        f"r = search_articles(SearchRequest(parse_user_query({query!r}), per_page=100));"
        "print(','.join(str(h.article.pk) for h in r.hits))"
    )
    output = manage(data_dir, "shell", "--verbosity", "0", "-c", script).stdout.strip()
    return {int(i) for i in output.split(",") if i}


def test_eight_processes_editing_at_once_lose_no_update(tmp_path):
    new_archive(tmp_path, articles=40)
    workers = [start_worker(tmp_path, "edit_articles", n, 50, ",".join(str(i) for i in range(n * 5 + 1, n * 5 + 6))) for n in range(8)]
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        assert "database is locked" not in err and "LockError" not in err
    manage(tmp_path, "catch_up_index")
    check = manage(tmp_path, "check_index", check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    # Each worker's last edit (edit45..edit49 cover its five articles) is what search finds.
    for n in range(8):
        assert searchable_text(tmp_path, f'"worker{n} as edit49"') == {n * 5 + 5}
        assert searchable_text(tmp_path, f'"worker{n} as edit45"') == {n * 5 + 1}
        assert searchable_text(tmp_path, f'"worker{n} as edit44"') == set()  # replaced by edit49's round


def test_killing_a_writer_mid_commit_leaves_a_working_index(tmp_path):
    new_archive(tmp_path, articles=150)
    rng = random.Random(5)
    for _ in range(5):
        writer = start_worker(tmp_path, "reindex_forever")
        assert writer.stdout.readline().strip() == "started"
        time.sleep(rng.uniform(0.5, 2.5))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    # The lock died with its holder: the next writer gets it at once.
    script = (
        "import time; from articles.search.index import live_writer;"
        "t = time.monotonic(); w = live_writer(0); w.cancel(); print(round(time.monotonic() - t, 3))"
    )
    assert float(manage(tmp_path, "shell", "--verbosity", "0", "-c", script).stdout) < 0.5
    manage(tmp_path, "catch_up_index")
    check = manage(tmp_path, "check_index", check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert len(searchable_text(tmp_path, "kenya OR peru OR india OR china OR trade")) > 0
