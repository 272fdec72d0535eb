"""E-mails as a hostile sender or a clumsy mail program writes them, byte by byte: what the
friendlier fixtures of test_email.py (written by the standard library) cannot hold."""

import base64

import pytest

from articles.ingest.email_messages import read_email
from articles.ingest.formats import ImportLimits

from .test_email import PHOTO, SENT

LIMITS = ImportLimits()


def with_attachment(disposition: bytes, data: bytes = PHOTO, kind: bytes = b"image/jpeg") -> bytes:
    """A release with one attachment whose Content-Disposition is written as given, raw."""
    return (
        b"Subject: Talks in Lima\nDate: " + SENT.encode() + b"\nMIME-Version: 1.0\n"
        b"Content-Type: multipart/mixed; boundary=XX\n\n"
        b"--XX\nContent-Type: text/plain\n\n27 Sep 2019\n\nPeru met Chile in Lima.\n"
        b"--XX\nContent-Type: " + kind + b"\nContent-Disposition: " + disposition + b"\n"
        b"Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(data) + b"\n--XX--\n"
    )


@pytest.mark.parametrize(
    "written, kept",
    [
        ('attachment; filename="Présentation du ministre.pdf"'.encode(), "Présentation du ministre.pdf"),
        ('attachment; filename="新闻稿.pdf"'.encode(), "新闻稿.pdf"),
        (b'attachment; filename="Pr\xe9sentation.pdf"', "Présentation.pdf"),  # Windows-1252, unencoded
    ],
)
def test_a_file_name_sent_unencoded_keeps_its_letters(written, kept):
    # Mail programs write UTF-8 names as they are (RFC 6532), as they do subjects.
    [attachment] = read_email(with_attachment(written), LIMITS).attachments
    assert attachment.name == kept
