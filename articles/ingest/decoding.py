"""Turn uploaded bytes into text, whatever Windows editor wrote them."""

import codecs

import ftfy

from .errors import RejectedArticle

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control bytes that text files hardly ever hold; tab, newline, form feed and carriage return
# are allowed, and the few others a text may carry by accident are cleaned out (clean_text).
_BINARY_BYTES = bytes(sorted(set(range(0, 32)) - {9, 10, 12, 13}))
# More of them than this share of a file's bytes, or any NUL byte, makes it binary: random
# bytes are one in nine control bytes, and no text editor writes NUL.
_MAX_CONTROL_SHARE = 0.05


def decode_file(data: bytes) -> str:
    """Decode a release file and repair mojibake such as "CafÃ©" (text decoded twice)."""
    # fix_encoding only undoes wrong decodings; it leaves quotes and other characters alone.
    return ftfy.fix_encoding(_decode(data))


def _decode(data: bytes) -> str:
    """A BOM decides, then UTF-8, then Windows-1252."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise RejectedArticle(
                    f"The file starts with a {encoding} marker but is not {encoding} text."
                ) from error
    if looks_binary(data):
        raise RejectedArticle(
            "This is not a text file (it contains binary data); upload the release as plain text."
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Word on Windows saves "plain text" as cp1252; it maps nearly every byte, and
        # the five it leaves undefined are rejected rather than guessed.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as error:
            raise RejectedArticle(
                "The text encoding could not be recognised; save the file as UTF-8."
            ) from error


def looks_binary(data: bytes) -> bool:
    """Binary data anywhere in the file, not only at its start (both checks run at C speed)."""
    if b"\x00" in data:
        return True
    controls = len(data) - len(data.translate(None, _BINARY_BYTES))
    return controls > len(data) * _MAX_CONTROL_SHARE
