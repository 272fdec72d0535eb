"""Test settings: the real settings, with a throwaway data directory and cheap password hashing."""

import os
import secrets
import tempfile
from datetime import datetime
from zoneinfo import ZoneInfo

os.environ.setdefault("PRESSROOM_DATA_DIR", tempfile.mkdtemp(prefix="pressroom-tests-"))
# What production requires, set for the test process only.
os.environ.setdefault("SECRET_KEY", "tests-only-" + secrets.token_urlsafe(40))
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from pressroom.settings import *  # noqa: F403

ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests render templates without running collectstatic first.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# WhiteNoise serves the source static folders in tests instead of a collected STATIC_ROOT.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
# Background tasks run at once, inside the request, so tests see their results.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Digests list what was matched before their hour: with the hour twelve hours from the run's, a
# test's releases are in no digest but one the test sends (alert_helpers.send_digests_now). With the
# default, 7, every run between 7 and 8 failed.
PRESSROOM_DIGEST_HOUR = (datetime.now(ZoneInfo(TIME_ZONE)).hour + 12) % 24  # noqa: F405
# Test databases live in this process (in memory, inside transactions): no forked index writer,
# and a rebuild reads the database in this process (the out-of-process tests fork their own).
PRESSROOM_INDEX_BESIDE_IMPORTS = False
PRESSROOM_INDEX_WRITER_PROCESSES = 1
# Harvesting tests serve feeds and pages from 127.0.0.1, and a slow page must not slow the suite.
PRESSROOM_HARVEST_ALLOW_PRIVATE_ADDRESSES = True
PRESSROOM_HARVEST_TIMEOUT_SECONDS = 0.5
PRESSROOM_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
PRESSROOM_WEBHOOK_TIMEOUT_SECONDS = 0.5
