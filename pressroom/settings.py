"""Pressroom settings: one module, every value read from the environment.

Development needs no configuration: SQLite and the Whoosh index live under the
data directory (`var/` in the checkout unless PRESSROOM_DATA_DIR moves it).
"""
import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("PRESSROOM_DATA_DIR", BASE_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _installation_secret_key():
    """A random key generated once per data directory, so no key is shared or guessable."""
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or _installation_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_tasks",
    "django_tasks_db",
    "articles",
]

# Background work (bulk imports) is queued in the database and run by `manage.py
# db_worker`, which gunicorn starts beside its web workers (see gunicorn.conf.py).
TASKS = {"default": {"BACKEND": os.environ.get("PRESSROOM_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "pressroom.urls"
WSGI_APPLICATION = "pressroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'pressroom.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets searches read while an import writes; IMMEDIATE takes the write lock
    # at the start of a transaction, so concurrent writers queue instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "uploads"

# The Whoosh index is derived from the database; `manage.py rebuild_index` recreates it.
PRESSROOM_INDEX_DIR = Path(os.environ.get("PRESSROOM_INDEX_DIR", DATA_DIR / "index")).resolve()
# Forked processes that analyse documents for the index during imports by the task worker and
# `import_articles` (web workers always write in-process).
PRESSROOM_INDEX_WRITER_PROCESSES = int(os.environ.get("PRESSROOM_INDEX_WRITER_PROCESSES", min(2, os.cpu_count() or 1)))
# Import limits, in bytes unless named otherwise: an uploaded file, one release in it, and
# what a ZIP archive may hold.
PRESSROOM_MAX_UPLOAD_BYTES = int(os.environ.get("PRESSROOM_MAX_UPLOAD_BYTES", 100 * 1024 * 1024))
PRESSROOM_MAX_RELEASE_BYTES = int(os.environ.get("PRESSROOM_MAX_RELEASE_BYTES", 2 * 1024 * 1024))
PRESSROOM_MAX_ARCHIVE_MEMBERS = int(os.environ.get("PRESSROOM_MAX_ARCHIVE_MEMBERS", 20_000))
PRESSROOM_MAX_UNCOMPRESSED_BYTES = int(os.environ.get("PRESSROOM_MAX_UNCOMPRESSED_BYTES", 1024 * 1024 * 1024))
PRESSROOM_MAX_COMPRESSION_RATIO = int(os.environ.get("PRESSROOM_MAX_COMPRESSION_RATIO", 200))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 1000
PRESSROOM_RESULTS_PER_PAGE = 20
# Demo archive loaded by `make serve` when the database holds no article.
PRESSROOM_DEMO_ARTICLES = int(os.environ.get("PRESSROOM_DEMO_ARTICLES", "2000"))
PRESSROOM_DEMO_SEED = int(os.environ.get("PRESSROOM_DEMO_SEED", "2019"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}
