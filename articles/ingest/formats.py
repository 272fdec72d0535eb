"""Upload files -> releases: text, Word, PDF, web pages, e-mails, ZIP archives of them, CSV, JSON Lines, JSON.

Pure: bytes in, `ReadArticle`s out, nothing written anywhere. A problem with one release
is reported on that release, with where it is (archive member, CSV line, JSON line); a
problem with the whole file (an unknown format, a ZIP bomb) raises RejectedArticle.
"""

import csv
import datetime
import io
import lzma
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from . import json_values
from .attachments import ORIGINALS_KEPT, attachment, kept_attachments
from .cleaning import clean_text
from .decoding import decode_file
from .email_messages import mailbox_messages, read_email
from .errors import RejectedArticle
from .parsing import ParsedArticle, parse_article
from .pdf import read_pdf_document
from .records import record_article
from .web_pages import read_web_page
from .word import read_word_document

ARTICLE_FORMATS = (".txt", ".docx", ".pdf", ".html", ".htm", ".eml", ".mbox", ".csv", ".jsonl", ".json")
ACCEPTED_FORMATS = ARTICLE_FORMATS + (".zip",)
NESTED_ARCHIVES = (".zip", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".7z", ".rar")
# What ZIP tools on Macs and Windows add to archives, and the owner files Word leaves beside an
# open document ("~$lease.docx"); never releases, so passed over silently.
ARCHIVE_DEBRIS = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$|Thumbs\.db$|desktop\.ini$|~\$[^/]*$)")
# Below this many bytes a compression ratio says nothing: a short, repetitive text can shrink
# three hundred times and still unpack to a few kilobytes.
RATIO_FLOOR_BYTES = 64 * 1024
# What a damaged or unusual member raises while it is unpacked: its header ("negative seek
# value" for an offset before the file), its zlib, bz2 or lzma stream, its encryption.
_UNREADABLE_MEMBER = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    lzma.LZMAError,
    OSError,
    EOFError,
    ValueError,
    RuntimeError,
    NotImplementedError,
)


@dataclass(frozen=True)
class ImportLimits:
    max_file_bytes: int = 100 * 1024 * 1024
    max_article_bytes: int = 2 * 1024 * 1024
    max_archive_members: int = 20_000
    max_uncompressed_bytes: int = 1024 * 1024 * 1024
    max_compression_ratio: int = 200
    max_field_characters: int = 1024 * 1024
    # Publication dates outside these are typing errors (0019, 9999). The settings decide
    # them (importing.import_limits); the default here reads the clock only when none is given.
    earliest_published: datetime.date = datetime.date(1900, 1, 1)
    latest_published: datetime.date = field(
        default_factory=lambda: datetime.date.today() + datetime.timedelta(days=366)
    )

    def publication_date_problem(self, published: datetime.date) -> str:
        """Why a release dated `published` is refused, or "" when the date is plausible."""
        if self.earliest_published <= published <= self.latest_published:
            return ""
        return (
            f"The publication date {published.isoformat()} is outside the dates Pressroom accepts "
            f"({self.earliest_published.isoformat()} to {self.latest_published.isoformat()}); check the year."
        )


@dataclass(frozen=True)
class ReadArticle:
    """One release found in an upload: parsed, or the reason it could not be."""

    location: str  # where in the file: "", "member news/a.txt", "line 12", "member a.csv, line 3"
    parsed: ParsedArticle | None = None
    error: str = ""


def read_articles(name: str, data: bytes, limits: ImportLimits = ImportLimits()) -> Iterator[ReadArticle]:
    """Every release in an uploaded file, in order (raises RejectedArticle for the whole file)."""
    suffix = PurePosixPath(name.lower()).suffix
    if suffix not in ACCEPTED_FORMATS:
        raise RejectedArticle(
            f"{name!r} is not a format Pressroom imports; upload {_list(ACCEPTED_FORMATS)} files."
        )
    if len(data) > limits.max_file_bytes:
        raise RejectedArticle(
            f"{name!r} is {len(data):,} bytes; the limit is {limits.max_file_bytes:,} bytes."
        )
    if suffix == ".zip":
        articles = _archive_articles(name, data, limits)
    else:
        articles = _file_articles(name, data, limits, where="")
    for article in articles:
        yield _dated_in_range(article, limits)


def _dated_in_range(article: ReadArticle, limits: ImportLimits) -> ReadArticle:
    problem = article.parsed and limits.publication_date_problem(article.parsed.published)
    return ReadArticle(article.location, error=problem) if problem else article


def _file_articles(name, data, limits, where) -> Iterator[ReadArticle]:
    suffix = PurePosixPath(name.lower()).suffix
    if suffix in _DOCUMENT_READERS:  # bytes, not text: a ZIP of XML parts, a page in its own encoding
        yield _with_original(_document_article(_DOCUMENT_READERS[suffix], data, limits, where), name, data)
        return
    if suffix == ".mbox":
        yield from _mailbox_articles(data, limits, where)
        return
    try:
        if suffix == ".txt" and len(data) > limits.max_article_bytes:
            raise RejectedArticle(
                f"The file is {len(data):,} bytes; a release has at most {limits.max_article_bytes:,}."
            )
        text = decode_file(data)
    except RejectedArticle as error:
        yield ReadArticle(where, error=str(error))
        return
    readers = {
        ".txt": _text_article,
        ".csv": _csv_articles,
        ".jsonl": _json_lines_articles,
        ".json": _json_articles,
    }
    yield from readers[suffix](text, limits, where)


def _email(data, limits):
    """An e-mail, whose release may be an attached document read as its own format is."""
    return read_email(data, limits, documents=_DOCUMENT_READERS)


_DOCUMENT_READERS = {
    ".docx": read_word_document,
    ".pdf": read_pdf_document,
    ".html": read_web_page,
    ".htm": read_web_page,
    ".eml": _email,
}


def _document_article(read, data, limits, where) -> ReadArticle:
    try:
        return ReadArticle(where, parsed=read(data, limits))
    except RejectedArticle as error:
        return ReadArticle(where, error=str(error))


def _with_original(article: ReadArticle, name: str, data: bytes) -> ReadArticle:
    """A release read from a PDF keeps the PDF, as sent, for download (attachments.ORIGINALS_KEPT)."""
    if not article.parsed or PurePosixPath(name.lower()).suffix not in ORIGINALS_KEPT:
        return article
    original = attachment(PurePosixPath(name.replace("\\", "/")).name, "application/pdf", data)
    kept, notes = kept_attachments((original, *article.parsed.attachments))
    parsed = replace(article.parsed, attachments=kept, notes=article.parsed.notes + notes)
    return ReadArticle(article.location, parsed=parsed)


def _mailbox_articles(data, limits, where) -> Iterator[ReadArticle]:
    """Each message of an mbox as a release of its own: one that fails fails alone."""
    try:
        messages = mailbox_messages(data, limits)
    except RejectedArticle as error:
        yield ReadArticle(where, error=str(error))
        return
    for number, message in enumerate(messages, start=1):
        yield _document_article(_email, message, limits, _at(where, f"message {number}"))


def _text_article(text, limits, where) -> Iterator[ReadArticle]:
    try:
        yield ReadArticle(where, parsed=parse_article(text))
    except RejectedArticle as error:
        yield ReadArticle(where, error=str(error))


def _archive_articles(name, data, limits) -> Iterator[ReadArticle]:
    archive = _open_archive(name, data)
    members = _member_files(archive)
    _check_archive_size(name, members, limits)
    read_so_far = 0
    for info in members:
        where = f"member {clean_text(info.filename)}"  # zipfile reads names as cp437: controls and all
        problem = _member_problem(info.filename)
        if problem:
            yield ReadArticle(where, error=problem)
            continue
        allowed = _member_allowance(info, len(data), limits)
        try:
            with archive.open(info) as member:
                content = member.read(allowed + 1)
        except _UNREADABLE_MEMBER as error:
            yield ReadArticle(where, error=f"The member could not be read ({error}).")
            continue
        read_so_far += len(content)
        if (
            len(content) > allowed
            or read_so_far > limits.max_uncompressed_bytes
            or _inflates_too_much(read_so_far, len(data), limits)
        ):
            yield ReadArticle(
                where, error="The archive inflates past its size limits; the rest of it was not read."
            )
            return
        yield from _file_articles(info.filename, content, limits, where)


def _open_archive(name, data) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (
        zipfile.BadZipFile,
        ValueError,
        NotImplementedError,
        OSError,
        EOFError,
    ) as error:  # "zip file version 6.4"
        raise RejectedArticle(f"{name!r} is not a readable ZIP archive ({error}).") from error


def _member_files(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The archive's files, without its folders and the debris ZIP tools add."""
    # Not ZipInfo.is_dir(): it fails on a member whose name is empty (a damaged directory entry).
    return [
        info
        for info in archive.infolist()
        if not info.filename.endswith("/") and not ARCHIVE_DEBRIS.search(info.filename)
    ]


def _member_allowance(info: zipfile.ZipInfo, archive_bytes: int, limits) -> int:
    """How many bytes of the member are read at most."""
    # Declared sizes can lie, so the reading itself is capped at what the ratio allows, and
    # what was read is measured against the archive's real size.
    compressed = min(info.compress_size, archive_bytes)
    return min(limits.max_file_bytes, max(RATIO_FLOOR_BYTES, limits.max_compression_ratio * compressed))


def _check_archive_size(name, members, limits) -> None:
    if len(members) > limits.max_archive_members:
        raise RejectedArticle(
            f"{name!r} holds {len(members):,} files; the limit is {limits.max_archive_members:,}."
        )
    total = sum(info.file_size for info in members)
    if total > limits.max_uncompressed_bytes:
        raise RejectedArticle(
            f"{name!r} would unpack to {total:,} bytes; the limit is {limits.max_uncompressed_bytes:,}."
        )
    for info in members:
        if _inflates_too_much(info.file_size, info.compress_size, limits):
            raise _bomb(
                name,
                f"{info.filename!r} would grow {info.file_size // max(info.compress_size, 1):,} times",
                limits,
            )
    compressed = sum(info.compress_size for info in members)
    if _inflates_too_much(total, compressed, limits):
        raise _bomb(
            name, f"its {len(members):,} files would grow {total // max(compressed, 1):,} times", limits
        )


def _inflates_too_much(inflated: int, compressed: int, limits) -> bool:
    return inflated > RATIO_FLOOR_BYTES and inflated > limits.max_compression_ratio * max(compressed, 1)


def _bomb(name, growth, limits) -> RejectedArticle:
    return RejectedArticle(
        f"{name!r} looks like a ZIP bomb: {growth} when unpacked "
        f"(the limit is {limits.max_compression_ratio}). Nothing was unpacked."
    )


def _member_problem(member: str) -> str:
    path = member.replace("\\", "/")
    if not path.strip():
        return "A member without a name (the archive's directory is damaged); it was skipped."
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path) or ".." in path.split("/") or "\x00" in path:
        return "Unsafe file name (an absolute path or '..'); the member was skipped."
    suffix = PurePosixPath(path.lower()).suffix
    if suffix in NESTED_ARCHIVES:
        return "An archive inside the archive; nested archives are not opened. Upload it on its own."
    if suffix not in ARTICLE_FORMATS:
        return f"Not a release file; inside an archive Pressroom reads {_list(ARTICLE_FORMATS)} files."
    return ""


def _csv_articles(text, limits, where) -> Iterator[ReadArticle]:
    csv.field_size_limit(limits.max_field_characters)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header, problem = _csv_header(reader)
    if problem:
        yield ReadArticle(_at(where, "line 1"), error=problem)
        return
    for line, row, error in _csv_rows(reader):
        place = _at(where, f"line {line}")
        problem = f"Malformed CSV: {error}." if error else _row_problem(row, header)
        if problem:
            yield ReadArticle(place, error=problem)
        else:
            yield _read_record(dict(zip(header, row, strict=True)), place)


def _csv_header(reader) -> tuple[list[str], str]:
    """The CSV's column names, and what is wrong with them ("" when nothing is)."""
    try:
        header = [clean_text(column).strip().lower() for column in next(reader)]
    except (StopIteration, csv.Error):
        return [], "The CSV file has no header row naming title, date and body."
    missing = [column for column in ("title", "date", "body") if column not in header]
    if missing:
        return header, f"The CSV header lacks {_list(missing)}; it must name title, date and body."
    return header, ""


def _csv_rows(reader) -> Iterator[tuple[int, list[str] | None, csv.Error | None]]:
    """The rows after the header, each with the line it starts on, or with the error that made it
    unreadable (the reading goes on after one)."""
    next_line = reader.line_num + 1
    while True:
        line = next_line
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield line, None, error
        else:
            yield line, row, None
        next_line = reader.line_num + 1


def _row_problem(row: list[str], header: list[str]) -> str:
    """What keeps a row from being read as a release's fields ("" when nothing does)."""
    if not any(cell.strip() for cell in row):
        return "Empty row."
    if len(row) != len(header):
        return f"The row has {len(row)} fields; the header names {len(header)}."
    return ""


def _json_lines_articles(text, limits, where) -> Iterator[ReadArticle]:
    # Lines end at "\n" only: JSON strings may hold U+2028 and the other breaks splitlines knows.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json_values.load(line)
        except RejectedArticle as error:
            yield ReadArticle(_at(where, f"line {number}"), error=str(error))
            continue
        yield _read_record(record, _at(where, f"line {number}"))


def _json_articles(text, limits, where) -> Iterator[ReadArticle]:
    for item in json_values.list_items(text):
        if item.error:
            yield ReadArticle(_at(where, item.place), error=item.error)
        else:
            yield _read_record(item.value, _at(where, item.place))


def _read_record(record, where) -> ReadArticle:
    try:
        return ReadArticle(where, parsed=record_article(record))
    except RejectedArticle as error:
        return ReadArticle(where, error=str(error))


def _at(where: str, place: str) -> str:
    return f"{where}, {place}" if where else place


def _list(items) -> str:
    items = list(items)
    return ", ".join(items[:-1]) + " or " + items[-1] if len(items) > 1 else items[0]
