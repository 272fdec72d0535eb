"""The index under real concurrency and crashes, with separate processes on a shared archive."""

import os
import signal

import pytest
from whoosh import index as whoosh_index

from .processes import manage, new_archive, start_worker
from .waiting import eventually

# Out of process (gunicorn, a browser, several processes): `make test-fast` leaves these out.
pytestmark = pytest.mark.slow


def searchable_text(data_dir, query):
    """What a fresh process finds for a query: ids of the matching articles."""
    script = (
        "from articles.search import SearchRequest, parse_user_query, search_articles;"
        f"r = search_articles(SearchRequest(parse_user_query({query!r}), per_page=100));"
        "print(','.join(str(h.article.pk) for h in r.hits))"
    )
    output = manage(data_dir, "shell", "--verbosity", "0", "-c", script).stdout.strip()
    return {int(i) for i in output.split(",") if i}


def test_eight_processes_editing_at_once_lose_no_update(tmp_path):
    new_archive(tmp_path, articles=40)
    workers = [
        start_worker(tmp_path, "edit_articles", n, 50, ",".join(str(i) for i in range(n * 5 + 1, n * 5 + 6)))
        for n in range(8)
    ]
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


def index_write_lock_is_held(data_dir) -> bool:
    lock = whoosh_index.open_dir(str(data_dir / "index" / "current")).lock("WRITELOCK")
    if lock.acquire(blocking=False):
        lock.release()
        return False
    return True


def stopped_inside_a_commit(writer, mid_commit) -> bool:
    """Stops the writer; True if it stopped inside a commit (its marker says so), else it goes on."""
    os.kill(writer.pid, signal.SIGSTOP)
    if mid_commit.exists():
        return True
    os.kill(writer.pid, signal.SIGCONT)
    return False


def test_killing_a_writer_mid_commit_leaves_a_working_index(tmp_path):
    new_archive(tmp_path, articles=150)
    mid_commit = tmp_path / "mid-commit"
    for kill in range(5):
        writer = start_worker(tmp_path, "reindex_forever", mid_commit)
        assert writer.stdout.readline().strip() == "started"
        # Stopped where the kill is meant to land, and seen to be there: inside Whoosh's commit,
        # holding the index's write lock. Polled often, so each kill lands at another point of it.
        eventually(
            lambda: stopped_inside_a_commit(writer, mid_commit),  # noqa: B023 (called in this loop)
            what=f"writer {kill} inside a commit",
            every=0.01,
        )
        assert index_write_lock_is_held(tmp_path)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        mid_commit.unlink()
    # The lock died with its holder: the next writer gets it without waiting (no timeout).
    assert not index_write_lock_is_held(tmp_path)
    script = (
        "from articles.search.process_index import live_writer; live_writer(0).cancel(); print('written')"
    )
    assert manage(tmp_path, "shell", "--verbosity", "0", "-c", script).stdout.strip() == "written"
    manage(tmp_path, "catch_up_index")
    check = manage(tmp_path, "check_index", check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert len(searchable_text(tmp_path, "kenya OR peru OR india OR china OR trade")) > 0


def test_two_imports_of_overlapping_files_at_once_store_each_release_once(tmp_path):
    import shutil
    import subprocess
    import sys

    from .processes import PROJECT, environment

    new_archive(tmp_path / "data", articles=0)
    manage(
        tmp_path / "data", "generate_articles", 300, "--seed", 8, "--out", tmp_path / "all", "--verbosity", 0
    )
    files = sorted((tmp_path / "all").glob("*.txt"))
    for folder, chosen in (("first", files[:200]), ("second", files[100:])):
        (tmp_path / folder).mkdir()
        for path in chosen:
            shutil.copy(path, tmp_path / folder / path.name)
    imports = [
        subprocess.Popen(
            [sys.executable, "manage.py", "import_articles", str(tmp_path / folder)],
            cwd=PROJECT,
            env=environment(tmp_path / "data"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for folder in ("first", "second")
    ]
    reports = [process.communicate(timeout=300) for process in imports]
    assert [process.returncode for process in imports] == [0, 0], reports
    summary = manage(
        tmp_path / "data",
        "shell",
        "--verbosity",
        "0",
        "-c",
        "from articles.models import Article, ImportBatch;"
        "print(Article.objects.count(), sum(b.created_count for b in ImportBatch.objects.all()),"
        " sum(b.unchanged_count for b in ImportBatch.objects.all()))",
    ).stdout.split()
    assert summary == ["300", "300", "100"]
    manage(tmp_path / "data", "catch_up_index")
    check = manage(tmp_path / "data", "check_index", check=False)
    assert check.returncode == 0, check.stdout + check.stderr
