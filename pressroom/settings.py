"""Pressroom settings: one module, every value read from the environment.

Development needs no configuration: SQLite and the Whoosh index live under the
data directory (`var/` in the checkout unless PRESSROOM_DATA_DIR moves it).
"""

import json
import os
import secrets
import socket
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_bytes(name):
    """A number of bytes (1048576, or with a unit: 512M, 2G), or None when unset."""
    text = os.environ.get(name, "").strip().upper().removesuffix("B")
    if not text:
        return None
    units = {"K": 1024, "M": 1024**2, "G": 1024**3}
    number, unit = (text[:-1], units[text[-1]]) if text[-1] in units else (text, 1)
    if not number.isdigit() or int(number) == 0:
        raise ImproperlyConfigured(
            f"{name} must be a number of bytes, such as 268435456 or 256M (not {os.environ[name]!r})."
        )
    return int(number) * unit


DATA_DIR = Path(os.environ.get("PRESSROOM_DATA_DIR", BASE_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


DEBUG = env_bool("DEBUG", False)


def _required(name: str, value, how: str):
    """With DEBUG off there is no fallback: start-up stops and says what to set."""
    if not value and not DEBUG:
        raise ImproperlyConfigured(f"{name} is not set. {how} (`make serve` sets development values.)")
    return value


def _secret_key() -> str | None:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    if os.environ.get("SECRET_KEY_FILE"):
        try:
            return Path(os.environ["SECRET_KEY_FILE"]).read_text().strip()
        except OSError as error:
            raise ImproperlyConfigured(
                f"SECRET_KEY_FILE {os.environ['SECRET_KEY_FILE']} cannot be read ({error.strerror})."
            ) from error
    return None


SECRET_KEY = _required(
    "SECRET_KEY",
    _secret_key() or (DEBUG and "development only: " + secrets.token_urlsafe(50)),
    "Set SECRET_KEY, or SECRET_KEY_FILE to a file holding it: a long random string kept secret.",
)
ALLOWED_HOSTS = _required(
    "ALLOWED_HOSTS",
    env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else ""),
    "Set ALLOWED_HOSTS to the comma-separated host names the site answers to.",
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# Behind a reverse proxy that terminates TLS (README, "Deploying"): HTTPS only, secure
# cookies, HSTS. The proxy must set X-Forwarded-Proto.
HTTPS = env_bool("HTTPS", False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # monitors may ask over plain HTTP from inside
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 365 * 24 * 3600))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Content Security Policy (django-csp; built into Django from 6.0): nothing inline, nothing
# from other sites. Pages must keep their scripts and styles in static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Admin sign-in is throttled by django-axes, its failures counted in the database so that
# every worker and process sees them: after AXES_FAILURE_LIMIT failures from one address
# for one user name, that pair waits AXES_COOLOFF_TIME hours.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_TIME", "1"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The reverse proxies in front, each appending the address it saw to X-Forwarded-For; the
# client is the address PROXY_COUNT places from the right of that header, and with none in
# front the header is ignored (pressroom/client_address.py, for axes and everything else).
PRESSROOM_PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
if PRESSROOM_PROXY_COUNT < 0:
    raise ImproperlyConfigured(
        f"PROXY_COUNT is {PRESSROOM_PROXY_COUNT}: "
        "set it to the number of reverse proxies in front, 0 or more."
    )
AXES_CLIENT_IP_CALLABLE = "pressroom.client_address.client_address"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]

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
    "axes",
    "articles",
]

# Background work (bulk imports) is queued in the database and run by `manage.py
# task_worker`, which gunicorn starts and restarts beside its web workers (see gunicorn.conf.py).
TASKS = {"default": {"BACKEND": os.environ.get("PRESSROOM_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

MIDDLEWARE = [
    "pressroom.request_log.RequestIdMiddleware",
    "pressroom.query_parameters.NoNulParametersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
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


def _storage_options() -> dict:
    """PRESSROOM_STORAGE_OPTIONS as a JSON object (its text is never repeated: it may hold keys)."""
    text = os.environ.get("PRESSROOM_STORAGE_OPTIONS", "").strip()
    if not text:
        return {}
    try:
        options = json.loads(text)
    except ValueError as error:
        raise ImproperlyConfigured(
            f"PRESSROOM_STORAGE_OPTIONS is not valid JSON ({error}); "
            'set it to a JSON object of the storage backend\'s options, e.g. {"bucket_name": "press"}.'
        ) from error
    if not isinstance(options, dict):
        raise ImproperlyConfigured(
            "PRESSROOM_STORAGE_OPTIONS must be a JSON object of the storage backend's options "
            f'(it is a JSON {type(options).__name__}), e.g. {{"bucket_name": "press"}}.'
        )
    return options


# Import files and attachments: with several nodes, PRESSROOM_STORAGE_DIR is a directory every node
# mounts, or PRESSROOM_STORAGE_BACKEND names another storage of Django's API (django-storages' S3
# one, say) with PRESSROOM_STORAGE_OPTIONS its options; never a node's private data directory.
MEDIA_ROOT = Path(os.environ.get("PRESSROOM_STORAGE_DIR", "").strip() or DATA_DIR / "uploads").resolve()
PRESSROOM_STORAGE_BACKEND = (
    os.environ.get("PRESSROOM_STORAGE_BACKEND", "").strip() or "articles.storage.UploadStorage"
)
PRESSROOM_STORAGE_OPTIONS = _storage_options()
STORAGES = {
    "default": {"BACKEND": PRESSROOM_STORAGE_BACKEND, "OPTIONS": PRESSROOM_STORAGE_OPTIONS},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# The Whoosh index is derived from the database; `manage.py rebuild_index` recreates it.
PRESSROOM_INDEX_DIR = Path(os.environ.get("PRESSROOM_INDEX_DIR", DATA_DIR / "index")).resolve()
# Several nodes may share one database, each with its own index following the change log
# (articles/search/nodes.py). A node is named by PRESSROOM_NODE (its host name by default); its
# /healthz answers 503 once the oldest change its index lacks is older than
# PRESSROOM_MAX_INDEX_LAG_SECONDS, so that a load balancer sends readers elsewhere. The log keeps
# what some node seen in the last PRESSROOM_CHANGE_LOG_RETENTION_DAYS has not applied, and no
# more; a node away for longer rebuilds its index when it returns.
PRESSROOM_NODE = os.environ.get("PRESSROOM_NODE", "").strip() or socket.gethostname()
PRESSROOM_MAX_INDEX_LAG_SECONDS = float(os.environ.get("PRESSROOM_MAX_INDEX_LAG_SECONDS", "60"))
PRESSROOM_CHANGE_LOG_RETENTION_DAYS = float(os.environ.get("PRESSROOM_CHANGE_LOG_RETENTION_DAYS", "7"))
if len(PRESSROOM_NODE) > 255:
    raise ImproperlyConfigured("PRESSROOM_NODE must be at most 255 characters.")
if not PRESSROOM_MAX_INDEX_LAG_SECONDS > 0 or not PRESSROOM_CHANGE_LOG_RETENTION_DAYS > 0:
    raise ImproperlyConfigured(
        "PRESSROOM_MAX_INDEX_LAG_SECONDS and PRESSROOM_CHANGE_LOG_RETENTION_DAYS must be more than 0."
    )
# What a web worker keeps of the index in memory, in bytes: the postings of the words searched
# lately, each segment's arrays, and countries' masks. Each left unset follows the archive's
# size; articles/search/budgets.py says how, and what a worker then takes at a million releases.
PRESSROOM_POSTINGS_CACHE_BYTES = env_bytes("PRESSROOM_POSTINGS_CACHE_BYTES")
PRESSROOM_SEGMENT_ARRAYS_BYTES = env_bytes("PRESSROOM_SEGMENT_ARRAYS_BYTES")
PRESSROOM_COUNTRY_MASKS_BYTES = env_bytes("PRESSROOM_COUNTRY_MASKS_BYTES")
# Imports by the task worker and `import_articles` have a forked process write the index
# while they parse and store (web requests always write it themselves); `rebuild_index`
# writes the index in this many forked processes, each range of up to
# PRESSROOM_INDEX_SEGMENT_ARTICLES articles as a segment (a writer holds its segment's postings
# in memory: about 2 GB at 20,000 articles of 500 words; a million articles make 50 segments).
PRESSROOM_INDEX_BESIDE_IMPORTS = env_bool("PRESSROOM_INDEX_BESIDE_IMPORTS", (os.cpu_count() or 1) > 1)
PRESSROOM_INDEX_WRITER_PROCESSES = int(
    os.environ.get("PRESSROOM_INDEX_WRITER_PROCESSES", min(2, os.cpu_count() or 1))
)
PRESSROOM_INDEX_SEGMENT_ARTICLES = int(os.environ.get("PRESSROOM_INDEX_SEGMENT_ARTICLES", 20_000))
if PRESSROOM_INDEX_WRITER_PROCESSES < 1 or PRESSROOM_INDEX_SEGMENT_ARTICLES < 1:
    raise ImproperlyConfigured(
        "PRESSROOM_INDEX_WRITER_PROCESSES and PRESSROOM_INDEX_SEGMENT_ARTICLES must be 1 or more."
    )
# Import limits, in bytes unless named otherwise: an uploaded file, one release in it, and
# what a ZIP archive may hold.
PRESSROOM_MAX_UPLOAD_BYTES = int(os.environ.get("PRESSROOM_MAX_UPLOAD_BYTES", 100 * 1024 * 1024))
PRESSROOM_MAX_RELEASE_BYTES = int(os.environ.get("PRESSROOM_MAX_RELEASE_BYTES", 2 * 1024 * 1024))
PRESSROOM_MAX_ARCHIVE_MEMBERS = int(os.environ.get("PRESSROOM_MAX_ARCHIVE_MEMBERS", 20_000))
PRESSROOM_MAX_UNCOMPRESSED_BYTES = int(os.environ.get("PRESSROOM_MAX_UNCOMPRESSED_BYTES", 1024 * 1024 * 1024))
PRESSROOM_MAX_COMPRESSION_RATIO = int(os.environ.get("PRESSROOM_MAX_COMPRESSION_RATIO", 200))
# Publication dates a release may have, in imports and in the admin: from the first of
# January of this year to this many days after today. Anything else is a typing error (0019);
# searches ignore such dates with a note.
PRESSROOM_EARLIEST_YEAR = int(os.environ.get("PRESSROOM_EARLIEST_YEAR", 1900))
PRESSROOM_LATEST_DAYS_AHEAD = int(os.environ.get("PRESSROOM_LATEST_DAYS_AHEAD", 366))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 1000
PRESSROOM_RESULTS_PER_PAGE = 20
# The most rows a CSV export of a search holds (the newest first).
PRESSROOM_EXPORT_LIMIT = int(os.environ.get("PRESSROOM_EXPORT_LIMIT", "10000"))
# An upload without an id or URL, with the title and date of a stored release, updates it when
# their texts share at least this fraction of their word pairs (ingest/similarity.py). On Reuters
# stories (bench/resemblance_quality.py), 98% of 1- or 3-word corrections score 0.6 or more, and
# no two stories of one day do.
PRESSROOM_UPDATE_RESEMBLANCE = float(os.environ.get("PRESSROOM_UPDATE_RESEMBLANCE", "0.6"))
# Demo archive loaded by `prepare_archive --demo` (as `make serve` runs it) when the database holds
# no article; PRESSROOM_DEMO=1 asks for it without the flag. Production never gets one unasked.
PRESSROOM_DEMO = env_bool("PRESSROOM_DEMO", False)
PRESSROOM_DEMO_ARTICLES = int(os.environ.get("PRESSROOM_DEMO_ARTICLES", "2000"))
PRESSROOM_DEMO_SEED = int(os.environ.get("PRESSROOM_DEMO_SEED", "2019"))

# Harvesting (articles/harvesting/): the task worker polls the feeds and sitemaps registered in the
# admin. Each request waits at most PRESSROOM_HARVEST_TIMEOUT_SECONDS to connect and between two
# reads, and a whole response may take three times that; a poll's fetching (robots.txt, the
# listing and its pages) ends after PRESSROOM_HARVEST_POLL_SECONDS, and what it did not fetch waits
# for the next poll. That stays under the 30 minutes after which a poll's hold on its source is taken
# for a dead worker's (HarvestSource.HOLD_LAPSES_AFTER). Pressroom fetches only from public
# addresses (a redirect to 10.0.0.1 or 127.0.0.1 is refused) unless this allows private ones, for
# a press office on the operator's own network. The User-Agent names PRESSROOM_HARVEST_CONTACT
# (a web page or e-mail address), so that a site's operator can reach whoever runs the archive.
PRESSROOM_HARVEST_TIMEOUT_SECONDS = float(os.environ.get("PRESSROOM_HARVEST_TIMEOUT_SECONDS", "10"))
PRESSROOM_HARVEST_ALLOW_PRIVATE_ADDRESSES = env_bool("PRESSROOM_HARVEST_ALLOW_PRIVATE_ADDRESSES", False)
PRESSROOM_HARVEST_CONTACT = os.environ.get("PRESSROOM_HARVEST_CONTACT", "").strip()
PRESSROOM_HARVEST_MAX_ITEMS = int(os.environ.get("PRESSROOM_HARVEST_MAX_ITEMS", "200"))
PRESSROOM_HARVEST_POLL_SECONDS = float(os.environ.get("PRESSROOM_HARVEST_POLL_SECONDS", "300"))
if not 0 < PRESSROOM_HARVEST_POLL_SECONDS <= 20 * 60:
    raise ImproperlyConfigured(
        "PRESSROOM_HARVEST_POLL_SECONDS must be more than 0 and at most 1200 (20 minutes)."
    )

# E-mail alerts (articles/alerts/): sent by the task worker through Django's e-mail framework, with
# SMTP settings under Django's own names. Links in e-mails start with PRESSROOM_SITE_URL.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Pressroom <alerts@localhost>")
PRESSROOM_SITE_URL = os.environ.get("PRESSROOM_SITE_URL", "http://localhost:8000").rstrip("/")
# Confirmation e-mails a day per address and an hour per client address; beyond, none is sent
# (and the page says what it always says), so subscribing cannot be used to spam a stranger.
PRESSROOM_ALERTS_CONFIRMATIONS_PER_ADDRESS = int(
    os.environ.get("PRESSROOM_ALERTS_CONFIRMATIONS_PER_ADDRESS", "3")
)
PRESSROOM_ALERTS_CONFIRMATIONS_PER_CLIENT = int(
    os.environ.get("PRESSROOM_ALERTS_CONFIRMATIONS_PER_CLIENT", "10")
)
# An unconfirmed subscription is deleted, and its link refused, after this many hours.
PRESSROOM_ALERTS_CONFIRM_HOURS = int(os.environ.get("PRESSROOM_ALERTS_CONFIRM_HOURS", "48"))
# An e-mail left "sending" by a worker killed mid-send is sent again (same Message-ID) after this
# many seconds; longer than any SMTP conversation, or a slow live send would be sent twice.
PRESSROOM_ALERTS_SENDING_LAPSE_SECONDS = float(
    os.environ.get("PRESSROOM_ALERTS_SENDING_LAPSE_SECONDS", "600")
)
if not PRESSROOM_ALERTS_SENDING_LAPSE_SECONDS > 0:
    raise ImproperlyConfigured("PRESSROOM_ALERTS_SENDING_LAPSE_SECONDS must be more than 0.")
# Daily digests go out at this hour (TIME_ZONE), weekly ones on this weekday too (0 is Monday).
PRESSROOM_DIGEST_HOUR = int(os.environ.get("PRESSROOM_DIGEST_HOUR", "7"))
PRESSROOM_DIGEST_WEEKDAY = int(os.environ.get("PRESSROOM_DIGEST_WEEKDAY", "0"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "pressroom.request_log.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "pressroom.request_log.JsonLineFormatter"},
        "line": {"format": "%(asctime)s %(levelname)s %(name)s %(process)d [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            # JSON lines for log collectors; LOG_FORMAT=line for people reading a terminal.
            "formatter": os.environ.get("LOG_FORMAT", "json"),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# Webhooks (articles/webhooks): each POST ends within PRESSROOM_WEBHOOK_TIMEOUT_SECONDS in all
# (connecting, sending, and the answer however slowly it comes). Pressroom posts only to public
# addresses: the admin refuses a target whose host is at a private, loopback or link-local address,
# and each POST checks the address it connects to again (DNS may have changed since), giving the
# delivery up if it is not public, unless this allows private ones, for a receiver on the
# operator's own network. Off by default, whatever the harvesting setting says: letting the
# harvester read an intranet press office is no reason to let anyone with the admin POST into it.
PRESSROOM_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("PRESSROOM_WEBHOOK_TIMEOUT_SECONDS", "10"))
PRESSROOM_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("PRESSROOM_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)
