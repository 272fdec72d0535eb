"""Where uploaded originals are kept: Django's file system storage, under names any file system takes.

The name as sent is kept in the database (ImportFile.name) and given back on download; the
stored name only has to be unique and fit: most file systems allow 255 bytes, and 90 letters
of four bytes each (𠀀) are 360.
"""

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage

STEM_MAX_BYTES = 100  # leaves room for the "_a1B2c3D" Django adds to tell equal names apart
SUFFIX_MAX_BYTES = 16


class UploadStorage(FileSystemStorage):
    def get_valid_name(self, name):
        try:
            valid = super().get_valid_name(name)
        except SuspiciousFileOperation:  # nothing of the name is left, say "😀" without a suffix
            valid = "upload"
        stem, dot, extension = valid.rpartition(".")
        if not dot:
            stem, extension = extension, ""
        # "😀😀.txt" keeps only ".txt", which would be a hidden file without a suffix.
        return (_within_bytes(stem, STEM_MAX_BYTES) or "upload") + _within_bytes(
            dot + extension, SUFFIX_MAX_BYTES
        )


def _within_bytes(text: str, limit: int) -> str:
    """`text` cut to at most `limit` bytes of UTF-8, never in the middle of a character."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")
