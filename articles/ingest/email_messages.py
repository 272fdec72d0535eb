"""E-mails (.eml, and each message of an .mbox) -> a release: its subject, its date, its text.

Pure: bytes in, a ParsedArticle out. The release is the message's own text (its text part, or
its HTML part read as a web page is), without the signature under "-- " and without quoted
replies; a forwarded release is the forwarded message. A short covering note ("Please find
attached our press release") with a Word or PDF file attached is not the release: the first
attached document that reads is. Every other attachment is kept with the release.

The Message-ID is not the release's identifier: it names the message, not the release. A
corrected release is sent again as a new message, and identity.py takes two identifiers for
two releases; without one, the resend updates the release it resembles (same title and date),
and the same message imported twice, or forwarded by two colleagues, is one text, unchanged.

Headers are read as the standard library's compat32 policy gives them, raw, and only the few
needed are decoded, each within a length: the modern policy's header parser takes quadratic
time over a long header (a subject of 20,000 encoded words took 4 s, a Content-Type of 20,000
parameters 4 s) and recursion over nested comments, which a hostile message can hold.
"""

import codecs
import datetime
import email.errors
import email.header
import email.message
import email.parser
import email.policy
import email.utils
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import PurePosixPath

from .attachments import ORIGINALS_KEPT, Attachment, attachment, kept_attachments
from .cleaning import clean_text
from .dates import parse_article_date
from .documents import body_paragraphs, date_line, text_lines
from .errors import RejectedArticle
from .parsing import TITLE_MAX_LENGTH, ParsedArticle, has_a_word
from .web_pages import extract_page

# The documents an e-mail may carry its release in, as their readers know them (formats.py).
RELEASE_DOCUMENTS = (".docx", ".pdf")
# Fewer words than this, with a document attached, is a covering note, not the release.
COVERING_NOTE_WORDS = 60
# A press office's message has a handful of parts; a deeper or larger tree is not one.
MAX_PARTS = 500
MAX_DEPTH = 10
# Longer headers are cut before decoding (a title has at most 500 characters anyway).
MAX_HEADER_CHARACTERS = 4000
# A part's type and disposition have a few parameters (a long name split by RFC 2231 a few dozen);
# the standard library reads them in time quadratic in their number (150,000 took 2 s, 300,000 25 s),
# as its parser does a multipart's boundary, so a message with more is refused before parsing.
MAX_HEADER_PARAMETERS = 100
_PARAMETER_HEADER = re.compile(rb"(?im)^content-(?:type|disposition)[ \t]*:[^\n]*(?:\n[ \t][^\n]*)*")
# Python's codecs that are no character set of mail: punycode's decoding takes quadratic time.
NOT_CHARSETS = {"punycode", "idna", "unicode-escape", "raw-unicode-escape"}
_PREFIX = re.compile(r"(?i)^\s*(?:(?:re|fwd?|aw|wg|tr)\s*(?:\[\d+\])?\s*:\s*)+")
_SIGNATURE = re.compile(r"^--\s?$")
_ATTRIBUTION = re.compile(r"(?i)^on .{0,300}wrote:$")
_FORWARD_MARK = re.compile(
    r"(?i)^\s*(?:-{2,}\s*(?:forwarded message|original message)\s*-{2,}|begin forwarded message:)\s*$"
)
_FORWARD_HEADER = re.compile(r"(?i)^\s*\**(from|sent|date|to|cc|subject|reply-to)\**\s*:\s*(.*)$")
_WRITTEN_DATE = re.compile(r"(?i)\b(\d{1,2}\s+[a-z]{3,9}\.?,?\s+\d{4}|[a-z]{3,9}\.?\s+\d{1,2},?\s+\d{4})\b")
# A mailing's footer: what follows is the list's small print, not the release.
_MAILING_FOOTER = re.compile(
    r"(?i)\b(unsubscribe|you (?:are )?receiv(?:e|ing) this|this (?:e-?mail|message) was sent to)\b"
)
FOOTER_SEARCH_LINES = 5
# A message begins at a "From " line that says when it was written ("From sender Fri Sep 27
# 10:00:00 2019"): a line of a text that begins with "From" is not one, even where the mailbox's
# writer did not quote it as ">From".
_MBOX_SEPARATOR = re.compile(rb"(?m)^From \S+ .*$")
_MBOX_SEPARATOR_TIME = re.compile(rb"\d:\d\d")
_MBOX_QUOTED_FROM = re.compile(rb"(?m)^>(>*From )")

ReadDocument = Callable[[bytes, object], ParsedArticle]


def mailbox_messages(data: bytes, limits) -> list[bytes]:
    """Each message of an mbox, as its bytes ("From " lines with a time separate them; ">From " is
    unquoted)."""
    starts = [
        match.start()
        for match in _MBOX_SEPARATOR.finditer(data)
        if _MBOX_SEPARATOR_TIME.search(match.group())
    ]
    if not starts or data[: starts[0]].strip():
        raise RejectedArticle('This is not an mbox mailbox: it does not begin with a "From " line.')
    if len(starts) > limits.max_archive_members:
        raise RejectedArticle(
            f"The mailbox holds {len(starts):,} messages; the limit is {limits.max_archive_members:,}."
        )
    ends = starts[1:] + [len(data)]
    messages = []
    for start, end in zip(starts, ends, strict=True):
        separator_end = data.find(b"\n", start, end)
        body = data[separator_end + 1 : end] if separator_end >= 0 else b""
        messages.append(_MBOX_QUOTED_FROM.sub(rb"\1", body))
    return messages


def read_email(
    data: bytes, limits, documents: dict[str, ReadDocument] | None = None, *, attached: bool = False
) -> ParsedArticle:
    """The release an e-mail holds, or RejectedArticle saying why there is none. `documents` maps a
    suffix (.docx, .pdf) to the reader of an attached release in that format; a message forwarded
    as an attachment is read too, one level deep (`attached`: this is such a message)."""
    try:
        return _read_email(data, limits, documents, attached=attached)
    except RecursionError:
        # The standard library's parser and generator recurse into every message a message holds.
        raise RejectedArticle(
            "The e-mail nests messages within messages hundreds deep; it is not a press office's message."
        ) from None


def _read_email(data: bytes, limits, documents, *, attached: bool) -> ParsedArticle:
    _check_parameters(data)
    message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(data)
    subject = _header(message, "Subject")
    body, files = _parts(message)
    lines, forwarded = _own_lines(body, subject)
    found = [_attachment(part, number) for number, part in enumerate(files, start=1)]
    readers = {suffix: read for suffix, read in (documents or {}).items() if suffix in RELEASE_DOCUMENTS}
    if not attached:
        readers[".eml"] = lambda inner, limits: read_email(inner, limits, documents, attached=True)
    release = _attached_release(lines, found, readers, limits)
    if release is not None:
        parsed, document = release
        others = [each for each in found if each is not document or _keeps_original(each.name)]
        return _with_attachments(parsed, [*parsed.attachments, *others])
    stated = (forwarded.get("subject") or subject, forwarded.get("date", ""), _header(message, "Date"))
    return _with_attachments(_text_release(lines, *stated, limits=limits), found)


def _check_parameters(data: bytes) -> None:
    for header in _PARAMETER_HEADER.finditer(data):
        if header.group().count(b";") > MAX_HEADER_PARAMETERS:
            name = header.group().split(b":", 1)[0].decode("ascii").strip()
            raise RejectedArticle(
                f"A {name} header of the e-mail has more than {MAX_HEADER_PARAMETERS} parameters; "
                "it is not a press office's message."
            )


def _text_release(lines: list[str], subject: str, *dates: str, limits) -> ParsedArticle:
    """The release the message's own text is: titled by its subject (else its first line), dated by
    its date line (else the forwarded message's date, else the e-mail's)."""
    title = _title(subject)
    if not lines:
        raise RejectedArticle("The e-mail has no text, and no Word or PDF release attached that reads.")
    if not title:
        title, lines = _title(lines[0]), lines[1:]
    if lines and lines[0] == title:  # the subject, repeated as the text's heading
        lines = lines[1:]
    _check_title(title)
    published, lines = _published(lines, *dates)
    return ParsedArticle(
        title=title, published=published, paragraphs=body_paragraphs(lines, limits, "e-mail")
    )


def _header(message, name: str) -> str:
    """A header's text, decoded (RFC 2047), cleaned and on one line; "" when absent or unreadable."""
    # As sent (the parser's Header objects turn unencoded 8-bit text into replacement marks).
    raw = next((value for key, value in message.raw_items() if key.lower() == name.lower()), None)
    if raw is None:
        return ""
    text = _unescaped(str(raw)[:MAX_HEADER_CHARACTERS])
    try:
        decoded = str(email.header.make_header(email.header.decode_header(text)))
    except (ValueError, LookupError, UnicodeError, email.errors.HeaderParseError):
        decoded = text  # an encoded word in an unknown charset: shown as written
    return " ".join(clean_text(decoded).split())


def _unescaped(text: str) -> str:
    """A header as its raw bytes meant it: mail programs send UTF-8 (or Windows-1252) unencoded,
    which the parser keeps as escapes."""
    if text.isascii():
        return text
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeError:  # not escaped bytes: clean_text takes out what is left
        return text
    try:
        return raw.decode("utf-8")
    except UnicodeError:
        return raw.decode("cp1252", "replace")


def _parts(message):
    """The part holding the message's own text (None when none does), and the parts that are files."""
    texts, files, count = [], [], 0
    pending = [(message, 0, False)]
    while pending:
        part, depth, in_related = pending.pop()
        count += 1
        if count > MAX_PARTS or depth > MAX_DEPTH:
            raise RejectedArticle(
                f"The e-mail has more than {MAX_PARTS} parts or nests them deeper than {MAX_DEPTH}; "
                "it is not a press office's message."
            )
        kind = part.get_content_type()
        if part.is_multipart() and kind != "message/rfc822":
            children = [child for child in part.get_payload() if hasattr(child, "get_content_type")]
            related = in_related or kind == "multipart/related"
            pending.extend((child, depth + 1, related) for child in reversed(children))
        elif _is_file(part, alone=part is message):
            # The pictures an HTML message shows inline (a letterhead, a logo) are its decoration.
            if not (in_related and part.get("Content-ID") and not _is_attached(part)):
                files.append(part)
        elif kind in ("text/plain", "text/html"):
            texts.append(part)
    readable = [part for part in texts if not _damaged(part)]
    plain = [part for part in readable if part.get_content_type() == "text/plain"]
    text = (plain or readable or [None])[0]
    if text is None and texts:
        raise RejectedArticle(
            f"The e-mail's text cannot be read: {_damaged(texts[0])}, so it would be read as "
            "garbage. Send the release again, or upload its text."
        )
    return text, files + [part for part in texts if part is not text and _filename(part)]


# Quoted-printable writes "=" and two hexadecimal digits, or "=" at a line's end; a mail program
# that forgets to encode an "=" ("a = b") leaves a few, a damaged part many: more than 3, and
# more than one in 100 bytes.
_BROKEN_ESCAPE = re.compile(rb"=(?![0-9A-Fa-f]{2}|[ \t]*\r?\n|[ \t]*$)")
MAX_BROKEN_ESCAPES = 3
_DAMAGED_BASE64 = (email.errors.InvalidBase64CharactersDefect, email.errors.InvalidBase64LengthDefect)


def _damaged(part) -> str:
    """Why the part's transfer encoding cannot be undone faithfully ("" when it can): base64 with
    characters outside its alphabet or cut short (the standard library skips them, or gives the
    encoded text back as if it were the text), quoted-printable with many broken escapes."""
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    raw = part.get_payload(decode=False)
    raw = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    if encoding == "base64":
        part.defects[:] = [defect for defect in part.defects if not isinstance(defect, _DAMAGED_BASE64)]
        decoded = _payload(part)
        if any(isinstance(defect, _DAMAGED_BASE64) for defect in part.defects) or (
            raw.strip() and not decoded
        ):
            return "its base64 encoding is damaged"
    if encoding == "quoted-printable":
        broken = len(_BROKEN_ESCAPE.findall(raw))
        if broken > max(MAX_BROKEN_ESCAPES, len(raw) // 100):
            return "its quoted-printable encoding is damaged"
    return ""


def _is_attached(part) -> bool:
    return _disposition(part).startswith("attachment")


def _disposition(part) -> str:
    return str(part.get("Content-Disposition", "")).strip().lower()


def _is_file(part, *, alone: bool) -> bool:
    """Whether a part is a file rather than text of the message: attached, not text, or a named
    text among others. Some mail programs name the text of a message sent alone, or shown inline."""
    if _is_attached(part):
        return True
    if part.get_content_type() in ("text/plain", "text/html"):
        return bool(_filename(part)) and not alone and not _disposition(part).startswith("inline")
    return not part.get_content_type().startswith("multipart/")


def _filename(part) -> str:
    """The name the part's headers give it, read from the headers as sent (as the subject is: the
    parser's own headers would turn an unencoded UTF-8 name into replacement marks)."""
    headers = email.message.Message()
    for key, value in part.raw_items():
        if key.lower() in ("content-disposition", "content-type"):
            headers[key] = _unescaped(str(value)[:MAX_HEADER_CHARACTERS])
    try:
        name = headers.get_filename() or headers.get_param("name") or ""
    except (ValueError, LookupError, UnicodeError, TypeError):
        return ""
    if isinstance(name, tuple):  # an RFC 2231 value get_filename could not decode
        name = name[2] if len(name) == 3 else ""
    return _decoded_words(str(name))


def _decoded_words(text: str) -> str:
    try:
        return str(email.header.make_header(email.header.decode_header(text)))
    except (ValueError, LookupError, UnicodeError, email.errors.HeaderParseError):
        return text


def _attachment(part, number: int) -> Attachment:
    if part.get_content_type() == "message/rfc822":
        data, name = _attached_message(part), _filename(part) or f"message-{number}.eml"
    else:
        data, name = _payload(part), _filename(part)
    return attachment(name, part.get_content_type(), data, number=number)


def _attached_message(part) -> bytes:
    inner = part.get_payload()
    inner = inner[0] if isinstance(inner, list) and inner else inner
    try:
        return inner.as_bytes() if hasattr(inner, "as_bytes") else str(inner).encode("utf-8", "replace")
    except (ValueError, LookupError, UnicodeError, TypeError, AttributeError):
        return b""


def _payload(part) -> bytes:
    """The part's bytes with its transfer encoding (base64, quoted-printable) undone."""
    try:
        data = part.get_payload(decode=True)
    except (ValueError, LookupError, UnicodeError, TypeError):
        return b""
    return data if isinstance(data, bytes) else b""


def _text_of(part) -> str:
    """A text part as text, in its declared charset (else UTF-8, else Windows-1252)."""
    data = _payload(part)
    charset = (part.get_content_charset() or "").strip()
    for encoding in (charset, "utf-8"):
        try:
            codec = codecs.lookup(encoding) if encoding else None
            if codec and codec._is_text_encoding and codec.name not in NOT_CHARSETS:
                return clean_text(data.decode(encoding))
        except (LookupError, UnicodeError, ValueError):
            continue
    return clean_text(data.decode("cp1252", "replace"))


def _own_lines(part, subject: str) -> tuple[list[str], dict[str, str]]:
    """The message's own text as lines of paragraphs, and the forwarded message's headers
    (subject, date) when the text is a forwarded message."""
    if part is None:
        return [], {}
    text = _text_of(part)
    if part.get_content_type() != "text/html":
        raw, forwarded = _without_quotes(text.split("\n"), subject)
        return _without_footer(text_lines(_blocks(raw))), forwarded
    try:
        raw = extract_page(text).text.split("\n")  # a line a paragraph, as the page's blocks are
    except RejectedArticle:
        raw = []
    raw, forwarded = _without_quotes(raw, subject)
    return _without_footer(text_lines(raw)), forwarded


def _without_quotes(lines: list[str], subject: str) -> tuple[list[str], dict[str, str]]:
    """The lines of the message's own text: without its signature and quoted replies; for a
    forwarded message (forwarded again, perhaps), the innermost forwarded text, with its headers."""
    kept, forwarded = [], {}
    replying = bool(re.match(r"(?i)^\s*(re|aw)\s*:", subject))
    number = 0
    while number < len(lines):
        line = lines[number]
        stripped = line.strip()
        if _FORWARD_MARK.match(stripped):
            if replying:  # "-----Original Message-----" under a reply: what it answers
                break
            # What came before it is the forwarder's note ("FYI, see below").
            kept, (forwarded, number) = [], _forwarded_headers(lines, number + 1)
            continue
        if _SIGNATURE.match(line.rstrip("\r")) or _ATTRIBUTION.match(stripped):
            break
        if not stripped.startswith(">"):
            kept.append(line)
        number += 1
    return kept, forwarded


def _forwarded_headers(lines: list[str], start: int) -> tuple[dict[str, str], int]:
    """The "From:", "Date:", "Subject:" lines opening a forwarded message at `start`, and where its
    text begins."""
    headers = {}
    for number in range(start, len(lines)):
        match = _FORWARD_HEADER.match(lines[number])
        if match:
            name = "date" if match.group(1).lower() == "sent" else match.group(1).lower()
            headers.setdefault(name, " ".join(match.group(2).split())[:MAX_HEADER_CHARACTERS])
        elif lines[number].strip() or headers:
            return headers, number
    return headers, len(lines)


def _blocks(lines: list[str]) -> list[str]:
    """Lines as paragraphs: a text wrapped at 72 columns has its paragraphs between blank lines."""
    blocks, current = [], []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append(" ".join(current))
            current = []
    if current:
        blocks.append(" ".join(current))
    return blocks


def _without_footer(lines: list[str]) -> list[str]:
    for number in range(max(len(lines) - FOOTER_SEARCH_LINES, 1), len(lines)):
        if _MAILING_FOOTER.search(lines[number]):
            return lines[:number]
    return lines


def _attached_release(lines, found, documents, limits):
    """(the release read from an attached document, that document) when the message's own text is
    only a covering note; None when the text is the release."""
    attached = [each for each in found if _document_suffix(each) in documents]
    if not attached or sum(len(line.split()) for line in lines) >= COVERING_NOTE_WORDS:
        return None
    problems = []
    for document in attached:
        try:
            return documents[_document_suffix(document)](document.data, limits), document
        except RejectedArticle as error:
            problems.append(f"{document.name}: {error}")
    raise RejectedArticle(
        "The e-mail is a covering note, and its attached release could not be read ("
        + "; ".join(problems)
        + ")."
    )


def _document_suffix(each: Attachment) -> str:
    """The format an attachment is in: a forwarded message's, else its name's."""
    return ".eml" if each.content_type == "message/rfc822" else PurePosixPath(each.name.lower()).suffix


def _keeps_original(name: str) -> bool:
    return PurePosixPath(name.lower()).suffix in ORIGINALS_KEPT


def _with_attachments(parsed: ParsedArticle, found) -> ParsedArticle:
    kept, notes = kept_attachments(found)
    return replace(parsed, attachments=kept, notes=tuple(dict.fromkeys(parsed.notes + notes)))


def _title(subject: str) -> str:
    return _PREFIX.sub("", subject).strip()


def _check_title(title: str) -> None:
    if not has_a_word(title):
        raise RejectedArticle("The e-mail has no subject, and its text no title line.")
    if len(title) > TITLE_MAX_LENGTH:
        raise RejectedArticle(
            f"The e-mail's subject is {len(title):,} characters long; a title has at most {TITLE_MAX_LENGTH}."
        )


def _published(lines: list[str], *stated: str) -> tuple[datetime.date, list[str]]:
    """The date line near the top of the text, else the forwarded message's date, else the e-mail's."""
    found = date_line(lines)
    if found is not None:
        return found
    for header in stated:
        published = _header_date(header)
        if published is not None:
            return published, lines
    raise RejectedArticle(
        "The e-mail states no date: neither a date line under its title nor a readable Date header."
    )


def _header_date(text: str) -> datetime.date | None:
    """The day a Date header (RFC 5322, or as a mail program writes it in a forward) names."""
    if not text:
        return None
    try:
        return email.utils.parsedate_to_datetime(text).date()
    except (ValueError, TypeError, IndexError, OverflowError):
        pass
    written = _WRITTEN_DATE.search(text)
    return parse_article_date(written.group(1)) if written else None
