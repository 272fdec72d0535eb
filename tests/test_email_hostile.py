"""E-mails as a hostile sender or a clumsy mail program writes them, byte by byte: what the
friendlier fixtures of test_email.py (written by the standard library) cannot hold."""

import base64
import time

import pytest

from articles.ingest.email_messages import read_email
from articles.ingest.errors import RejectedArticle
from articles.ingest.formats import ImportLimits, read_articles

from .test_email import PHOTO, SENT, mail

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


def nested_messages(depth: int) -> bytes:
    """A message in a message in a message..., `depth` deep, the release at the bottom."""
    message = b"Subject: Inner\nDate: " + SENT.encode() + b"\n\n27 Sep 2019\n\nThe inner text.\n"
    for level in range(depth):
        message = b"Subject: Level %d\nMIME-Version: 1.0\nContent-Type: message/rfc822\n\n" % level + message
    return message


@pytest.mark.parametrize("depth", [400, 1500])  # past the message generator's recursion, and the parser's
def test_messages_nested_hundreds_deep_are_refused_and_the_next_message_is_read(depth):
    mailbox = b"".join(
        b"From press@mofa.example Fri Sep 27 10:00:00 2019\n" + message + b"\n"
        for message in (nested_messages(depth), mail("Talks in Quito", "27 Sep 2019\n\nEcuador met Peru."))
    )
    hostile, following = read_articles("box.mbox", mailbox, LIMITS)
    assert "nests" in hostile.error
    assert following.parsed.title == "Talks in Quito"


PARAMETERS = b"; a=b" * 150_000  # the standard library reads a header's parameters in quadratic time
PARAMETER_FLOODS = [
    b"Subject: T\nDate: "
    + SENT.encode()
    + b"\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX"
    + PARAMETERS
    + b"\n\n--XX\nContent-Type: text/plain\n\n27 Sep 2019\n\nText.\n--XX--\n",
    b"Subject: T\nDate: "
    + SENT.encode()
    + b"\nContent-Type: text/plain; charset=utf-8"
    + PARAMETERS.replace(b"; ", b";\n ")  # folded over many lines
    + b"\n\n27 Sep 2019\n\nText.\n",
    with_attachment(b'attachment; filename="x' + PARAMETERS.replace(b" a=b", b"") + b'.jpg"'),  # quoted
]


@pytest.mark.parametrize("message", PARAMETER_FLOODS, ids=["boundary", "charset", "quoted name"])
def test_a_header_of_thousands_of_parameters_is_refused_in_little_time(message):
    started = time.monotonic()
    with pytest.raises(RejectedArticle, match="parameters"):
        read_email(message, LIMITS)
    assert time.monotonic() - started < 1.0


def test_a_line_of_the_body_beginning_with_from_does_not_cut_a_mailbox_s_message():
    # Writers of mailboxes quote such lines (">From"); not all do, and the release must not be cut there.
    text = "27 Sep 2019\n\nPeru met Chile in Lima.\n\nFrom the minister's office: more talks in May.\n"
    mailbox = b"".join(
        b"From press@mofa.example Fri Sep 27 10:00:00 2019\n" + message + b"\n"
        for message in (
            mail("Talks in Lima", text),
            mail("Talks in Quito", "27 Sep 2019\n\nEcuador met Peru."),
        )
    )
    lima, quito = read_articles("box.mbox", mailbox, LIMITS)
    assert lima.parsed.paragraphs[-1] == "From the minister's office: more talks in May."
    assert quito.parsed.title == "Talks in Quito"


NAMED_TEXT_HEADERS = b"Subject: Talks in Lima\nDate: " + SENT.encode() + b"\n"
NAMED_TEXTS = [
    # Some mail programs name the text of a message sent alone...
    NAMED_TEXT_HEADERS
    + b"Content-Type: text/plain; name=release.txt\n\n27 Sep 2019\n\nPeru met Chile in Lima.\n",
    # ... or a text shown inline, and send a file inline too (as Apple Mail does).
    NAMED_TEXT_HEADERS + b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n"
    b"--XX\nContent-Type: text/plain; name=release.txt\nContent-Disposition: inline; filename=release.txt\n\n"
    b"27 Sep 2019\n\nPeru met Chile in Lima.\n"
    b"--XX\nContent-Type: text/plain; name=notes.txt\nContent-Disposition: inline; filename=notes.txt\n\n"
    b"Notes for editors.\n--XX--\n",
]


@pytest.mark.parametrize(
    "message, files", list(zip(NAMED_TEXTS, [[], ["notes.txt"]], strict=True)), ids=["alone", "inline"]
)
def test_a_named_text_that_is_the_message_s_own_is_its_text(message, files):
    release = read_email(message, LIMITS)
    assert (release.title, release.body) == ("Talks in Lima", "Peru met Chile in Lima.")
    assert [each.name for each in release.attachments] == files


def encoded(cte: bytes, body: bytes, html: bytes = b"") -> bytes:
    """A release whose text part is written with the transfer encoding `cte` as given, raw; with
    an HTML alternative when `html` is given."""
    head = b"Subject: Talks in Lima\nDate: " + SENT.encode() + b"\nMIME-Version: 1.0\n"
    plain = (
        b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: " + cte + b"\n\n" + body + b"\n"
    )
    if not html:
        return head + plain
    return (
        head + b"Content-Type: multipart/alternative; boundary=XX\n\n--XX\n" + plain + b"--XX\n"
        b"Content-Type: text/html; charset=utf-8\n\n" + html + b"\n--XX--\n"
    )


@pytest.mark.parametrize(
    "cte, body",
    [
        (b"base64", b"27 Sep 2019\n\nPeru met Chile in Lima, talking of water."),  # not base64 at all
        (b"base64", base64.encodebytes(b"27 Sep 2019\n\nPeru met Chile in Lima.")[:-3] + b"!*~x\n"),
        (b"base64", b"====\n"),
        (b"quoted-printable", b"27 Sep 2019\n\nPeru met Chile=ZZ in =QQLima=G\n=XX talks=\xff=\n"),
    ],
)
def test_a_text_part_whose_transfer_encoding_is_damaged_is_refused_not_read_as_garbage(cte, body):
    [hostile] = read_articles("a.eml", encoded(cte, body), LIMITS)
    [following] = read_articles("b.eml", mail("Talks in Quito", "27 Sep 2019\n\nEcuador met Peru."), LIMITS)
    assert "The e-mail's text cannot be read: its " + cte.decode() + " encoding is damaged" in hostile.error
    assert following.parsed.paragraphs == ("Ecuador met Peru.",)


def test_the_html_part_is_read_when_the_text_parts_base64_is_damaged():
    html = b"<html><body><p>27 Sep 2019</p><p>Peru met Chile in Lima.</p></body></html>"
    parsed = read_email(encoded(b"base64", b"27 Sep 2019\n\nPeru met Chile.", html=html), LIMITS)
    assert parsed.paragraphs == ("Peru met Chile in Lima.",)


def test_a_stray_equals_sign_in_quoted_printable_text_is_read_as_written():
    parsed = read_email(
        encoded(b"quoted-printable", b"27 Sep 2019\n\nPeru met Chile: water = life, =\nsaid Lima."), LIMITS
    )
    assert parsed.paragraphs == ("Peru met Chile: water = life, said Lima.",)
