"""Reading uploads: each format, and each kind of bad input, reported where it is."""
import codecs
import io
import json
import zipfile

import pytest

from articles.ingest.errors import RejectedRelease
from articles.ingest.formats import ImportLimits, read_releases

from .conftest import release_text


def zipped(members: dict, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def outcomes(name, data, **limits):
    return [(r.location, r.parsed.title if r.parsed else None, r.error) for r in read_releases(name, data, ImportLimits(**limits))]


def test_a_text_release():
    [release] = read_releases("a.txt", release_text(title="Plain").encode())
    assert release.parsed.title == "Plain" and release.parsed.countries is None


def test_mojibake_is_repaired():
    [release] = read_releases("a.txt", release_text(title="CafÃ© talks").encode("utf-8"))
    assert release.parsed.title == "Café talks"


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "utf-8-sig", "utf-16"])
def test_encodings_from_windows_tools(encoding):
    [release] = read_releases("a.txt", release_text(title="Déjà vu in Côte").encode(encoding))
    assert release.parsed.title == "Déjà vu in Côte"


def test_an_image_is_rejected_as_such():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"
    assert outcomes("photo.txt", png)[0][2].startswith("This is not a text file")
    with pytest.raises(RejectedRelease, match=r"'photo.png' is not a format Pressroom imports; upload .txt, .csv, .jsonl, .json or .zip"):
        list(read_releases("photo.png", png))


def test_a_file_over_the_limit_is_refused_with_the_limit():
    with pytest.raises(RejectedRelease, match="the limit is 100 bytes"):
        list(read_releases("big.csv", b"x" * 101, ImportLimits(max_file_bytes=100)))


def test_csv_rows_import_and_bad_rows_say_their_line():
    data = (
        "title,date,body,countries,source\n"
        "Good one,2019-09-27,Text about trade.,PK;Russia,Press release\n"
        "\n"
        "No date,,Body,,\n"
        'Multi-line,27 Sep 2019,"First paragraph.\n\nSecond paragraph.",,\n'
        "Bad country,2019-01-01,Body,Atlantis,\n"
        "Too few,2019-01-01\n"
        'Broken,2019-01-01,"quote"x,,\n'
        "Last good,2020-01-01,Peru.,,\n"
    ).encode()
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
    first = next(read_releases("releases.csv", data)).parsed
    assert first.countries == ("PK", "RU") and first.source == "Press release"
    multi = [r for r in read_releases("releases.csv", data) if r.parsed and r.parsed.title == "Multi-line"][0]
    assert multi.parsed.paragraphs == ("First paragraph.", "Second paragraph.")


def test_csv_missing_columns_unterminated_quotes_and_overlong_fields():
    assert outcomes("a.csv", b"title,body\nx,y\n") == [("line 1", None, "The CSV header lacks date; it must name title, date and body.")]
    unterminated = b'title,date,body\nOk,2019-01-01,Fine.\nOpen,2019-01-01,"never closed\n'
    assert outcomes("a.csv", unterminated)[1] == ("line 3", None, "Malformed CSV: unexpected end of data.")
    overlong = b"title,date,body\nLong,2019-01-01," + b"x" * 500 + b"\nShort,2019-01-01,Fine.\n"
    rows = outcomes("a.csv", overlong, max_field_characters=100)
    assert rows[0][0] == "line 2" and "field larger than field limit" in rows[0][2]
    assert rows[1] == ("line 3", "Short", "")


def test_json_lines_and_json():
    lines = b'{"title": "One", "date": "2019-01-01", "body": "A."}\nnot json\n\n{"title": "Two", "date": "2019-01-02", "body": ""}\n'
    assert outcomes("a.jsonl", lines) == [
        ("line 1", "One", ""),
        ("line 2", None, "Not valid JSON: Expecting value at column 1."),
        ("line 4", None, "The body is empty."),
    ]
    array = json.dumps([{"title": "A", "date": "2019-01-01", "body": "x", "countries": ["KE"]}, "oops"]).encode()
    assert outcomes("a.json", array) == [("item 1", "A", ""), ("item 2", None, "Not an object with title, date and body.")]


def test_zip_archives_with_folders_and_every_member_reported():
    data = zipped({
        "2019/one.txt": release_text(title="From the archive"),
        "2019/list.csv": "title,date,body\nFrom the CSV,2019-01-01,Body.\n",
        "../escape.txt": release_text(),
        "/etc/passwd.txt": release_text(),
        "C:/windows.txt": release_text(),
        "inner.zip": zipped({"a.txt": release_text()}),
        "picture.jpg": b"\xff\xd8\xff",
        "__MACOSX/._one.txt": b"junk",
    })  # fmt: skip
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
    with pytest.raises(RejectedRelease, match="looks like a ZIP bomb"):
        next(read_releases("bomb.zip", bomb))


def test_archive_limits_on_members_and_size():
    with pytest.raises(RejectedRelease, match="holds 3 files; the limit is 2"):
        next(read_releases("many.zip", zipped({f"{n}.txt": "x" for n in range(3)}), ImportLimits(max_archive_members=2)))
    with pytest.raises(RejectedRelease, match="would unpack to 3,000 bytes; the limit is 1,000"):
        next(read_releases("big.zip", zipped({"a.txt": "x" * 3000}), ImportLimits(max_uncompressed_bytes=1000)))


def test_a_corrupt_archive_is_rejected():
    with pytest.raises(RejectedRelease, match="not a readable ZIP archive"):
        next(read_releases("broken.zip", b"PK\x03\x04 not really"))


def test_utf16_csv_from_excel():
    data = codecs.BOM_UTF16_LE + "title,date,body\nÉté,2019-07-01,Chaleur.\n".encode("utf-16-le")
    assert outcomes("excel.csv", data) == [("line 2", "Été", "")]


def test_an_overlong_source_is_refused_with_the_limit():
    data = ("title,date,body,source\nA,2019-01-01,Body," + "s" * 150 + "\n").encode()
    assert outcomes("a.csv", data) == [("line 2", None, "The source is 150 characters long; the limit is 100.")]
