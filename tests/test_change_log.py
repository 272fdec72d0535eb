"""The change log every index follows: nothing is consumed, nothing is skipped, however commits interleave."""

import json
import shutil
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from articles.models import Article, IndexChange, IndexNode, PrunedChanges
from articles.search import (
    apply_pending_updates,
    prune_change_log,
    rebuild_index,
    report_this_node,
    this_node_standing,
)
from articles.search.catchup import report_and_repair
from articles.search.change_log import Position
from articles.search.cursors import CURSOR_FILE, Cursor, read_cursor
from articles.search.generations import current_generation
from articles.search.searchers import forget_open_index
from articles.search.sync import next_step

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite lets one writer at a time, so its commits come in the order of their entries",
)


def found(client, q):
    return client.get("/api/search", {"q": q}).json()["count"]


# --- The follower's rule, against every order in which transactions may commit -------------------


@st.composite
def interleavings(draw):
    """Transactions (ids 1..n, started in that order) that each write entries, commit in any
    order, and a follower that looks after any commit."""
    count = draw(st.integers(1, 6))
    writes = draw(st.permutations([t for t in range(1, count + 1) for _ in range(draw(st.integers(1, 3)))]))
    commits = draw(st.permutations(range(1, count + 1)))
    looks = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    return writes, commits, looks


@pytest.mark.django_db
@given(interleavings())
def test_a_follower_never_skips_an_entry_whatever_the_order_of_commits(interleaving):
    writes, commits, looks = interleaving
    IndexChange.objects.all().delete()
    # Entry numbers are taken in the order of the writes; an entry is seen only once its
    # transaction commits, as on PostgreSQL.
    entries = {}  # transaction -> [(number, article)]
    for number, writer in enumerate(writes, start=1):
        entries.setdefault(writer, []).append(number)
    cursor, applied, running = Cursor(), set(), set(entries)
    for committed, look in zip(commits, looks, strict=True):
        running.discard(committed)
        IndexChange.objects.bulk_create(
            IndexChange(id=number, article_id=number, transaction=committed) for number in entries[committed]
        )
        if not look and running:
            continue
        horizon = min(running) if running else max(entries) + 1  # pg_snapshot_xmin
        while True:
            step = next_step(cursor, horizon)
            applied |= {entry.id for entry in step.entries}
            assert step.cursor.position >= cursor.position
            cursor = step.cursor
            if not step.more:
                break
        visible = set(IndexChange.objects.values_list("id", flat=True))
        assert visible <= applied, "a committed entry was never applied"
        claimed = {entry.id for entry in IndexChange.objects.all() if cursor.has_applied(Position.of(entry))}
        assert claimed <= applied, "the cursor claims an entry it never applied"
    assert cursor.ahead == frozenset() and cursor.position == max(
        Position(t, n) for t, numbers in entries.items() for n in numbers
    )


def test_an_entry_that_commits_behind_one_already_applied_is_applied_too(db):
    """The case a plain "entries after the last number" reader gets wrong."""
    IndexChange.objects.bulk_create([IndexChange(id=2, article_id=2, transaction=8)])
    step = next_step(Cursor(), horizon=7)  # transaction 7, which took number 1, is still running
    assert [entry.id for entry in step.entries] == [2]
    assert step.cursor.position == Position(0, 0) and step.cursor.ahead == {Position(8, 2)}
    IndexChange.objects.bulk_create([IndexChange(id=1, article_id=1, transaction=7)])
    later = next_step(step.cursor, horizon=9)
    assert [entry.id for entry in later.entries] == [1]
    assert later.cursor == Cursor(Position(8, 2))


# --- Real overlapping transactions on PostgreSQL --------------------------------------------------


class OpenTransaction(threading.Thread):
    """Creates a release in a transaction of its own, and commits only when told."""

    def __init__(self, title):
        super().__init__()
        self.title, self.written, self.commit, self.error = title, threading.Event(), threading.Event(), None

    def run(self):
        try:
            with transaction.atomic():
                Article.objects.create(
                    title=self.title, body="Kenya.", published="2020-01-01", fingerprint=self.title
                )
                self.written.set()
                assert self.commit.wait(30)
        except BaseException as error:  # seen by the test, not lost in the thread
            self.error = error
            self.written.set()
        finally:
            connections.close_all()

    def finish(self):
        self.commit.set()
        self.join(30)
        assert self.error is None, self.error


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_transactions_committing_in_the_opposite_order_both_reach_the_index(client):
    early = OpenTransaction("Early")
    early.start()
    assert early.written.wait(30)  # its entry took the smaller number, and is not committed
    late = OpenTransaction("Late")
    late.start()
    assert late.written.wait(30)
    late.finish()  # committed first: applied at once, ahead of the early one
    apply_pending_updates()
    assert found(client, "late") == 1 and found(client, "early") == 0
    early.finish()
    apply_pending_updates()
    assert found(client, "early") == 1 and found(client, "late") == 1
    standing = this_node_standing()
    assert standing.unapplied == 0
    assert read_cursor(current_generation()).ahead == frozenset()


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_change_committed_while_a_rebuild_reads_the_database_reaches_the_new_index(client):
    for number in range(3):
        Article.objects.create(
            title=f"Old {number}", body="Peru.", published="2020-01-01", fingerprint=f"o{number}"
        )
    early = OpenTransaction("Straggler")
    early.start()
    assert early.written.wait(30)
    Article.objects.create(title="Newer", body="Peru.", published="2020-01-02", fingerprint="newer")

    def commit_the_straggler_once(_):
        if early.is_alive():
            early.finish()  # commits while the rebuild is half-way through its reading

    rebuild_index(progress=commit_the_straggler_once)
    assert found(client, "straggler") == 1
    assert found(client, "newer") == 1 and found(client, "old") == 3


# --- Several indexes, one log ---------------------------------------------------------------------


def use_index(settings, path):
    settings.PRESSROOM_INDEX_DIR = path
    forget_open_index()


def test_two_nodes_follow_the_same_log_at_their_own_pace(archive, client, settings, search_index, tmp_path):
    first = search_index
    second = tmp_path / "second-node"
    use_index(settings, second)
    rebuild_index()
    use_index(settings, first)
    archive.add("Shared change", "Kenya and Peru.")
    assert found(client, "shared") == 1  # the first node applied it after commit
    use_index(settings, second)
    assert found(client, "shared") == 0 and this_node_standing().unapplied > 0  # nothing was consumed
    assert apply_pending_updates() == 1
    assert found(client, "shared") == 1
    use_index(settings, first)
    assert this_node_standing().unapplied == 0


def test_an_index_copied_elsewhere_knows_which_changes_it_holds(
    archive, client, settings, search_index, tmp_path
):
    for number in range(5):
        archive.add(f"Release {number}", "Kenya.")
    copy = tmp_path / "restored"
    shutil.copytree(search_index, copy, symlinks=True)
    use_index(settings, copy)
    assert this_node_standing().unapplied == 0
    use_index(settings, search_index)
    archive.add("After the copy", "Peru.")
    use_index(settings, copy)
    assert apply_pending_updates() == 1  # only what came after, not the whole log again
    assert found(client, "copy") == 1 and found(client, "release") == 5


def test_an_unreadable_cursor_means_applying_the_whole_log_again(archive, client, search_index):
    for number in range(3):
        archive.add(f"Release {number}", "Kenya.")
    (current_generation() / CURSOR_FILE).write_text('{"position": [1, "x"')
    assert this_node_standing().unapplied > 0
    assert apply_pending_updates() == 3
    assert found(client, "release") == 3 and this_node_standing().unapplied == 0


# --- Lag, health and pruning ----------------------------------------------------------------------


def test_a_node_behind_the_lag_limit_answers_healthz_503_until_it_catches_up(db, client, settings):
    settings.PRESSROOM_MAX_INDEX_LAG_SECONDS = 5
    article = Article.objects.create(title="Late", body="Kenya.", published="2020-01-01", fingerprint="l")
    IndexChange.objects.filter(article_id=article.pk).update(recorded=timezone.now() - timedelta(seconds=30))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["index"].startswith("behind: ")
    assert "PRESSROOM_MAX_INDEX_LAG_SECONDS is 5" in response.json()["index"]
    assert response.json()["node"]["unapplied_changes"] >= 1
    apply_pending_updates()
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["node"]["lag_seconds"] == 0


# Entries settle only once their transaction commits: on PostgreSQL, not inside a test's own.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pruning_keeps_what_a_node_seen_lately_lacks(archive, settings, search_index, tmp_path):
    archive.add("One", "Kenya.")
    report_this_node(this_node_standing())
    IndexNode.objects.create(name="slow-node", last_seen=timezone.now())  # at the start of the log
    archive.add("Two", "Peru.")
    assert prune_change_log() == 0  # the slow node lacks everything
    IndexNode.objects.filter(name="slow-node").delete()  # retired
    report_this_node(this_node_standing())
    assert prune_change_log() > 0
    assert not IndexChange.objects.exists()
    assert this_node_standing().before_pruned is False


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_node_away_longer_than_the_retention_rebuilds_when_it_returns(
    archive, client, settings, search_index, tmp_path
):
    away = tmp_path / "away-node"
    use_index(settings, away)
    rebuild_index()
    use_index(settings, search_index)
    archive.add("Missed while away", "Kenya.")
    IndexChange.objects.update(
        recorded=timezone.now() - timedelta(days=settings.PRESSROOM_CHANGE_LOG_RETENTION_DAYS + 1)
    )
    assert prune_change_log() > 0 and PrunedChanges.objects.get().change > 0
    use_index(settings, away)
    assert this_node_standing().before_pruned
    assert client.get("/healthz").status_code == 503
    report_and_repair()  # what each web worker's catch-up thread does every few seconds
    assert not this_node_standing().before_pruned
    assert found(client, "missed") == 1
    assert client.get("/healthz").status_code == 200
    assert IndexNode.objects.get(name=settings.PRESSROOM_NODE).unapplied == 0


def test_the_admin_lists_every_node_with_its_lag(admin_client, db, settings):
    settings.PRESSROOM_MAX_INDEX_LAG_SECONDS = 60
    report_this_node(this_node_standing())
    IndexNode.objects.create(name="web-2", unapplied=40, lag_seconds=75.5, last_seen=timezone.now())
    IndexNode.objects.create(name="web-3", last_seen=timezone.now() - timedelta(hours=1))
    page = admin_client.get("/admin/articles/indexnode/").content.decode()
    assert settings.PRESSROOM_NODE in page and "up to date" in page
    assert "web-2" in page and "75.5 s" in page and "behind: out of the load balancer" in page
    assert "web-3" in page and "silent (down?)" in page
    assert "entries in the change log" in page
    assert admin_client.get("/admin/articles/indexnode/add/").status_code == 403


def test_check_index_says_where_this_node_stands_and_applies_what_it_lacks(db, settings):
    import io

    from django.core.management import call_command

    Article.objects.create(title="Unapplied", body="Kenya.", published="2020-01-01", fingerprint="u")
    out = io.StringIO()
    call_command("check_index", stdout=out)
    report = out.getvalue()
    assert f"Node {settings.PRESSROOM_NODE}: index generation-" in report
    assert "changes to apply, the oldest recorded" in report
    assert "Applied the entries the index lacked (releases written: 1)." in report
    assert "The index matches the database." in report
    assert IndexNode.objects.get(name=settings.PRESSROOM_NODE).unapplied == 0


@given(
    st.one_of(
        st.binary(max_size=200),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(st.sampled_from(["position", "ahead", "x"]), inner, max_size=3)
            ),
            max_leaves=12,
        ).map(lambda value: json.dumps(value).encode()),
    )
)
def test_any_cursor_file_reads_as_a_cursor_or_as_the_start(search_index, contents):
    generation = current_generation()
    (generation / CURSOR_FILE).write_bytes(contents)
    cursor = read_cursor(generation)
    assert isinstance(cursor.position.transaction, int) and isinstance(cursor.position.change, int)
    assert all(isinstance(each.change, int) for each in cursor.ahead)
