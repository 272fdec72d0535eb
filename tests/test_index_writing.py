"""Writing the index fast changes nothing a search finds: the words are Whoosh's analyzer's, and a
rebuild written a segment at a time, in several processes, answers Whoosh's own searcher as an
index written by Whoosh's writer from the articles' text does."""

import datetime
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh import query as whoosh

from articles.demo import generate_article_texts
from articles.ingest.parsing import parse_article
from articles.models import Article
from articles.search import article_writer, rebuild_index
from articles.search.analysis import indexed_words, word_pairs
from articles.search.schema import SCHEMA, PairsFilter, article_to_document, document_text, words_analyzer
from articles.search.searchers import forget_open_index, searcher
from articles.services import article_import

WORDS = words_analyzer()
PAIRS = words_analyzer() | PairsFilter(sep=" ")
# Letters whose lowercase or unaccented form is longer, or depends on the letters around it.
TRICKY = "ΟΔΟΣ Σ ΣΑΣ İstanbul Straße ǅemal ﬁle ŉ ſ Æther œuvre a.b.c U.S. x1 __ ١٢٣ 𝔘𝔫𝔦"


@given(st.text() | st.text(alphabet=TRICKY + " .\n'-_"))
@example(TRICKY)
@example("The")
@example("")
def test_the_indexed_words_are_the_analyzers(text):
    assert indexed_words(text) == [token.text for token in WORDS(text)]


@given(st.text(alphabet=TRICKY + " .\n"), st.text(alphabet=TRICKY + " .\n"))
@example("The", "")
@example("Talks", "")
def test_the_word_pairs_are_the_pairs_filters(title, body):
    pairs = word_pairs(indexed_words(title) + indexed_words(body))
    assert pairs == [token.text for token in PAIRS(f"{title}\n{body}")]


@pytest.fixture
def demo_archive(archive):
    with archive.committed():
        for text in generate_article_texts(40, seed=5):
            article_import(parsed=parse_article(text))
    return Article.objects.public()


QUERIES = [
    whoosh.Term("body", "trade"),
    whoosh.Term("title", "cooper"),
    whoosh.Term("pairs", "bilater trade"),
    whoosh.Phrase("body", ["joint", "work", "group"]),
    whoosh.Phrase("body", ["memorandum", "understand"]),
    whoosh.And([whoosh.Term("body", "trade"), whoosh.Term("body", "minist")]),
    whoosh.And(
        [
            whoosh.Term("body", "talk"),
            whoosh.Or([whoosh.Term("countries", code) for code in ("US", "CN", "IN", "FR")]),
        ]
    ),
    whoosh.Or([whoosh.Term("title", "talk"), whoosh.Term("body", "scholarship")]),
    whoosh.NumericRange("published", 20150101, 20191231),
]


def whooshs_answers(index_searcher) -> list[dict[str, float]]:
    """Each query's hits, by article, with Whoosh's BM25F score."""
    return [
        {hit["id"]: round(hit.score, 4) for hit in index_searcher.search(query, limit=None)}
        for query in QUERIES
    ]


# Committed, so that the rebuild's start is after every change it reads (on PostgreSQL, entries of a
# transaction still open are applied again after a rebuild, as they must be).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rebuild_in_segments_answers_whoosh_as_whooshs_own_writer_does(demo_archive, settings, tmp_path):
    settings.PRESSROOM_INDEX_SEGMENT_ARTICLES = 7
    assert rebuild_index() == 40
    forget_open_index()
    with searcher() as held:
        ours = held.searcher
        assert len(ours.reader().leaf_readers()) == 6  # 40 articles, 7 to a segment
        found = whooshs_answers(ours)
    (tmp_path / "plain").mkdir()
    plain = whoosh_index.create_in(str(tmp_path / "plain"), SCHEMA)
    with plain.writer() as writer:
        for article in demo_archive.prefetch_related("country_tags"):
            writer.add_document(**document_text(article))  # the text, through Whoosh's analyzer
    with plain.searcher() as theirs:
        assert found == whooshs_answers(theirs)
    assert all(found), "every query finds something in the demo archive"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_later_commits_leave_a_rebuilds_segments_as_written(demo_archive, archive, settings, monkeypatch):
    settings.PRESSROOM_INDEX_SEGMENT_ARTICLES = 10
    monkeypatch.setattr(article_writer, "LARGE_SEGMENT_ARTICLES", 10)
    rebuild_index()
    for number in range(3):
        archive.add(f"Quokka census {number}", "Kenya and Peru.")
    forget_open_index()
    with searcher() as held:
        index_searcher = held.searcher
        sizes = sorted(leaf.doc_count_all() for leaf, _ in index_searcher.reader().leaf_readers())
        assert index_searcher.search(whoosh.Term("title", "quokka")).scored_length() == 3
    # Whoosh's own policy would have merged the four rebuilt segments with the small ones.
    assert sizes[-4:] == [10, 10, 10, 10] and len(sizes) >= 5


def whooshs_own_write_field(fieldwriter, fieldname, field, terms, length_of):
    """term_writing.write_field as Whoosh's own field writer does it, a call per term and posting."""
    fieldwriter.start_field(fieldname, field)
    for term, postings in terms:
        fieldwriter.start_term(term)
        for docnum, weight, value in postings:
            fieldwriter.add(docnum, weight, value or b"", length_of[docnum])
        fieldwriter.finish_term()
    fieldwriter.finish_field()


PAKISTAN = SimpleNamespace(country_id="PK", weight=1.5)


def segment_files(folder: Path, texts, write_field=None) -> dict[str, bytes]:
    """The bytes of each file of the segment ArticleWriter writes of the texts, by name less the segment's."""
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), SCHEMA)
    writer = article_writer.ArticleWriter(ix, compound=False)
    for number, (title, body) in enumerate(texts, start=1):
        release = SimpleNamespace(
            pk=number,
            title=title,
            body=body,
            published=datetime.date(2020, 1, 1) + datetime.timedelta(days=number),
            source="Ministry",
            country_tags=SimpleNamespace(all=lambda number=number: [PAKISTAN] if number % 3 else []),
        )
        writer.add_document(**article_to_document(release))
    if write_field:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(article_writer, "write_field", write_field)
            writer.commit()
    else:
        writer.commit()
    (segment,) = whoosh_index.open_dir(str(folder))._segments()
    return {
        path.name.replace(segment.segment_id(), ""): path.read_bytes()
        for path in folder.iterdir()
        if path.suffix != ".toc"
    }


def test_a_segments_terms_are_written_as_whooshs_own_field_writer_writes_them(tmp_path):
    # 300 releases: common words have more than one block of 128 postings, rare ones one.
    texts = [
        (parsed.title, parsed.body) for parsed in map(parse_article, generate_article_texts(300, seed=3))
    ]
    ours = segment_files(tmp_path / "ours", texts)
    theirs = segment_files(tmp_path / "theirs", texts, write_field=whooshs_own_write_field)
    assert {".trm", ".pst"} <= set(ours)
    assert ours == theirs


@given(
    st.lists(
        st.tuples(st.text(alphabet=TRICKY + " ab\n"), st.text(alphabet=TRICKY + " ab\n")),
        min_size=1,
        max_size=6,
    )
)
def test_any_segments_terms_are_written_as_whoosh_writes_them(texts):
    with tempfile.TemporaryDirectory() as folder:
        ours = segment_files(Path(folder) / "ours", texts)
        theirs = segment_files(Path(folder) / "theirs", texts, write_field=whooshs_own_write_field)
    assert ours == theirs


# --- Several processes, out of this one ---------------------------------------------------------


@pytest.mark.slow
def test_a_rebuild_in_two_processes_matches_the_database_and_survives_a_killed_writer(tmp_path):
    from .processes import environment, manage_with

    env = {**environment(tmp_path / "data"), "PRESSROOM_INDEX_WRITER_PROCESSES": "2"}
    manage_with(env, "migrate", "-v0")
    manage_with(env, "rebuild_index", "-v0")
    manage_with(env, "generate_articles", "400", "--seed", "9", "-v0")
    small_segments = {**env, "PRESSROOM_INDEX_SEGMENT_ARTICLES": "50"}
    assert "Indexed 400 articles." in manage_with(small_segments, "rebuild_index").stdout
    assert "The index matches the database." in manage_with(env, "check_index").stdout

    # A writing process killed half-way: the rebuild fails and says so, the index it was to
    # replace still answers, whole, and the next rebuild succeeds.
    tiny_segments = {**env, "PRESSROOM_INDEX_SEGMENT_ARTICLES": "5"}
    rebuild = subprocess.Popen(
        [sys.executable, "manage.py", "rebuild_index", "-v0"],
        cwd=Path(__file__).resolve().parent.parent,
        env=tiny_segments,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    writer = _child_of(rebuild.pid)
    os.kill(writer, signal.SIGKILL)
    _, errors = rebuild.communicate(timeout=120)
    assert rebuild.returncode != 0 and "a process writing the new index died" in errors
    assert "The index matches the database." in manage_with(env, "check_index").stdout
    assert "Indexed 400 articles." in manage_with(small_segments, "rebuild_index").stdout


def _child_of(pid: int, timeout: float = 60.0) -> int:
    """A process `pid` started (a rebuild's writing process), as soon as there is one."""
    from .processes import children_of

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := children_of(pid):
            return found[0]
        time.sleep(0.02)
    raise AssertionError("the rebuild started no writing process")
