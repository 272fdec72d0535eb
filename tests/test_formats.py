"""Reading uploads: each format, and each kind of bad input, reported where it is."""

import codecs
import datetime
import io
import json
import struct
import unicodedata
import zipfile

import pytest

from articles.ingest.errors import RejectedArticle
from articles.ingest.formats import ImportLimits, read_articles

from .conftest import article_text


def zipped(members: dict, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def outcomes(name, data, **limits):
    return [
        (r.location, r.parsed.title if r.parsed else None, r.error)
        for r in read_articles(name, data, ImportLimits(**limits))
    ]


def test_a_text_release():
    [article] = read_articles("a.txt", article_text(title="Plain").encode())
    assert article.parsed.title == "Plain" and article.parsed.countries is None


def test_mojibake_is_repaired():
    [article] = read_articles("a.txt", article_text(title="CafÃ© talks").encode("utf-8"))
    assert article.parsed.title == "Café talks"


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "utf-8-sig", "utf-16"])
def test_encodings_from_windows_tools(encoding):
    [article] = read_articles("a.txt", article_text(title="Déjà vu in Côte").encode(encoding))
    assert article.parsed.title == "Déjà vu in Côte"


def test_an_image_is_rejected_as_such():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"
    assert outcomes("photo.txt", png)[0][2].startswith("This is not a text file")
    with pytest.raises(
        RejectedArticle,
        match=r"'photo.png' is not a format Pressroom imports; "
        r"upload .txt, .docx, .pdf, .html, .htm, .eml, .mbox, .csv, .jsonl, .json or .zip",
    ):
        list(read_articles("photo.png", png))


def test_a_file_over_the_limit_is_refused_with_the_limit():
    with pytest.raises(RejectedArticle, match="the limit is 100 bytes"):
        list(read_articles("big.csv", b"x" * 101, ImportLimits(max_file_bytes=100)))


def test_csv_rows_import_and_bad_rows_say_their_line():
    data = (
        b"title,date,body,countries,source\n"
        b"Good one,2019-09-27,Text about trade.,PK;Russia,Press release\n"
        b"\n"
        b"No date,,Body,,\n"
        b'Multi-line,27 Sep 2019,"First paragraph.\n\nSecond paragraph.",,\n'
        b"Bad country,2019-01-01,Body,Atlantis,\n"
        b"Too few,2019-01-01\n"
        b'Broken,2019-01-01,"quote"x,,\n'
        b"Last good,2020-01-01,Peru.,,\n"
    )
    assert outcomes("releases.csv", data) == [
        ("line 2", "Good one", ""),
        ("line 3", None, "Empty row."),
        ("line 4", None, "The date '' is missing or not understood; use 2019-09-27 or 27 Sep, 2019."),
        ("line 5", "Multi-line", ""),
        ("line 8", None, "Unknown country 'Atlantis'; use ISO codes such as PK or names such as Pakistan."),
        ("line 9", None, "The row has 2 fields; the header names 5."),
        ("line 10", None, "Malformed CSV: ',' expected after '\"'."),
        ("line 11", "Last good", ""),
    ]
    first = next(read_articles("releases.csv", data)).parsed
    assert first.countries == ("PK", "RU") and first.source == "Press release"
    multi = [r for r in read_articles("releases.csv", data) if r.parsed and r.parsed.title == "Multi-line"][0]
    assert multi.parsed.paragraphs == ("First paragraph.", "Second paragraph.")


def test_csv_missing_columns_unterminated_quotes_and_overlong_fields():
    assert outcomes("a.csv", b"title,body\nx,y\n") == [
        ("line 1", None, "The CSV header lacks date; it must name title, date and body.")
    ]
    unterminated = b'title,date,body\nOk,2019-01-01,Fine.\nOpen,2019-01-01,"never closed\n'
    assert outcomes("a.csv", unterminated)[1] == ("line 3", None, "Malformed CSV: unexpected end of data.")
    overlong = b"title,date,body\nLong,2019-01-01," + b"x" * 500 + b"\nShort,2019-01-01,Fine.\n"
    rows = outcomes("a.csv", overlong, max_field_characters=100)
    assert rows[0][0] == "line 2" and "field larger than field limit" in rows[0][2]
    assert rows[1] == ("line 3", "Short", "")


def test_json_lines_and_json():
    lines = (
        b'{"title": "One", "date": "2019-01-01", "body": "A."}\nnot json\n\n'
        b'{"title": "Two", "date": "2019-01-02", "body": ""}\n'
    )
    assert outcomes("a.jsonl", lines) == [
        ("line 1", "One", ""),
        ("line 2", None, "Not valid JSON: Expecting value at column 1."),
        ("line 4", None, "The body is empty."),
    ]
    array = json.dumps(
        [{"title": "A", "date": "2019-01-01", "body": "x", "countries": ["KE"]}, "oops"]
    ).encode()
    assert outcomes("a.json", array) == [
        ("item 1", "A", ""),
        ("item 2", None, "Not an object with title, date and body."),
    ]


def test_zip_archives_with_folders_and_every_member_reported():
    data = zipped(
        {
            "2019/one.txt": article_text(title="From the archive"),
            "2019/list.csv": "title,date,body\nFrom the CSV,2019-01-01,Body.\n",
            "../escape.txt": article_text(),
            "/etc/passwd.txt": article_text(),
            "C:/windows.txt": article_text(),
            "inner.zip": zipped({"a.txt": article_text()}),
            "picture.jpg": b"\xff\xd8\xff",
            "__MACOSX/._one.txt": b"junk",
        }
    )
    rows = outcomes("upload.zip", data)
    assert rows[0] == ("member 2019/one.txt", "From the archive", "")
    assert rows[1] == ("member 2019/list.csv, line 2", "From the CSV", "")
    assert [r[2].split(";")[0] for r in rows[2:5]] == ["Unsafe file name (an absolute path or '..')"] * 3
    assert "nested archives are not opened" in rows[5][2]
    assert "Not a release file" in rows[6][2]
    assert len(rows) == 7  # the __MACOSX debris is passed over


def test_a_zip_bomb_is_rejected_without_inflating_it():
    bomb = zipped({"zeros.txt": b"0" * (50 * 1024 * 1024)})
    assert len(bomb) < 100_000
    with pytest.raises(RejectedArticle, match="looks like a ZIP bomb"):
        next(read_articles("bomb.zip", bomb))


def test_archive_limits_on_members_and_size():
    with pytest.raises(RejectedArticle, match="holds 3 files; the limit is 2"):
        next(
            read_articles(
                "many.zip", zipped({f"{n}.txt": "x" for n in range(3)}), ImportLimits(max_archive_members=2)
            )
        )
    with pytest.raises(RejectedArticle, match="would unpack to 3,000 bytes; the limit is 1,000"):
        next(
            read_articles("big.zip", zipped({"a.txt": "x" * 3000}), ImportLimits(max_uncompressed_bytes=1000))
        )


def test_a_corrupt_archive_is_rejected():
    with pytest.raises(RejectedArticle, match="not a readable ZIP archive"):
        next(read_articles("broken.zip", b"PK\x03\x04 not really"))


def test_utf16_csv_from_excel():
    data = codecs.BOM_UTF16_LE + "title,date,body\nÉté,2019-07-01,Chaleur.\n".encode("utf-16-le")
    assert outcomes("excel.csv", data) == [("line 2", "Été", "")]


def test_an_overlong_source_is_refused_with_the_limit():
    data = ("title,date,body,source\nA,2019-01-01,Body," + "s" * 150 + "\n").encode()
    assert outcomes("a.csv", data) == [
        ("line 2", None, "The source is 150 characters long; the limit is 100.")
    ]


GOOD = '{"title": "Good", "date": "2019-01-01", "body": "Body."}'


def test_json_nested_too_deeply_fails_alone_and_its_neighbours_are_read():
    deep = "[" * 100_000 + "]" * 100_000
    items = outcomes("a.json", f"[{GOOD}, {deep}, {GOOD}]".encode())
    assert [(place, title) for place, title, _ in items] == [
        ("item 1", "Good"),
        ("item 2", None),
        ("item 3", "Good"),
    ]
    assert "nested too deeply" in items[1][2]
    lines = outcomes("a.jsonl", f"{GOOD}\n{'[' * 100_000}\n{GOOD}\n".encode())
    assert [(place, title) for place, title, _ in lines] == [
        ("line 1", "Good"),
        ("line 2", None),
        ("line 3", "Good"),
    ]
    assert "nested too deeply" in lines[1][2]
    [alone] = outcomes("a.json", b"[" * 100_000)
    assert "nested too deeply" in alone[2] and "the rest of the file was not read" in alone[2]


def test_a_json_list_broken_midway_keeps_the_items_before_the_break():
    assert outcomes("a.json", f'[{GOOD}, {{"a": 1,}}]'.encode()) == [
        ("item 1", "Good", ""),
        (
            "line 1",
            None,
            "Not valid JSON: Expecting property name enclosed in double quotes at column 68; "
            "the rest of the file was not read.",
        ),
    ]


def test_numbers_too_long_for_python_are_text_not_a_crash():
    [item] = outcomes("a.json", b'{"title": ' + b"9" * 5000 + b', "date": "2019-01-01", "body": 1e400}')
    assert item == ("item 1", None, "The title is 5,000 characters long; the limit is 500.")
    [item] = outcomes("a.jsonl", b"[" + b"1" * 5000 + b"]")
    assert item == ("line 1", None, "Not an object with title, date and body.")


def test_fields_that_are_not_text_are_refused_with_the_reason():
    rows = outcomes(
        "a.jsonl",
        b"\n".join(
            [
                b'{"title": {"a": 1}, "date": "2019-01-01", "body": "x"}',
                b'{"title": "T", "date": "2019-01-01", "body": ["x"]}',
                b'{"title": "T", "date": true, "body": "x"}',
                b'{"title": "T", "date": "2019-01-01", "body": "x", "countries": [["PK"]]}',
            ]
        ),
    )
    assert [error for _, _, error in rows] == [
        "The title must be text, not an object.",
        "The body must be text, not a list.",
        "The date must be text, not true or false.",
        'The countries must be text ("PK; Russia") or a list of texts (["PK", "Russia"]).',
    ]


def test_json_lines_end_only_at_newlines():
    text = json.dumps(
        {"title": "Line\u2028separator", "date": "2019-01-01", "body": "Next\u2029paragraph\x0chere"},
        ensure_ascii=False,
    )
    [article] = read_articles("a.jsonl", text.encode())  # one release, not three broken lines
    assert article.parsed.title == "Line separator" and article.parsed.paragraphs == (
        "Next paragraph",
        "here",
    )


def unwanted_characters(text: str) -> list[str]:
    """Controls (but tab and newline), surrogates and non-characters, found without the code under test."""
    return [
        c
        for c in text
        if (unicodedata.category(c) in ("Cc", "Cs") and c not in "\t\n")
        or 0xFDD0 <= ord(c) <= 0xFDEF
        or ord(c) & 0xFFFE == 0xFFFE
    ]


def all_text(parsed) -> str:
    return "".join([parsed.title, parsed.body, parsed.source, *(parsed.countries or ())])


# Raw in a text file (where a NUL byte would make it binary, and ftfy reads C1 controls as
# the Windows-1252 characters they were), and escaped in JSON.
DIRTY = "Dirty \x07title\x1b[31m\x7f\ufffe\U0010ffff\ufdd0 end"
ESCAPED = "Dirty\x00 \x07title\ud800\x1b[31m\x7f\x9b\ufffe\U0010ffff\ufdd0 end"
LONG_BODY = "A body of ordinary length around the stray characters. " * 5


@pytest.mark.parametrize(
    "name, data",
    [
        (
            "a.txt",
            article_text(title=DIRTY, body=f"{LONG_BODY}Body\x01 text\x0cNext page {DIRTY}.-PR").encode(),
        ),
        ("a.csv", f'title,date,body,source\n"{DIRTY}",2019-01-01,"{LONG_BODY} {DIRTY}","{DIRTY}"\n'.encode()),
        (
            "a.jsonl",
            json.dumps(
                {"title": ESCAPED, "date": "2019-01-01", "body": "\udfff" + ESCAPED, "source": ESCAPED}
            ).encode(),
        ),
        (
            "a.json",
            json.dumps(
                [{"title": ESCAPED, "date": "2019-01-01", "body": ESCAPED, "countries": ["PK\x00"]}]
            ).encode(),
        ),
        (
            "a.zip",
            zipped(
                {
                    "in/a.jsonl": json.dumps(
                        {"title": ESCAPED, "date": "2019-01-01", "body": ESCAPED + "\ud83d"}
                    )
                }
            ),
        ),
    ],
)
def test_control_characters_surrogates_and_non_characters_are_cleaned_from_every_field(name, data):
    [article] = read_articles(name, data)
    assert article.parsed, article.error
    assert unwanted_characters(all_text(article.parsed)) == []
    assert article.parsed.title == "Dirty title[31m end"


@pytest.mark.parametrize("date", ["0019-01-01", "9999-12-31", "1899-12-31", "19 Jan, 0019"])
def test_implausible_publication_dates_are_refused_with_the_range(date):
    limits = {"earliest_published": datetime.date(1900, 1, 1), "latest_published": datetime.date(2030, 1, 1)}
    for name, data in [
        ("a.txt", article_text(date=date).encode()),
        ("a.csv", f'title,date,body\nT,"{date}",Body\n'.encode()),
        ("a.json", json.dumps({"title": "T", "date": date, "body": "B"}).encode()),
        ("a.zip", zipped({"a.txt": article_text(date=date)})),
    ]:
        [(_, title, error)] = outcomes(name, data, **limits)
        assert title is None
        assert "is outside the dates Pressroom accepts (1900-01-01 to 2030-01-01); check the year." in error
    assert outcomes("a.txt", article_text(date="1 Jan, 1900").encode(), **limits)[0][2] == ""
    assert outcomes("a.txt", article_text(date="1 Jan, 2030").encode(), **limits)[0][2] == ""


def test_by_default_dates_up_to_a_year_ahead_are_accepted():
    next_year = datetime.date.today() + datetime.timedelta(days=365)
    assert outcomes("a.txt", article_text(date=next_year.isoformat()).encode())[0][2] == ""
    assert "outside the dates" in outcomes("a.txt", article_text(date="9999-01-01").encode())[0][2]


MEGABYTE_ARTICLE = article_text(
    body="Kenya and Peru held talks. " * 37_100
)  # about 1 MB, shrinks about 300 times


def test_every_member_is_held_to_the_compression_ratio():
    archive = zipped({f"{n}.txt": MEGABYTE_ARTICLE for n in range(10)})
    assert 1_000_000 < len(MEGABYTE_ARTICLE) < 1024 * 1024 and len(archive) * 250 < 10 * len(MEGABYTE_ARTICLE)
    with pytest.raises(RejectedArticle, match=r"looks like a ZIP bomb: '0.txt' would grow \d+ times"):
        next(read_articles("ten.zip", archive))


def test_the_whole_archive_is_held_to_the_compression_ratio():
    archive = zipped({f"{n}.txt": article_text(body="Talks. " * 9_000) for n in range(50)})  # 63 KB each
    with pytest.raises(RejectedArticle, match=r"looks like a ZIP bomb: its 50 files would grow \d+ times"):
        next(read_articles("many.zip", archive))


def test_small_repetitive_members_are_not_bombs():
    archive = zipped({"small.txt": article_text(body="Talks. " * 8_000), "empty.csv": "title,date,body\n"})
    small = zipfile.ZipFile(io.BytesIO(archive)).getinfo("small.txt")
    assert small.file_size > 250 * small.compress_size  # over the ratio, but 56 KB is no bomb
    assert [title for _, title, _ in outcomes("small.zip", archive)] == ["Minister visits Islamabad"]


def test_a_member_whose_declared_size_lies_is_stopped_while_it_is_read():
    archive = bytearray(zipped({"liar.txt": MEGABYTE_ARTICLE, "after.txt": article_text()}))
    directory = archive.index(b"PK\x01\x02")  # the first member's central directory entry
    archive[directory + 20 : directory + 24] = struct.pack("<I", len(MEGABYTE_ARTICLE))  # "compressed: 1 MB"
    assert outcomes("liar.zip", bytes(archive)) == [
        ("member liar.txt", None, "The archive inflates past its size limits; the rest of it was not read.")
    ]


# Found by the property tests (test_properties_ingest.py): damaged archives that zipfile
# reports with exceptions other than BadZipFile.


def test_an_archive_needing_an_unknown_zip_version_is_rejected_as_unreadable():
    archive = bytearray(zipped({"a.txt": article_text()}))
    directory = archive.index(b"PK\x01\x02")
    archive[directory + 6] = 64  # "version needed to extract: 6.4"; zipfile raises NotImplementedError
    with pytest.raises(
        RejectedArticle, match=r"'v.zip' is not a readable ZIP archive \(zip file version 6.4\)"
    ):
        next(read_articles("v.zip", bytes(archive)))


def test_a_member_whose_offset_points_before_the_archive_fails_alone():
    archive = bytearray(zipped({"a.txt": article_text()}))
    end = archive.rindex(b"PK\x05\x06")
    start = struct.unpack("<I", archive[end + 16 : end + 20])[0]
    archive[end + 16 : end + 20] = struct.pack("<I", start + 256)  # zipfile then seeks to -256 (ValueError)
    assert outcomes("offset.zip", bytes(archive)) == [
        ("member a.txt", None, "The member could not be read (negative seek value -256).")
    ]


def test_a_member_without_a_name_fails_alone():
    # Found by Hypothesis: a damaged directory entry with an empty name made zipfile's own
    # is_dir() raise IndexError, and the whole upload failed as a defect of ours.
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as writing:
        writing.writestr(zipfile.ZipInfo(""), article_text())
        writing.writestr("a.txt", article_text())
    [nameless, named] = list(read_articles("nameless.zip", archive.getvalue()))
    assert nameless.parsed is None and nameless.error.startswith("A member without a name")
    assert named.location == "member a.txt" and named.parsed is not None


@pytest.mark.parametrize("title", ["\u200b", "😀😀", "\u200b\u200d", "--- ***"])
def test_a_title_without_a_letter_or_digit_is_refused_in_every_format(title):
    import json as json_module

    csv_file = f"title,date,body\n{title},2019-09-27,Kenya talks.\n".encode()
    json_file = json_module.dumps([{"title": title, "date": "2019-09-27", "body": "Kenya talks."}]).encode()
    for name, data in (
        ("a.csv", csv_file),
        ("a.json", json_file),
        ("a.txt", f"{title}\n\n27 Sep, 2019\n\nKenya talks.".encode()),
    ):
        [article] = list(read_articles(name, data))
        assert article.parsed is None and "no letter or digit" in article.error, (name, article)
