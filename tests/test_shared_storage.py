"""Shared storage: where import files and attachments live is a setting, and a wrong one stops start-up."""

import pytest

from .test_deployment import settings_process

pytestmark = pytest.mark.slow  # a Python process each

SHOW_STORAGE = (
    "import django; django.setup(); from django.core.files.storage import default_storage; "
    "print(default_storage.location)"
)


@pytest.mark.parametrize(
    "options, said",
    [
        ("[1, 2]", "must be a JSON object of the storage backend's options (it is a JSON list)"),
        ('{"bucket_name": ', "PRESSROOM_STORAGE_OPTIONS is not valid JSON"),
    ],
)
def test_storage_options_that_are_not_a_json_object_stop_start_up(tmp_path, options, said):
    started = settings_process(tmp_path, DEBUG="1", PRESSROOM_STORAGE_OPTIONS=options)
    assert started.returncode != 0
    assert said in started.stderr


def test_the_storage_directory_is_where_every_node_keeps_its_files(tmp_path):
    shared = tmp_path / "shared"
    started = settings_process(tmp_path / "node", SHOW_STORAGE, DEBUG="1", PRESSROOM_STORAGE_DIR=str(shared))
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == str(shared)
