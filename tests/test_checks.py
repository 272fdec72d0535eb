"""System checks: a storage setting that would fail on the first upload stops `check` (and so
migrate and runserver) with the setting, the path and what to do."""

import os

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError


def storage_errors():
    return [
        (message.id, message.msg, message.hint) for message in checks.run_checks(tags=[checks.Tags.files])
    ]


def test_a_storage_directory_not_made_yet_under_a_writable_one_is_fine(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "not" / "made" / "yet"  # the storage makes it on the first write
    assert storage_errors() == []
    call_command("check")


def test_a_storage_directory_under_a_regular_file_stops_the_check(settings, tmp_path):
    (tmp_path / "a-file").write_text("not a directory")
    settings.MEDIA_ROOT = tmp_path / "a-file" / "uploads"
    [(id, message, hint)] = storage_errors()
    assert id == "pressroom.E002"
    assert message == (
        f"PRESSROOM_STORAGE_DIR is {settings.MEDIA_ROOT}, where import files and attachments cannot be "
        f"written: {tmp_path / 'a-file'} is a file, not a directory."
    )
    assert "set PRESSROOM_STORAGE_DIR to a directory that is writable" in hint
    with pytest.raises(SystemCheckError, match=r"pressroom.E002"):
        call_command("check")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to a directory whatever its mode")
def test_a_storage_directory_that_cannot_be_written_stops_the_check(settings, tmp_path):
    read_only = tmp_path / "read-only"
    read_only.mkdir(mode=0o500)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "articles.storage.UploadStorage", "OPTIONS": {"location": str(read_only)}},
    }
    try:
        [(id, message, _)] = storage_errors()
    finally:
        read_only.chmod(0o700)
    assert id == "pressroom.E002"
    assert message.startswith(f"PRESSROOM_STORAGE_OPTIONS' location is {read_only}, where import files")
    assert message.endswith(": Permission denied.")


def test_a_storage_backend_that_cannot_be_imported_stops_the_check(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage"}}
    with pytest.raises(SystemCheckError) as stopped:
        call_command("check")
    said = str(stopped.value)
    assert (
        "(pressroom.E001) PRESSROOM_STORAGE_BACKEND names 'storages.backends.s3.S3Storage', "
        "which cannot be imported (No module named 'storages')." in said
    )
    assert "HINT: Install the package that provides it" in said


def test_options_the_backend_does_not_take_stop_the_check(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "articles.storage.UploadStorage", "OPTIONS": {"bucket_name": "press"}},
    }
    [(id, message, _)] = storage_errors()
    assert id == "pressroom.E003"
    assert "refuses PRESSROOM_STORAGE_OPTIONS (TypeError:" in message and "'bucket_name'" in message


def test_a_storage_that_is_not_a_directory_is_not_asked_for_one(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    assert storage_errors() == []
