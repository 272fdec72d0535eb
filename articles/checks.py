"""System checks (`manage.py check`, and before migrate and runserver): settings that would fail
only on the first upload are told at start, with the setting and what to do."""

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core import checks
from django.core.files.storage import FileSystemStorage, storages
from django.utils.module_loading import import_string

BACKEND_NOT_IMPORTABLE = "pressroom.E001"
STORAGE_DIR_NOT_WRITABLE = "pressroom.E002"
BACKEND_OPTIONS_REFUSED = "pressroom.E003"


@checks.register(checks.Tags.files)
def check_storage(app_configs=None, **kwargs):
    """The storage of import files and attachments can be made and, when it is a directory, written."""
    config = settings.STORAGES["default"]
    backend = config["BACKEND"]
    try:
        import_string(backend)
    except ImportError as error:
        return [
            checks.Error(
                f"PRESSROOM_STORAGE_BACKEND names {backend!r}, which cannot be imported ({error}).",
                hint="Install the package that provides it (django-storages for storages.backends.*), "
                "or unset PRESSROOM_STORAGE_BACKEND to keep files in PRESSROOM_STORAGE_DIR.",
                id=BACKEND_NOT_IMPORTABLE,
            )
        ]
    try:
        storage = storages.create_storage(config)
    except Exception as error:  # whatever the backend raises for options it does not take
        return [
            checks.Error(
                f"The storage backend {backend!r} refuses PRESSROOM_STORAGE_OPTIONS "
                f"({type(error).__name__}: {error}).",
                hint="Give only the options its documentation lists, as a JSON object.",
                id=BACKEND_OPTIONS_REFUSED,
            )
        ]
    if isinstance(storage, FileSystemStorage):
        return _check_directory(Path(storage.location), setting=_directory_setting(config))
    return []


def _directory_setting(config) -> str:
    return (
        "PRESSROOM_STORAGE_OPTIONS' location"
        if "location" in config.get("OPTIONS", {})
        else "PRESSROOM_STORAGE_DIR"
    )


def _check_directory(directory: Path, *, setting: str) -> list[checks.CheckMessage]:
    problem = _why_not_writable(directory)
    if problem is None:
        return []
    return [
        checks.Error(
            f"{setting} is {directory}, where import files and attachments cannot be written: {problem}.",
            hint=f"Create it and let the user running Pressroom (uid {os.geteuid()}) write to it, or set "
            f"{setting} to a directory that is writable (with several nodes, a volume every node mounts).",
            id=STORAGE_DIR_NOT_WRITABLE,
        )
    ]


def _why_not_writable(directory: Path) -> str | None:
    """None when a file can be written in `directory`, or in it once the storage creates it."""
    existing = next(path for path in (directory, *directory.parents) if path.exists())
    if not existing.is_dir():
        return f"{existing} is a file, not a directory"
    if existing != directory:  # the storage creates the rest on its first write
        return (
            None if os.access(existing, os.W_OK | os.X_OK) else f"{existing} cannot be written to create it"
        )
    try:  # a real write: os.access is not told of every read-only mount or access list
        with tempfile.TemporaryFile(dir=directory, prefix=".pressroom-check-"):
            pass
    except OSError as error:
        return error.strerror or str(error)
    return None
