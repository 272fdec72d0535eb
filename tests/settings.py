"""Test settings: the real settings, with a throwaway data directory and cheap password hashing."""
import os
import tempfile

os.environ.setdefault("PRESSROOM_DATA_DIR", tempfile.mkdtemp(prefix="pressroom-tests-"))

from pressroom.settings import *  # noqa: E402,F403

ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests render templates without running collectstatic first.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
