"""What the adapter reads of Whoosh's internals is what Whoosh's public interface gives.

whoosh_codec.py reads postings a block at a time through W3LeafMatcher's private methods and
decodes the Positions format's values itself. A Whoosh upgrade that changes either fails
here first, on a real index: postings of one document and postings spanning several blocks,
weights all 1, all one boost, or each different, words repeated for positions, and a segment
with deletions, whose postings Whoosh filters one at a time.
"""

import math

import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import FilterMatcher

from articles.search import matching, whoosh_codec
from articles.search.schema import SCHEMA

DOCUMENTS = 300  # per segment: a common word's postings span three blocks of 128
BLOCK = 128
DELETED = (300, 301, 302, 450)  # from the second segment, its first documents among them


def release(number: int) -> dict:
    """A document whose common words recur a varying number of times; one word is in one document only."""
    trade = " ".join(["trade"] * (1 + number % 4))
    rare = " zanzibar" if number == 7 else ""
    body = f"{trade} talks minister {trade} bilateral trade talks{rare}"
    title = "Minister visits" if number % 2 else "Minister"
    return {
        "id": str(number),
        "title": title,
        "body": body,
        "pairs": f"{title} {body}",
        "countries": "PK PK IN" if number % 3 else "PK",
        "published": 20190927,
    }


@pytest.fixture
def segments(tmp_path):
    """A searcher over two segments of DOCUMENTS each, the second with deletions, and their readers."""
    ix = whoosh_index.create_in(str(tmp_path), SCHEMA)
    for first in (0, DOCUMENTS):
        writer = ix.writer()
        for number in range(first, first + DOCUMENTS):
            writer.add_document(**release(number))
        writer.commit(merge=False)
    writer = ix.writer()
    for number in DELETED:
        writer.delete_by_term("id", str(number))
    writer.commit(merge=False)
    with ix.searcher() as searcher:
        readers = [reader for reader, _ in searcher.reader().leaf_readers()]
        assert len(readers) == 2
        yield searcher, readers
    ix.close()


def lexicon(reader, field):
    return [term.decode() if isinstance(term, bytes) else term for term in reader.lexicon(field)]


def public_postings(reader, field, text):
    """(ids, weights, matcher) read one posting at a time, as Whoosh documents its matchers."""
    matcher = reader.postings(field, text)
    kind, ids, weights, values = type(matcher), [], [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        values.append(matcher.value_as("positions") if field in ("title", "body") else None)
        matcher.next()
    return kind, ids, weights, values


@pytest.mark.parametrize("field", ["title", "body", "pairs", "countries"])
def test_postings_are_what_the_public_matcher_gives(segments, field):
    _, readers = segments
    kinds, lengths = set(), set()
    for reader in readers:
        for text in lexicon(reader, field):
            kind, ids, weights, _ = public_postings(reader, field, text)
            found_ids, found_weights = whoosh_codec.postings(reader, field, text)
            assert found_ids.tolist() == ids, (field, text)
            assert found_weights.tolist() == pytest.approx(weights), (field, text)
            kinds.add(kind)
            lengths.add(len(ids))
    # Read block by block, and (the segment with deletions) one posting at a time.
    assert kinds == {W3LeafMatcher, FilterMatcher}
    assert max(lengths) > 2 * BLOCK  # over several blocks
    if field == "body":
        assert 1 in lengths  # "zanzibar", in one document


def test_weights_all_one_all_boosted_or_each_different_are_read(segments):
    _, readers = segments
    reader = readers[0]
    assert set(whoosh_codec.postings(reader, "body", "minist")[1].tolist()) == {1.0}
    assert set(whoosh_codec.postings(reader, "title", "minist")[1].tolist()) == {2.0}  # the title's boost
    assert len(set(whoosh_codec.postings(reader, "body", "trade")[1].tolist())) == 4


@pytest.mark.parametrize("field", ["title", "body"])
def test_positions_are_what_the_positions_format_decodes(segments, field):
    _, readers = segments
    for reader in readers:
        for text in lexicon(reader, field):
            _, ids, _, positions = public_postings(reader, field, text)
            documents, counts, found = whoosh_codec.positions(reader, field, text)
            assert documents.tolist() == ids, (field, text)
            assert counts.tolist() == [len(each) for each in positions]
            ends = counts.cumsum()
            assert [found[end - count : end].tolist() for end, count in zip(ends, counts, strict=True)] == (
                positions
            )


def test_a_repeated_word_has_each_of_its_positions(segments):
    _, readers = segments
    documents, counts, positions = whoosh_codec.positions(readers[0], "body", "trade")
    # Document 3: "trade trade trade trade talks minister trade trade trade trade bilateral trade talks"
    third = int(counts[:3].sum())
    assert documents[3] == 3
    assert positions[third : third + counts[3]].tolist() == [0, 1, 2, 3, 6, 7, 8, 9, 11]


def test_idf_is_the_searchers_and_bm25f_is_scored_as_matching_assumes(segments):
    searcher, _ = segments
    for field, text in [("body", "trade"), ("title", "minist"), ("body", "zanzibar"), ("body", "absent")]:
        expected = math.log(searcher.doc_count_all() / (searcher.doc_frequency(field, text) + 1)) + 1
        assert whoosh_codec.idf(searcher, field, text) == searcher.idf(field, text) == pytest.approx(expected)
    assert (searcher.weighting.B, searcher.weighting.K1) == (matching.B, matching.K1)


def public_lengths(reader, field):
    return [reader.doc_field_length(docnum, field, 0) or 0 for docnum in range(reader.doc_count_all())]


@pytest.mark.parametrize("field", ["title", "body", "pairs"])
def test_field_lengths_read_at_once_are_what_doc_field_length_gives(segments, field):
    _, readers = segments
    for reader in readers:  # the second with deletions, whose lengths are still there
        assert whoosh_codec.field_lengths(reader, field).tolist() == public_lengths(reader, field)


def test_published_read_at_once_is_what_the_column_reader_gives(segments):
    _, readers = segments
    for reader in readers:
        assert whoosh_codec.numbers(reader, "published").tolist() == list(reader.column_reader("published"))


def test_documents_without_a_field_have_its_length_and_column_default(tmp_path):
    """A field's columns stop at the last document with a value: those after have the default."""
    ix = whoosh_index.create_in(str(tmp_path), SCHEMA)
    writer = ix.writer()
    writer.add_document(id="untitled", body="Talks.")
    writer.add_document(id="dated", title="A long title of five words", body="Trade", published=20190927)
    for number in range(3):  # neither title nor date
        writer.add_document(id=f"bare{number}", body="Trade talks" * number)
    writer.commit()
    with ix.searcher() as searcher:
        ((reader, _),) = searcher.reader().leaf_readers()
        for field in ("title", "body"):
            assert whoosh_codec.field_lengths(reader, field).tolist() == public_lengths(reader, field)
        published = whoosh_codec.numbers(reader, "published").tolist()
        assert published == list(reader.column_reader("published"))
        assert published[1] == 20190927 and published[0] == published[-1] == SCHEMA["published"].default
    ix.close()


def test_a_segment_without_a_field_reads_zero_lengths(tmp_path):
    ix = whoosh_index.create_in(str(tmp_path), SCHEMA)
    writer = ix.writer()
    writer.add_document(id="1", body="Talks.")
    writer.commit()
    with ix.searcher() as searcher:
        ((reader, _),) = searcher.reader().leaf_readers()
        assert not reader.has_column("published")
        assert whoosh_codec.field_lengths(reader, "title").tolist() == public_lengths(reader, "title") == [0]
    ix.close()


def test_a_field_that_is_not_an_integer_column_is_refused(segments):
    _, readers = segments
    with pytest.raises(TypeError, match="countries is not an integer NUMERIC field"):
        whoosh_codec.numbers(readers[0], "countries")


def test_deleted_documents_are_those_all_doc_ids_leaves_out(segments):
    _, readers = segments
    for reader in readers:
        left_out = sorted(set(range(reader.doc_count_all())) - set(reader.all_doc_ids()))
        assert whoosh_codec.deleted_documents(reader).tolist() == left_out
    assert len(left_out) == len(DELETED)
