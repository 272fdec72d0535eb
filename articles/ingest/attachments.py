"""Files that come with a release but are not its text: photos, annexes, the original PDF.

Pure. An attachment is kept with its release and offered for download, never shown: what a
sender names a file, and what type it says it is, decide nothing about how it is served
(`served_type` does, from a short list). Names are made safe to put in a header and on a page.
"""

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

# A release comes with a few photos and annexes of a few megabytes each; past these limits it is
# a mailing of something else (a photo library, a video), and the archive's disk is not the place.
# What is over them is left out, and the release's outcome says so: the text is still the release.
MAX_ATTACHMENTS = 20
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
MAX_ATTACHMENTS_BYTES = 50 * 1024 * 1024
NAME_MAX_CHARACTERS = 120
SUFFIX_MAX_CHARACTERS = 16
# A release read from one of these keeps the file itself as its attachment: a PDF is what the
# sender published. A Word file does not: it can carry tracked changes, comments and earlier
# drafts that its sender never meant to publish.
ORIGINALS_KEPT = (".pdf",)
# What a download is served as, by the name's suffix. Anything else, and every textual type
# (HTML, SVG, XML, text: a browser could be talked into rendering them), is an octet stream.
SERVED_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".zip": "application/zip",
    ".mp3": "audio/mpeg",
    ".mp4": "video/mp4",
}
OCTET_STREAM = "application/octet-stream"
# Characters no file name should hold in a header, a page or a Windows folder.
_RESERVED = re.compile(r'[<>:"|?*]')
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$")


@dataclass(frozen=True)
class Attachment:
    name: str  # safe: see safe_name
    content_type: str  # what the sender declared (cleaned), for the record; never how it is served
    data: bytes = b""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def attachment(name: str, content_type: str, data: bytes, *, number: int = 1) -> Attachment:
    """An Attachment with its name made safe and its declared type cleaned."""
    return Attachment(safe_name(name, number=number), declared_type(content_type), data)


def safe_name(name: str, *, number: int = 1) -> str:
    """The file's own name, without folders, controls, bidi overrides or reserved characters,
    within NAME_MAX_CHARACTERS; "attachment-<number>.bin" when nothing of it is left."""
    base = re.split(r"[/\\]", name or "")[-1]
    visible = "".join(
        character if unicodedata.category(character)[0] not in "CZ" else " "
        for character in unicodedata.normalize("NFC", base)
        if unicodedata.category(character) not in ("Cf", "Cs", "Co", "Cn")
    )
    cleaned = _RESERVED.sub("_", " ".join(visible.split())).strip(" ")
    suffix = _suffix_of(cleaned)
    stem = cleaned[: len(cleaned) - len(suffix)].strip(" .")
    if not any(character.isalnum() for character in stem):
        return f"attachment-{number}{suffix or '.bin'}"
    return stem[: NAME_MAX_CHARACTERS - len(suffix)].rstrip(" .") + suffix


def _suffix_of(name: str) -> str:
    """ ".pdf" of "annex.pdf" (lower case), or "" when the name ends in no plain suffix."""
    _, dot, extension = name.rpartition(".")
    suffix = "." + extension
    return suffix if dot and 1 < len(suffix) <= SUFFIX_MAX_CHARACTERS and extension.isalnum() else ""


def declared_type(content_type: str) -> str:
    """The type a sender declared, lower case and without parameters; octet stream when it is not one."""
    bare = (content_type or "").split(";")[0].strip().lower()
    return bare if _CONTENT_TYPE.match(bare) else OCTET_STREAM


def served_type(name: str) -> str:
    """The Content-Type a download is served with: from the allow-list by suffix, else an octet stream."""
    return SERVED_TYPES.get(PurePosixPath(name.lower()).suffix, OCTET_STREAM)


def kept_attachments(found: Iterable[Attachment]) -> tuple[tuple[Attachment, ...], tuple[str, ...]]:
    """The attachments within the limits (each file once), and a note for each one left out."""
    kept, notes, seen, total = [], [], set(), 0
    for each in found:
        if not each.data:
            notes.append(f"The attachment {each.name!r} is empty and was left out.")
        elif each.sha256 in seen:
            continue  # the same file attached twice is kept once
        elif len(kept) >= MAX_ATTACHMENTS:
            notes.append(
                f"The attachment {each.name!r} was left out: a release keeps at most {MAX_ATTACHMENTS}."
            )
        elif len(each.data) > MAX_ATTACHMENT_BYTES:
            notes.append(
                f"The attachment {each.name!r} ({len(each.data):,} bytes) was left out: "
                f"an attachment has at most {MAX_ATTACHMENT_BYTES:,} bytes."
            )
        elif total + len(each.data) > MAX_ATTACHMENTS_BYTES:
            notes.append(
                f"The attachment {each.name!r} was left out: a release's attachments have at most "
                f"{MAX_ATTACHMENTS_BYTES:,} bytes together."
            )
        else:
            kept.append(each)
            seen.add(each.sha256)
            total += len(each.data)
    return tuple(kept), tuple(notes)
