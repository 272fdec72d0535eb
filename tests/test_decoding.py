import codecs

import pytest

from articles.ingest.decoding import decode_file
from articles.ingest.errors import RejectedArticle

TEXT = "Café talks in Côte d’Ivoire — “progress”\n"


def test_utf8():
    assert decode_file(TEXT.encode("utf-8")) == TEXT


def test_utf8_with_bom():
    assert decode_file(codecs.BOM_UTF8 + TEXT.encode("utf-8")) == TEXT


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(encoding):
    data = TEXT.encode(encoding)
    if encoding != "utf-16":  # the plain codec writes its own BOM
        data = (codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE) + data
    assert decode_file(data) == TEXT


def test_windows_1252_from_word():
    assert decode_file(TEXT.encode("cp1252")) == TEXT


def test_binary_is_rejected():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    with pytest.raises(RejectedArticle, match="not a text file"):
        decode_file(png)


def test_text_followed_by_binary_is_rejected():
    text = ("Plain words of a release. " * 400).encode()
    assert len(text) > 8192
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    for tail in (png, bytes(range(1, 32)) * 100):  # with NUL bytes, and without any
        with pytest.raises(RejectedArticle, match="not a text file"):
            decode_file(text + tail)


def test_a_stray_control_character_in_a_text_is_not_taken_for_binary():
    text = "Title\n\n27 Sep, 2019\n\nText pasted from a PDF\x02 with a stray control character in it.\n"
    assert decode_file(text.encode()) == text  # parsing cleans it out
