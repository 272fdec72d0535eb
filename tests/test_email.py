"""E-mails as press offices send them: a release in the text, a newsletter in HTML, a covering
note with the release attached, forwards, replies, mailboxes, and what mail programs do to text."""

import datetime
import mailbox
import time
from email.message import EmailMessage

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.ingest.attachments import Attachment
from articles.ingest.email_messages import read_email
from articles.ingest.errors import RejectedArticle
from articles.ingest.formats import ImportLimits, read_articles
from articles.models import Article
from articles.services import article_import

from .test_formats import zipped
from .test_pdf import LETTERHEAD_RELEASE, MET
from .test_word import word_document

LIMITS = ImportLimits()
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(256)) * 4
SENT = "Mon, 30 Sep 2019 09:15:00 +0500"


def mail(subject, text=None, *, html=None, date=SENT, attachments=(), cte=None, charset=None, **headers):
    """An e-mail as a mail program writes it: headers, a text (or HTML) part, attachments."""
    message = EmailMessage()
    message["From"] = "Press Office <press@mofa.example>"
    message["To"] = "newsdesk@paper.example"
    if subject is not None:
        message["Subject"] = subject
    if date is not None:
        message["Date"] = date
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    options = {key: value for key, value in (("cte", cte), ("charset", charset)) if value}
    if text is not None:
        message.set_content(text, **options)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html", **options)
        else:
            message.add_alternative(html, subtype="html")
    for name, kind, data in attachments:
        maintype, subtype = kind.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


MINISTRY_RELEASE = mail(
    "Pakistan and Kenya agree to deepen trade ties",
    "For immediate release\n\n27 September 2019\n\n"
    "ISLAMABAD - The Foreign Minister met his Kenyan counterpart on Friday to discuss\n"
    "trade, water and the new air link between Karachi and Nairobi.\n\n"
    "Both sides agreed to meet again in Nairobi next spring.\n\nENDS\n\n"
    "-- \nPress Office, Ministry of Foreign Affairs\n+92 51 920 0000\n",
    attachments=[("minister-in-nairobi.jpg", "image/jpeg", PHOTO)],
    message_id="<release-4711@mofa.example>",
)


def test_a_ministry_release_reads_as_its_subject_date_line_and_text_with_its_photo():
    parsed = read_email(MINISTRY_RELEASE, LIMITS)
    assert parsed.title == "Pakistan and Kenya agree to deepen trade ties"
    assert parsed.published == datetime.date(2019, 9, 27)  # the date line, not the Date header
    assert parsed.paragraphs == (
        "For immediate release",
        "ISLAMABAD - The Foreign Minister met his Kenyan counterpart on Friday to discuss "
        "trade, water and the new air link between Karachi and Nairobi.",
        "Both sides agreed to meet again in Nairobi next spring.",
    )
    assert "Press Office" not in parsed.body  # the signature under "-- "
    assert parsed.attachments == (Attachment("minister-in-nairobi.jpg", "image/jpeg", PHOTO),)
    assert parsed.identifier == ""  # a Message-ID names the message, not the release


NEWSLETTER = """<!doctype html><html><head><title>Ministry of Water newsletter</title></head><body>
<div class="nav"><a href="https://water.example/">Home</a> | <a href="https://water.example/news">News</a>
| <a href="https://water.example/contact">Contact</a></div>
<div class="content"><h1>Karachi's new water plant opens</h1><p>27 September 2019</p>
<p>KARACHI - The Ministry of Water opened a plant on Friday that serves two million people in
Karachi and its suburbs, the minister said at the opening.</p>
<p>The plant cost 40 million dollars and was built with help from Japan over three years.</p></div>
<div class="footer"><p>You receive this e-mail because you subscribed to our news.
<a href="https://water.example/unsubscribe">Unsubscribe</a></p></div></body></html>"""


def test_an_html_newsletter_is_read_without_its_navigation_and_footer():
    parsed = read_email(mail("Karachi's new water plant opens", html=NEWSLETTER), LIMITS)
    assert parsed.title == "Karachi's new water plant opens"
    assert parsed.published == datetime.date(2019, 9, 27)
    assert parsed.paragraphs == (
        "KARACHI - The Ministry of Water opened a plant on Friday that serves two million people in "
        "Karachi and its suburbs, the minister said at the opening.",
        "The plant cost 40 million dollars and was built with help from Japan over three years.",
    )
    assert parsed.attachments == ()


def test_of_a_text_and_an_html_part_the_text_is_read():
    both = mail("Water plant", "27 Sep 2019\n\nThe plain text.", html="<p>The HTML text.</p>")
    assert read_email(both, LIMITS).paragraphs == ("The plain text.",)


RELEASE_DOCUMENT = word_document(
    "Peru and Chile open their border crossing",
    "3 March 2021",
    "LIMA - Peru and Chile opened the crossing at Tacna after two years of works.",
    "ENDS",
)
ANNEX = b"%PDF-1.4 the annex: a map of the crossing"


def covering_note(*attachments, text="Dear colleagues,\n\nPlease find attached our press release.\n"):
    return mail("Press release: border crossing", text, attachments=attachments)


def test_a_covering_note_with_the_release_attached_is_the_attached_release():
    note = covering_note(
        (
            "release.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            RELEASE_DOCUMENT,
        ),
        ("map annex.pdf", "application/pdf", ANNEX),
    )
    [read] = read_articles("note.eml", note, LIMITS)
    parsed = read.parsed
    assert (parsed.title, parsed.published) == (
        "Peru and Chile open their border crossing",
        datetime.date(2021, 3, 3),
    )
    assert parsed.paragraphs == (
        "LIMA - Peru and Chile opened the crossing at Tacna after two years of works.",
    )
    # The Word file is not kept (it may hold tracked changes); the annex is.
    assert parsed.attachments == (Attachment("map annex.pdf", "application/pdf", ANNEX),)


def test_a_release_attached_as_pdf_is_read_and_the_pdf_kept_as_its_original():
    note = covering_note(("release.pdf", "application/pdf", LETTERHEAD_RELEASE))
    [read] = read_articles("note.eml", note, LIMITS)
    assert (read.parsed.title, read.parsed.published) == (
        "Pakistan and Kenya agree to deepen trade ties",
        datetime.date(2019, 9, 27),
    )
    assert read.parsed.paragraphs[:2] == ("For immediate release", MET)
    assert read.parsed.attachments == (Attachment("release.pdf", "application/pdf", LETTERHEAD_RELEASE),)


def test_a_covering_note_whose_release_cannot_be_read_fails_with_the_reason():
    note = covering_note(("release.docx", "application/octet-stream", b"not a Word document"))
    [read] = read_articles("note.eml", note, LIMITS)
    assert read.error.startswith("The e-mail is a covering note, and its attached release could not be read")
    assert "release.docx: This is not a Word document" in read.error


def test_a_long_text_is_the_release_even_with_a_document_attached():
    text = "3 March 2021\n\n" + "Peru and Chile met in Lima to talk about trade and water. " * 8
    parsed = read_email(
        covering_note(("background.docx", "application/octet-stream", RELEASE_DOCUMENT), text=text), LIMITS
    )
    assert parsed.title == "Press release: border crossing"
    assert [each.name for each in parsed.attachments] == ["background.docx"]  # an annex, kept


def test_an_email_without_text_or_release_says_why():
    with pytest.raises(RejectedArticle, match="no text, and no Word or PDF release attached"):
        read_email(mail("Photos", None, attachments=[("a.jpg", "image/jpeg", PHOTO)]), LIMITS)


FORWARDED = mail(
    "Fwd: FW: Kenya and Peru sign a trade pact",
    "FYI, see below.\n\nAmina\n\n"
    "---------- Forwarded message ---------\n"
    "From: Press Office <press@mofa.example>\n"
    "Date: Fri, Sep 27, 2019 at 10:00 AM\n"
    "Subject: Kenya and Peru sign a trade pact\n"
    "To: <list@mofa.example>\n\n"
    "NAIROBI - Kenya and Peru signed a trade pact on Friday.\n\n"
    "-- \nPress Office\n",
    date="Thu, 3 Oct 2019 08:00:00 +0300",
)


def test_a_forwarded_release_is_the_forwarded_message():
    parsed = read_email(FORWARDED, LIMITS)
    assert parsed.title == "Kenya and Peru sign a trade pact"
    assert parsed.published == datetime.date(2019, 9, 27)  # the forwarded message's date
    assert parsed.paragraphs == ("NAIROBI - Kenya and Peru signed a trade pact on Friday.",)


def test_a_reply_is_read_without_what_it_quotes():
    reply = mail(
        "Re: Kenya and Peru sign a trade pact",
        "27 Sep 2019\n\nThe pact takes effect in January.\n\n"
        "On Fri, 27 Sep 2019 at 10:00, Press Office <press@mofa.example> wrote:\n"
        "> NAIROBI - Kenya and Peru signed a trade pact on Friday.\n",
    )
    parsed = read_email(reply, LIMITS)
    assert (parsed.title, parsed.paragraphs) == (
        "Kenya and Peru sign a trade pact",
        ("The pact takes effect in January.",),
    )


def test_what_mail_programs_do_to_text_is_undone():
    text = "27 Sep 2019\n\nLa ministre a visité Lomé et Bamako.\n"
    for cte, charset in (
        ("quoted-printable", "utf-8"),
        ("base64", "utf-8"),
        ("quoted-printable", "iso-8859-1"),
    ):
        parsed = read_email(mail("Visite à Lomé", text, cte=cte, charset=charset), LIMITS)
        assert (parsed.title, parsed.paragraphs) == (
            "Visite à Lomé",
            ("La ministre a visité Lomé et Bamako.",),
        )
    written = b"Subject: =?iso-8859-1?q?Caf=E9_talks?= =?utf-8?b?IGluIExvbcOp?=\nDate: " + SENT.encode()
    assert read_email(written + b"\n\n27 Sep 2019\n\nText.\n", LIMITS).title == "Café talks in Lomé"
    unencoded = "Subject: Café talks in Lomé\nDate: Mon, 30 Sep 2019 09:15:00 +0500\n\nText.\n".encode()
    parsed = read_email(unencoded, LIMITS)  # 8-bit UTF-8 in a header, as some programs send it
    assert (parsed.title, parsed.published) == ("Café talks in Lomé", datetime.date(2019, 9, 30))


def test_the_date_header_dates_a_release_without_a_date_line_and_a_broken_one_is_no_date():
    assert read_email(mail("Talks", "Text."), LIMITS).published == datetime.date(2019, 9, 30)
    with pytest.raises(RejectedArticle, match="states no date"):
        read_email(mail("Talks", "Text.", date="the 31st of Neverember"), LIMITS)
    with pytest.raises(RejectedArticle, match="states no date"):
        read_email(mail("Talks", "Text.", date=None), LIMITS)
    assert read_email(mail("Talks", "27 Sep 2019\n\nText.", date="garbage"), LIMITS).published == (
        datetime.date(2019, 9, 27)
    )


def test_without_a_subject_the_first_line_is_the_title():
    parsed = read_email(mail(None, "Talks in Lima\n\n3 March 2021\n\nPeru met Chile."), LIMITS)
    assert (parsed.title, parsed.paragraphs) == ("Talks in Lima", ("Peru met Chile.",))


def mbox_of(messages, tmp_path) -> bytes:
    """An mbox as a mail program exports it (the standard library's writer, "From " lines quoted)."""
    box = mailbox.mbox(tmp_path / "box.mbox")
    for message in messages:
        box.add(message)
    box.flush()
    box.close()
    return (tmp_path / "box.mbox").read_bytes()


def test_a_mailbox_is_a_release_per_message_and_a_broken_one_fails_alone(tmp_path):
    box = mbox_of(
        [
            mail("Talks in Lima", "3 March 2021\n\nPeru met Chile.\nFrom now on they meet monthly."),
            mail("Photos only", None, date=None, attachments=[("a.jpg", "image/jpeg", PHOTO)]),
            mail("Talks in Quito", "4 March 2021\n\nEcuador met Peru."),
        ],
        tmp_path,
    )
    read = list(read_articles("press.mbox", box, LIMITS))
    assert [article.location for article in read] == ["message 1", "message 2", "message 3"]
    assert read[0].parsed.paragraphs == ("Peru met Chile. From now on they meet monthly.",)  # unquoted
    assert "no text" in read[1].error
    assert read[2].parsed.title == "Talks in Quito"
    in_zip = list(read_articles("week.zip", zipped({"inbox/press.mbox": box, "one.eml": MINISTRY_RELEASE})))
    assert [(article.location, bool(article.parsed)) for article in in_zip] == [
        ("member inbox/press.mbox, message 1", True),
        ("member inbox/press.mbox, message 2", False),
        ("member inbox/press.mbox, message 3", True),
        ("member one.eml", True),
    ]


def test_a_file_that_is_no_mailbox_says_so():
    [read] = read_articles("press.mbox", b"Subject: not an mbox\n\nText.\n", LIMITS)
    assert "not an mbox mailbox" in read.error


def test_the_same_email_twice_is_unchanged_and_a_corrected_resend_updates_it(archive):
    def imported(data):
        [read] = read_articles("a.eml", data, LIMITS)
        with archive.committed():
            return article_import(parsed=read.parsed)

    first = imported(MINISTRY_RELEASE)
    again = imported(MINISTRY_RELEASE)
    corrected = imported(
        MINISTRY_RELEASE.replace(b"next spring", b"next April").replace(b"release-4711", b"release-4712")
    )
    assert [first.outcome, again.outcome, corrected.outcome] == ["created", "unchanged", "updated"]
    assert Article.objects.get().body.endswith("meet again in Nairobi next April.")


hostile_headers = [
    b"Subject: " + b"=?utf-8?q?a?= " * 20_000,
    b"Content-Type: text/plain; " + b"a=b; " * 20_000,
    b"Content-Type: text/plain; charset=" + b'"' * 50_000,
    b"Message-ID: " + b"(" * 20_000,
    b"Date: " + b"(" * 20_000,
    b"Content-Type: multipart/mixed; boundary=x\n\n"
    + b"--x\nContent-Type: multipart/mixed; boundary=x\n\n" * 2000,
]


@pytest.mark.parametrize("header", hostile_headers, ids=range(len(hostile_headers)))
def test_hostile_headers_take_little_time(header):
    started = time.monotonic()
    try:
        read_email(header + b"\n\n27 Sep 2019\n\nText.\n", LIMITS)
    except RejectedArticle as error:
        assert str(error)
    assert time.monotonic() - started < 1.0


def test_a_message_of_thousands_of_parts_is_refused():
    parts = b"".join(b"--x\nContent-Type: text/plain\n\nA part.\n" for _ in range(2000))
    with pytest.raises(RejectedArticle, match="more than 500 parts"):
        read_email(
            b"Subject: Parts\nContent-Type: multipart/mixed; boundary=x\n\n" + parts + b"--x--\n", LIMITS
        )


VALID_MESSAGES = [MINISTRY_RELEASE, FORWARDED, mail("Water", html=NEWSLETTER)]


@given(st.binary(max_size=3000))
def test_any_bytes_are_a_release_or_a_reason(data):
    try:
        parsed = read_email(data, LIMITS)
    except RejectedArticle as error:
        assert str(error)
        return
    assert parsed.title and parsed.paragraphs


@given(
    st.sampled_from(VALID_MESSAGES),
    st.lists(st.tuples(st.floats(0, 1), st.integers(0, 64), st.binary(max_size=40)), min_size=1, max_size=6),
)
def test_damaged_messages_are_a_release_or_a_reason_quickly(message, damage):
    for where, cut, inserted in damage:  # cut some bytes somewhere and put others in their place
        at = int(where * len(message))
        message = message[:at] + inserted + message[at + cut :]
    started = time.monotonic()
    try:
        parsed = read_email(message, LIMITS)
    except RejectedArticle as error:
        assert str(error)
    else:
        assert parsed.title and parsed.paragraphs
        for text in (parsed.title, parsed.body, *(each.name for each in parsed.attachments)):
            text.encode("utf-8")  # storable
    assert time.monotonic() - started < 2.0


def test_a_forward_of_a_forward_is_the_innermost_message_however_deep():
    mark = "---------- Forwarded message ---------\nSubject: Kenya and Peru sign a trade pact\n\n"
    parsed = read_email(mail("Fwd: Fwd: pact", "FYI\n\n" + mark * 5000 + "27 Sep 2019\n\nThe pact."), LIMITS)
    assert (parsed.title, parsed.paragraphs) == ("Kenya and Peru sign a trade pact", ("The pact.",))


def test_a_charset_that_is_no_charset_of_mail_is_not_used():
    slow = b"Subject: Talks\nDate: " + SENT.encode() + b"\nContent-Type: text/plain; charset=punycode\n\n"
    started = time.monotonic()
    parsed = read_email(slow + ("ü" * 200_000).encode("punycode"), LIMITS)
    assert time.monotonic() - started < 1.0 and parsed.title == "Talks"


def test_a_mailbox_is_read_in_time_linear_in_its_size(tmp_path):
    one = mbox_of([mail("Talks in Lima", "3 March 2021\n\nPeru met Chile.")], tmp_path)

    def seconds(copies):
        """The best of three readings: the machine's other work only ever adds time."""
        timings = []
        for _ in range(3):
            started = time.monotonic()
            read = list(read_articles("big.mbox", one * copies, LIMITS))
            timings.append(time.monotonic() - started)
        assert len(read) == copies and all(article.parsed for article in read)
        return min(timings)

    small, large = seconds(300), seconds(1200)
    assert large < 4 * small * 2  # four times the messages, at most eight times the time


def test_a_mailbox_of_more_messages_than_an_archive_may_hold_is_refused(tmp_path):
    box = mbox_of([mail("Talks", "3 March 2021\n\nText.")] * 3, tmp_path)
    [read] = read_articles("press.mbox", box, ImportLimits(max_archive_members=2))
    assert read.error == "The mailbox holds 3 messages; the limit is 2."


def test_a_release_forwarded_as_an_attachment_is_the_attached_message():
    outer = EmailMessage()
    outer["Subject"] = "FW: for tomorrow's paper"
    outer["Date"] = "Thu, 3 Oct 2019 08:00:00 +0300"
    outer.set_content("See the attached release.\n")
    inner = EmailMessage()
    inner["Subject"] = "Kenya and Peru sign a trade pact"
    inner["Date"] = SENT
    inner.set_content("27 Sep 2019\n\nNAIROBI - Kenya and Peru signed a trade pact.\n")
    inner.add_attachment(PHOTO, maintype="image", subtype="jpeg", filename="signing.jpg")
    outer.add_attachment(inner)  # message/rfc822, as "Forward as attachment" sends it
    parsed = read_email(outer.as_bytes(), LIMITS)
    assert (parsed.title, parsed.published) == (
        "Kenya and Peru sign a trade pact",
        datetime.date(2019, 9, 27),
    )
    assert parsed.paragraphs == ("NAIROBI - Kenya and Peru signed a trade pact.",)
    assert [each.name for each in parsed.attachments] == ["signing.jpg"]
