"""Property tests of the parsers of outside input: any bytes, any text, only the errors they promise.

A few examples in the suite; `make fuzz` runs thousands (HYPOTHESIS_PROFILE=fuzz).
"""

import json

from hypothesis import given
from hypothesis import strategies as st

from articles.ingest.errors import RejectedArticle
from articles.ingest.formats import ACCEPTED_FORMATS, read_articles
from articles.search import parse_user_query

from .files import article_text, record, zipped

names = st.sampled_from(ACCEPTED_FORMATS).map(lambda suffix: "upload" + suffix)
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=300)  # surrogates included
values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), any_text, st.lists(any_text, max_size=3)
)


def read_all(name, data):
    """Every release of an upload, or RejectedArticle; anything else escapes to the caller."""
    try:
        return list(read_articles(name, data))
    except RejectedArticle:
        return []


def assert_storable(articles):
    for found in articles:
        assert found.parsed or found.error, found
        if found.parsed:  # the database and every page must be able to hold it
            for text in (found.parsed.title, found.parsed.body, found.parsed.source):
                text.encode("utf-8")


@given(names, st.binary(max_size=2000))
def test_any_bytes_in_any_format(name, data):
    assert_storable(read_all(name, data))


@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["title", "date", "body", "countries", "source", "Title", ""]), values, max_size=6
        ),
        max_size=4,
    )
)
def test_any_json_records(records):
    text = json.dumps(records)
    assert_storable(read_all("upload.json", text.encode("utf-8", errors="surrogatepass")))
    lines = "\n".join(json.dumps(r) for r in records)
    assert_storable(read_all("upload.jsonl", lines.encode("utf-8", errors="surrogatepass")))


@given(
    any_text,
    any_text,
    st.sampled_from(["27 Sep, 2019", "27 Sep, 0019", "31 Dec, 9999", "2019-02-29", "1 Jan, 0001"]),
)
def test_any_text_release(title, body, date):
    assert_storable(
        read_all("upload.txt", article_text(title, date, body).encode("utf-8", errors="surrogatepass"))
    )


# A NUL ends a member name inside zipfile itself, and a ZIP cannot name a member with a lone
# surrogate (zipfile refuses to write one), so names here have neither.
@given(
    st.dictionaries(
        st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), min_size=1, max_size=40),
        any_text,
        max_size=4,
    )
)
def test_any_zip_members(members):
    data = zipped(
        [(name, content.encode("utf-8", errors="surrogatepass")) for name, content in members.items()]
    )
    assert_storable(read_all("upload.zip", data))


@given(
    st.lists(st.dictionaries(st.sampled_from(["title", "date", "body"]), any_text, min_size=3), max_size=3)
)
def test_any_csv_rows(rows):
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, ["title", "date", "body"])
    writer.writeheader()
    writer.writerows(rows)
    assert_storable(read_all("upload.csv", buffer.getvalue().encode("utf-8", errors="surrogatepass")))


@given(
    st.text(max_size=400)
)  # what a URL can carry: Django decodes invalid UTF-8 to U+FFFD, never to surrogates
def test_any_search_text_is_a_query(text):
    query = parse_user_query(text)
    assert len(query.text) <= 300
    query.text.encode("utf-8")  # it is shown on the page and in the feed's title


def test_record_helper_is_a_valid_record():
    assert read_all("one.json", json.dumps(record("Kenya wombat")).encode())[0].parsed.title == "Kenya wombat"
