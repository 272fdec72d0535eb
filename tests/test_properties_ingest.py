"""Properties of every reader of outside input: whatever arrives, releases or reasons come out.

Any bytes, and nasty JSON, CSV, ZIP and upload-format files built to look almost right, give
ReadArticles (parsed, or failed with a reason) or RejectedArticle for the whole file, never
another exception, in bounded time; what is parsed is clean text, dated in range, and fits
the database's columns.
"""

import csv
import datetime
import io
import json
import os
import time
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.ingest.cleaning import clean_text
from articles.ingest.dates import parse_article_date
from articles.ingest.errors import RejectedArticle
from articles.ingest.formats import ACCEPTED_FORMATS, ImportLimits, read_articles
from articles.ingest.parsing import TITLE_MAX_LENGTH, parse_article
from articles.ingest.records import SOURCE_MAX_LENGTH

from .test_formats import unwanted_characters

# Modest, so that the whole file runs in seconds (HUNT=3000 looks harder, in about a minute);
# the deadline is generous for a shared machine but still catches anything quadratic on these
# sizes. No example database in the checkout.
PROPERTY = settings(
    max_examples=int(os.environ.get("HUNT", 120)),
    deadline=datetime.timedelta(seconds=20),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LIMITS = ImportLimits(
    max_article_bytes=64 * 1024,
    earliest_published=datetime.date(1900, 1, 1),
    latest_published=datetime.date(2030, 1, 1),
)

# Characters and pieces that have broken, or could break, a reader: controls, surrogates,
# non-characters, line breaks of every kind, JSON and CSV syntax, dates and source marks.
TRICKY = list(
    "\x00\x07\x09\x0a\x0b\x0c\x0d\x1b\x1c\x7f\x85\x9b\ud800\udfff\ufeff\ufffe\uffff\ufdd0\U0010ffff"
    "\u2028\u2029\u00a0 ,;|\"'[]{}\\-.:/0123456789"
)
PIECES = [
    "27 Sep, 2019",
    "2019-09-27",
    "0019-01-01",
    "9999-12-31",
    "Friday, January 4, 2019",
    "-PR",
    ".-PR",
    "Read Comments",
    "Kenya",
    "Pakistan",
    "\r\n",
    "\n\n",
    "[" * 50,
    '{"a":',
    '""',
    "title,date,body",
]
nasty_text = st.lists(
    st.one_of(st.characters(exclude_categories=()), st.sampled_from(TRICKY), st.sampled_from(PIECES)),
    max_size=40,
).map("".join)
line = nasty_text.map(lambda text: text.replace("\n", " ").replace("\r", " "))
date_text = st.one_of(
    st.sampled_from(PIECES[:5]), st.dates().map(str), st.dates().map(lambda d: d.strftime("%d %b, %Y")), line
)


def encoded(text: str, how: str) -> bytes:
    if how == "utf-16":
        return text.encode("utf-16", "surrogatepass")
    if how == "cp1252":
        return text.encode("cp1252", "replace")
    return text.encode("utf-8", "surrogatepass")  # lone surrogates become invalid UTF-8


encodings = st.sampled_from(["utf-8", "utf-16", "cp1252"])


def read_all(name: str, data: bytes, limits: ImportLimits = LIMITS) -> list:
    """Every release of the file, each checked; [] for a file rejected whole with a reason."""
    try:
        found = list(read_articles(name, data, limits))
    except RejectedArticle as error:
        assert str(error)
        return []
    for read in found:
        assert unwanted_characters(read.location + read.error) == []  # both are stored and shown
        if read.parsed is None:
            assert read.error, read
            continue
        assert not read.error
        article = read.parsed
        assert unwanted_characters(article.title + article.body + article.source) == []
        assert article.title.strip() and article.paragraphs and all(p.strip() for p in article.paragraphs)
        assert len(article.title) <= TITLE_MAX_LENGTH and len(article.source) <= SOURCE_MAX_LENGTH
        assert LIMITS.earliest_published <= article.published <= LIMITS.latest_published
        assert unwanted_characters("".join(article.countries or ())) == []
    return found


@PROPERTY
@given(suffix=st.sampled_from(ACCEPTED_FORMATS), data=st.binary(max_size=4096))
def test_any_bytes_in_any_format_give_releases_or_reasons(suffix, data):
    read_all("upload" + suffix, data)


@PROPERTY
@given(title=line, date=date_text, body=nasty_text, tail=nasty_text, how=encodings)
def test_any_text_release_gives_a_release_or_a_reason(title, date, body, tail, how):
    read_all("a.txt", encoded(f"{title}\n\n{date}\n\n{body}\n{tail}", how))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | nasty_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(nasty_text, children, max_size=4),
    max_leaves=12,
)
record = st.fixed_dictionaries(
    {
        "title": st.one_of(line, json_values),
        "date": st.one_of(date_text, json_values),
        "body": st.one_of(nasty_text, json_values),
    },
    optional={
        "countries": st.one_of(
            st.lists(st.sampled_from(["PK", "Kenya", "ZZ", "", "\x00"])), json_values, line
        ),
        "source": st.one_of(line, json_values),
        "Title ": line,
    },
)
records = st.lists(
    st.one_of(record, json_values, st.integers(0, 3000).map(lambda depth: "[" * depth)), max_size=5
)


def as_json(value, ascii_only: bool) -> str:
    """JSON text; a string of brackets stands for itself, unquoted, to nest deeper than json.dumps may."""
    if isinstance(value, str) and value.startswith("[" * 50):
        return value + "]" * len(value)
    return json.dumps(value, ensure_ascii=ascii_only)


@PROPERTY
@given(
    items=records,
    ascii_only=st.booleans(),
    how=encodings,
    damage=st.one_of(st.none(), st.integers(0, 10_000)),
)
def test_nasty_json_and_json_lines_give_releases_or_reasons(items, ascii_only, how, damage):
    lines = [as_json(item, ascii_only) for item in items]
    document = "[" + ", ".join(lines) + "]"
    if damage is not None and document:  # a file cut short, as an interrupted upload leaves it
        document = document[: damage % (len(document) + 1)]
    read_all("a.json", encoded(document, how))
    read_all("a.jsonl", encoded("\n".join(lines), how))


@PROPERTY
@given(
    header=st.lists(
        st.sampled_from(["title", "date", "body", "countries", "source", "Title", " BODY ", "x", ""]),
        max_size=6,
    ),
    rows=st.lists(st.lists(st.one_of(nasty_text, date_text), max_size=6), max_size=6),
    how=encodings,
)
def test_nasty_csv_gives_releases_or_reasons(header, rows, how):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in [header, *rows]:
        writer.writerow(row)
    read_all("a.csv", encoded(buffer.getvalue(), how))


member_names = st.one_of(
    st.sampled_from(
        [
            "a.txt",
            "b.csv",
            "c.json",
            "d.jsonl",
            "../up.txt",
            "/abs.txt",
            "C:/x.txt",
            "a\\b.txt",
            "__MACOSX/._a.txt",
            "in.zip",
            "x.jpg",
            "dir/",
            ".DS_Store",
        ]
    ),
    # zipfile itself cuts a name at NUL and cannot write surrogates.
    line.filter(lambda name: name.strip("\x00") and not any(c in name for c in "\x00\ud800\udfff")),
)
member_contents = st.one_of(
    st.binary(max_size=512),
    st.builds(
        lambda t, d, b: f"{t}\n\n{d}\n\n{b}".encode("utf-8", "surrogatepass"), line, date_text, nasty_text
    ),
    st.builds(lambda items: "\n".join(as_json(item, True) for item in items).encode(), records),
)


@PROPERTY
@given(
    members=st.lists(
        st.tuples(member_names, member_contents), max_size=5, unique_by=lambda member: member[0]
    ),
    compression=st.sampled_from(
        [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]
    ),
    damage=st.lists(st.tuples(st.integers(0, 100_000), st.integers(0, 255)), max_size=3),
)
def test_nasty_and_damaged_zip_archives_give_releases_or_reasons(members, compression, damage):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members:
            archive.writestr(name, content)
    data = bytearray(buffer.getvalue())
    for position, byte in damage:  # bytes flipped anywhere: headers, sizes, compressed streams
        data[position % len(data)] = byte
    read_all("a.zip", bytes(data))


@PROPERTY
@given(text=st.one_of(nasty_text, st.builds("{}\n\n{}\n\n{}".format, line, date_text, nasty_text)))
def test_the_upload_format_parser_gives_a_clean_article_or_a_reason(text):
    try:
        article = parse_article(text)
    except RejectedArticle as error:
        assert str(error)
        return
    assert unwanted_characters(article.title + article.body + article.source) == []
    assert article.title and article.paragraphs and len(article.title) <= TITLE_MAX_LENGTH


@PROPERTY
@given(text=st.one_of(nasty_text, date_text, st.builds("{} {}".format, date_text, nasty_text)))
def test_a_date_line_gives_a_date_or_none(text):
    found = parse_article_date(text)
    assert found is None or type(found) is datetime.date


@PROPERTY
@given(text=nasty_text)
def test_cleaned_text_is_clean_and_stays_so(text):
    cleaned = clean_text(text)
    assert unwanted_characters(cleaned) == []
    assert clean_text(cleaned) == cleaned


@pytest.mark.parametrize("size", [100_000, 1_000_000])
def test_hostile_inputs_a_megabyte_long_are_read_in_bounded_time(size):
    """Linear in the size: each of these reads a megabyte in about a second at most, not minutes."""
    limits = ImportLimits(
        earliest_published=LIMITS.earliest_published, latest_published=LIMITS.latest_published
    )
    for name, data in [
        ("a.json", b"[" * size),
        ("a.json", b"[" + b"[]," * (size // 3) + b"[" * size),
        ("a.json", b'["' + b'\\"' * (size // 2)),
        ("a.jsonl", b"[" * size + b"\n" + b"{" * size),
        ("a.csv", b'title,date,body\n"' + b'""' * (size // 2)),
        ("a.csv", b"title,date,body\n" + b",\n" * (size // 2)),
        ("a.txt", b"A title\n\n27 Sep, 2019\n\n" + b"\n \n" * (size // 3)),
        ("a.txt", b"x" * size),
        ("a.txt", b"A title\n\n27 Sep, 2019\n\nBody" + b" -" * (size // 2)),
        ("a.jsonl", b"\n" * size),
    ]:
        started = time.perf_counter()
        read_all(name, data, limits)
        assert time.perf_counter() - started < 1 + size / 100_000, name
