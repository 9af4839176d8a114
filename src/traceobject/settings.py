"""The one settings module. Everything that differs between deployments comes from the environment.

TRACEOBJECT_ENV=embedded (default): SQLite under $TRACEOBJECT_HOME (default ./var), keys generated
there.
TRACEOBJECT_ENV=production: every secret must be given, HTTPS-only cookies, HSTS.

TRACEOBJECT_ROLE (see README, "Deployment: edge and core"):
  edge  the internet-facing site: public pages, public API, mailbox, the sync endpoint. Its
        database holds only what is published and what is sealed; no private key, no staff.
  core  the agency's side: back office, internal and liaison APIs, evidence, the worker and
        the sync client that connects out to the edges.
  all   one process with both halves over one database (the test suite and development).
        `traceobject demo` with this role runs a real edge and a real core, each with its own
        database, joined by the sync over loopback.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.conf.locale import LANG_INFO
from django.utils.translation import gettext_lazy as _

from traceobject.core.env import (
    ConfigError,
    env_bool,
    env_choice,
    env_email,
    env_int,
    env_list,
    env_origins,
    env_str,
    env_url,
    home_dir,
)
from traceobject.core.storage_settings import storage_entry

BASE_DIR = Path(__file__).resolve().parent
HOME = home_dir()
ENVIRONMENT = env_choice("TRACEOBJECT_ENV", ("embedded", "production"), "embedded")
PRODUCTION = ENVIRONMENT == "production"
ROLE = env_choice("TRACEOBJECT_ROLE", ("edge", "core", "all"), "all")
EDGE = ROLE == "edge"
KEYS_DIR = Path(env_str("TRACEOBJECT_KEYS_DIR") or HOME / "keys")


def _embedded_secret(name: str) -> str:
    """A secret for the embedded default, generated once into $TRACEOBJECT_HOME/keys/."""
    path = KEYS_DIR / name
    if not path.exists():
        KEYS_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _secret(env_name: str, file_name: str) -> str:
    value = env_str(env_name)
    if value:
        return value
    if PRODUCTION:
        raise ConfigError(f"{env_name} must be set when TRACEOBJECT_ENV=production")
    return _embedded_secret(file_name)


SECRET_KEY = _secret("TRACEOBJECT_SECRET_KEY", "secret_key")
# Receipts are stored only as HMAC-SHA256 under this key; rate-limit keys are derived from it too.
RECEIPT_HMAC_KEY = _secret("TRACEOBJECT_RECEIPT_KEY", "receipt_hmac_key")
# Sealed intake: tips are encrypted to the public key; only the core holds the private key. The
# edge has no intake key setting at all: it seals each tip to the key of the core that owns the
# object, which that core sent with the object (sync).
if not EDGE:
    INTAKE_PUBLIC_KEY_FILE = Path(
        env_str("TRACEOBJECT_INTAKE_PUBLIC_KEY_FILE") or KEYS_DIR / "intake.pub"
    )
    INTAKE_PRIVATE_KEY_FILE = Path(
        env_str("TRACEOBJECT_INTAKE_PRIVATE_KEY_FILE") or KEYS_DIR / "intake.key"
    )
    # Only the embedded default generates a missing intake key pair; production must provide it.
    INTAKE_KEYS_GENERATE = not PRODUCTION
# Core-only settings given to an edge: `check` refuses them loudly (traceobject.E010).
EDGE_FORBIDDEN_SETTINGS = sorted(
    name for name in os.environ
    if EDGE and (name.startswith(("TRACEOBJECT_INTAKE_PRIVATE", "TRACEOBJECT_EVIDENCE_"))
                 or name == "TRACEOBJECT_INDEX_DIR")
)

# --- Sync between edge and core (traceobject/sync). ---
# This side's name (the other side knows it by this name) and signing key (Ed25519).
SYNC_NAME = env_str("TRACEOBJECT_SYNC_NAME", "edge" if EDGE else "core")
SYNC_KEY_FILE = Path(env_str("TRACEOBJECT_SYNC_KEY_FILE") or KEYS_DIR / "sync.key")
SYNC_KEYS_GENERATE = not PRODUCTION
# The other side(s): JSON, see README "Deployment". On an edge: the cores it accepts; on a core:
# the edges it publishes to and pulls from.
SYNC_PEERS_FILE = Path(env_str("TRACEOBJECT_SYNC_PEERS_FILE") or HOME / "sync-peers.json")
SYNC_INTERVAL = env_int("TRACEOBJECT_SYNC_INTERVAL", 5, minimum=1)  # seconds, core worker
SYNC_BATCH = env_int("TRACEOBJECT_SYNC_BATCH", 500, minimum=1)  # tips per pulled batch
SYNC_MAX_MESSAGE_BYTES = env_int("TRACEOBJECT_SYNC_MAX_MESSAGE_BYTES", 16 * 1024 * 1024,
                                 minimum=64 * 1024)
SYNC_CLOCK_SKEW = env_int("TRACEOBJECT_SYNC_CLOCK_SKEW", 300, minimum=5)  # seconds
# Objects are numbered TAO-<year>-<n> from this n on: cores that publish to one edge use
# separate ranges (e.g. 1 and 500000) so that their references never meet.
REF_FIRST = env_int("TRACEOBJECT_REF_FIRST", 1, minimum=1)
SYNC_TIMEOUT = env_int("TRACEOBJECT_SYNC_TIMEOUT", 60, minimum=1)  # seconds per request

DEBUG = env_bool("TRACEOBJECT_DEBUG", False)
ALLOWED_HOSTS = env_list(
    "TRACEOBJECT_ALLOWED_HOSTS",
    [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"],
)
CSRF_TRUSTED_ORIGINS = env_list("TRACEOBJECT_CSRF_TRUSTED_ORIGINS")
# How many reverse proxies in front of the app add themselves to X-Forwarded-For (0: use the peer).
NUM_PROXIES = env_int("TRACEOBJECT_NUM_PROXIES", 0, minimum=0)
# The public site's address: absolute links (share cards, the feed, the embed snippet,
# forwarding packages) use it; unset, the address a request came to.
PUBLIC_BASE_URL = env_url("TRACEOBJECT_PUBLIC_BASE_URL", "")
# Every forwarding package carries this handling marking (top of the HTML, every PDF page, the
# JSON's "handling") and a contact point: the forwarding investigator and this agency contact
# (empty: the operator's name, e-mail address and phone number).
HANDLING_MARKING = (env_str("TRACEOBJECT_HANDLING_MARKING").strip()
                    or "Law enforcement only — handle under your agency's rules")
FORWARDING_CONTACT = env_str("TRACEOBJECT_FORWARDING_CONTACT").strip()

# Core: a local machine-translation model for tips (a directory the agency supplies; see
# traceobject.core.translation). Unset: tips are shown untranslated, and the page says so.
TRANSLATION_MODEL = env_str("TRACEOBJECT_TRANSLATION_MODEL")
if TRANSLATION_MODEL and not Path(TRANSLATION_MODEL).is_dir():
    raise ConfigError("TRACEOBJECT_TRANSLATION_MODEL must be a directory holding the "
                      f"translation model; got {TRANSLATION_MODEL!r}")

# Core: an image-embedding model for same-object search (an ONNX file the agency supplies, e.g.
# a DINOv2 or CLIP image encoder; see traceobject.vision.embedding). Unset: search uses the
# local features only. The file is checked when first used (`vision.embedding.status()`).
EMBEDDING_MODEL = env_str("TRACEOBJECT_EMBEDDING_MODEL").strip()
if EMBEDDING_MODEL and not Path(EMBEDDING_MODEL).is_file():
    raise ConfigError("TRACEOBJECT_EMBEDDING_MODEL must be the path of an ONNX file; got "
                      f"{EMBEDDING_MODEL!r}")

_CORE_ONLY_APPS = {
    "django.contrib.admin", "django.contrib.sessions", "django.contrib.messages", "django_tasks",
    "django_tasks_db", "django_otp", "django_otp.plugins.otp_totp", "traceobject.routing",
    "traceobject.evidence", "traceobject.audit", "traceobject.clues", "traceobject.exports",
    "traceobject.accounts", "traceobject.internal",
}
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "traceobject.core",
    "traceobject.catalog",
    "traceobject.tips",
    "traceobject.routing",
    "traceobject.evidence",
    "traceobject.audit",
    "traceobject.clues",
    "traceobject.exports",
    "traceobject.accounts",
    "traceobject.internal",
    "traceobject.public",
    "traceobject.api",
    "traceobject.sync",
]
if EDGE:
    INSTALLED_APPS = [app for app in INSTALLED_APPS if app not in _CORE_ONLY_APPS]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "traceobject.core.middleware.SecurityHeadersMiddleware",
    "traceobject.core.middleware.ApiErrorShapeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "traceobject.core.pagecache.PublicPageCacheMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
if EDGE:  # no sessions, no sign-in: nothing on the edge knows a user
    MIDDLEWARE = [m for m in MIDDLEWARE if m not in {
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django_otp.middleware.OTPMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    }]

ROOT_URLCONF = {"edge": "traceobject.urls_edge", "core": "traceobject.urls_core",
                "all": "traceobject.urls"}[ROLE]
# The edge never creates the triage store's tables (see traceobject/sync/router.py).
DATABASE_ROUTERS = ["traceobject.sync.router.RoleRouter"]
WSGI_APPLICATION = "traceobject.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "traceobject.public.context_processors.site",
                "traceobject.internal.context_processors.staff",
            ],
        },
    }
]
if EDGE:
    TEMPLATES[0]["OPTIONS"]["context_processors"] = [  # type: ignore[index]
        "django.template.context_processors.request",
        "django.template.context_processors.i18n",
        "traceobject.public.context_processors.site",
    ]

_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {
        "default": dj_database_url.parse(_database_url, conn_max_age=600, conn_health_checks=True)
    }
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # No JIT compiling: the pages' queries are short, and PostgreSQL's cost estimates of
        # a big case's grid query (200,000 images of 10 M) started a JIT compile that took
        # 0.7 s of the query's 2.2 s (bench/bench_evidence_db.py)
        _options = DATABASES["default"].setdefault("OPTIONS", {})
        _options["options"] = (_options.get("options", "") + " -c jit=off").strip()
else:
    HOME.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(HOME / "traceobject.sqlite3"),
            # Keep connections: opening one costs more than a whole small request.
            "CONN_MAX_AGE": None,
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_redis_url = env_str("REDIS_URL")
if _redis_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_url,
        }
    }
else:
    # Per process: the embedded server runs one process with threads, so limits hold.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {
    "default": {
        "BACKEND": env_str("TRACEOBJECT_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        # "ingest": the batches of queued ingests (`traceobject worker --queues` chooses)
        "QUEUES": ["default", "ingest"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: the 24 official languages of the EU. Django has no Maltese entry of its own.
LANG_INFO.setdefault(
    "mt", {"bidi": False, "code": "mt", "name": "Maltese", "name_local": "Malti"}
)
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("bg", _("Bulgarian")),
    ("cs", _("Czech")),
    ("da", _("Danish")),
    ("de", _("German")),
    ("el", _("Greek")),
    ("en", _("English")),
    ("es", _("Spanish")),
    ("et", _("Estonian")),
    ("fi", _("Finnish")),
    ("fr", _("French")),
    ("ga", _("Irish")),
    ("hr", _("Croatian")),
    ("hu", _("Hungarian")),
    ("it", _("Italian")),
    ("lt", _("Lithuanian")),
    ("lv", _("Latvian")),
    ("mt", _("Maltese")),
    ("nl", _("Dutch")),
    ("pl", _("Polish")),
    ("pt", _("Portuguese")),
    ("ro", _("Romanian")),
    ("sk", _("Slovak")),
    ("sl", _("Slovenian")),
    ("sv", _("Swedish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("TRACEOBJECT_STATIC_ROOT") or HOME / "static")
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES: dict[str, dict[str, Any]] = {
    # Published pictures: $TRACEOBJECT_HOME/media/public/ (default), or an S3-compatible bucket
    # (TRACEOBJECT_MEDIA_STORAGE=s3, TRACEOBJECT_MEDIA_S3_*: several edge machines share it).
    # Either way they are served by the app (/media/, only while their object is public).
    "default": storage_entry(store="MEDIA", folder=HOME / "media" / "public",
                             filesystem_options={"base_url": "/media/"}),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
if not EDGE:
    # Evidence never leaves the core: a separate store, never served by the public site.
    # TRACEOBJECT_EVIDENCE_STORAGE=filesystem (default, $TRACEOBJECT_HOME/evidence/) or s3
    # (TRACEOBJECT_EVIDENCE_S3_*; see traceobject/evidence/storage_settings.py and README.md).
    from traceobject.evidence.storage_settings import evidence_storage

    STORAGES["evidence"] = evidence_storage(home=HOME)
MEDIA_ROOT = HOME / "media" / "public"
INDEX_DIR = Path(env_str("TRACEOBJECT_INDEX_DIR") or HOME / "index")
# PDQ near-duplicate threshold (the PDQ authors' recommendation) and minimum quality.
PDQ_THRESHOLD = env_int("TRACEOBJECT_PDQ_THRESHOLD", 31, minimum=0)
PDQ_MIN_QUALITY = env_int("TRACEOBJECT_PDQ_MIN_QUALITY", 50, minimum=0)
# A search process catches its PDQ index copy up with the database's index log at most every
# this many seconds, and saves it under INDEX_DIR when it is this many rows ahead of its file.
PDQ_INDEX_REFRESH_SECONDS = env_int("TRACEOBJECT_PDQ_INDEX_REFRESH_SECONDS", 1, minimum=0)
PDQ_INDEX_SAVE_ROWS = env_int("TRACEOBJECT_PDQ_INDEX_SAVE_ROWS", 50_000, minimum=1)
# A search process with no usable copy also rebuilds it in a thread of its own (for a machine
# whose $TRACEOBJECT_HOME no worker shares; the rebuild task runs on a worker, for its home).
PDQ_INDEX_REBUILD_HERE = env_bool("TRACEOBJECT_PDQ_INDEX_REBUILD_HERE", False)
# Same-object search (evidence/object_index.py): the first codebook is learned once this many
# evidence images have local features (until then a search compares with every image), with
# this many visual words; a search verifies the best OBJECT_SEARCH_VERIFY candidates of the
# index geometrically (and every image the index has not caught up with, up to as many).
OBJECT_INDEX_MIN_IMAGES = env_int("TRACEOBJECT_OBJECT_INDEX_MIN_IMAGES", 50, minimum=2)
OBJECT_INDEX_WORDS = env_int("TRACEOBJECT_OBJECT_INDEX_WORDS", 64, minimum=2, maximum=65536)
OBJECT_SEARCH_VERIFY = env_int("TRACEOBJECT_OBJECT_SEARCH_VERIFY", 50, minimum=1,
                               maximum=1000)
# Evidence images left without local features (a lost task, ingested before same-object
# search) that the hourly sweep reads in one run (0: no sweep).
OBJECT_FEATURES_SWEEP = env_int("TRACEOBJECT_OBJECT_FEATURES_SWEEP", 500, minimum=0,
                                maximum=100_000)
# Videos at ingest: at least this many seconds between two keyframes kept as evidence
# images, and the decoding time one video may take (seconds) before it is cut short.
VIDEO_KEYFRAME_GAP = env_int("TRACEOBJECT_VIDEO_KEYFRAME_GAP", 2, minimum=0, maximum=3600)
VIDEO_MAX_SECONDS = env_int("TRACEOBJECT_VIDEO_MAX_SECONDS", 1800, minimum=1,
                            maximum=7 * 24 * 3600)
# The frame viewer's local copies of videos from an S3 evidence store (a folder store is
# read in place): $TRACEOBJECT_HOME/cache/videos/, at most this many bytes (least recently
# used removed first).
VIDEO_CACHE_DIR = HOME / "cache" / "videos"
VIDEO_CACHE_BYTES = env_int("TRACEOBJECT_VIDEO_CACHE_BYTES", 20 * 1024**3, minimum=0)
MEDIA_URL = "/media/"
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG


def _static_file_headers(headers: object, path: str, url: str) -> None:
    from traceobject.core.middleware import static_file_headers

    static_file_headers(headers, path, url)


WHITENOISE_ADD_HEADERS_FUNCTION = _static_file_headers

# Request size: tips are small; a body over this is refused before it is parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("TRACEOBJECT_MAX_BODY_BYTES", 64 * 1024, minimum=1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

# Nothing twice (tips.once, public/views.py): a web form's one-time token is good this many
# hours after the form was drawn (1 to 168); a receipt is shown again to the browser that sent
# the tip, until it is noted down, this many minutes at most (1 to 1440); a mailbox opened
# stays open in that browser this many minutes (1 to 1440).
FORM_TOKEN_HOURS = env_int("TRACEOBJECT_FORM_TOKEN_HOURS", 24, minimum=1, maximum=168)
RECEIPT_SHOWN_MINUTES = env_int("TRACEOBJECT_RECEIPT_SHOWN_MINUTES", 60, minimum=1,
                                maximum=1440)
MAILBOX_OPEN_MINUTES = env_int("TRACEOBJECT_MAILBOX_OPEN_MINUTES", 30, minimum=1, maximum=1440)

# Abuse limits (requests per window per client; the client key lives only as long as the window).
RATE_LIMITS = {
    "tip": (env_int("TRACEOBJECT_TIP_RATE", 10, minimum=1), 600),
    "receipt": (env_int("TRACEOBJECT_RECEIPT_RATE", 20, minimum=1), 600),
}

# --- The public site: who runs it, what its privacy notice says, how far it reaches. ---
# The operator's details appear in every page's footer, on /{lang}/about/ and in the privacy
# notice. Unset, they are an example that says so on every page (`check --deploy` warns in
# production where the public site is served).
OPERATOR_IS_EXAMPLE = not env_str("TRACEOBJECT_OPERATOR_NAME").strip()
OPERATOR = {
    "name": env_str("TRACEOBJECT_OPERATOR_NAME").strip() or "Example Police Agency",
    "address": env_str("TRACEOBJECT_OPERATOR_ADDRESS",
                       "" if not OPERATOR_IS_EXAMPLE else "1 Example Street, 1000 Example City"
                       ).strip(),
    "email": env_email("TRACEOBJECT_OPERATOR_EMAIL",
                       "" if not OPERATOR_IS_EXAMPLE else "contact@example.org"),
    "phone": env_str("TRACEOBJECT_OPERATOR_PHONE").strip(),
    "website": env_url("TRACEOBJECT_OPERATOR_WEBSITE",
                       "" if not OPERATOR_IS_EXAMPLE else "https://www.example.org/"),
    # Legal form, register, who represents the operator: the imprint's further lines.
    "imprint": env_str("TRACEOBJECT_OPERATOR_IMPRINT").strip(),
    "dpo_email": env_email("TRACEOBJECT_OPERATOR_DPO_EMAIL",
                           "" if not OPERATOR_IS_EXAMPLE else "dpo@example.org"),
    # The data protection authority a visitor can complain to.
    "supervisor": env_str("TRACEOBJECT_OPERATOR_SUPERVISOR").strip() or (
        "Example Data Protection Authority" if OPERATOR_IS_EXAMPLE else ""),
    "supervisor_url": env_url("TRACEOBJECT_OPERATOR_SUPERVISOR_URL",
                              "" if not OPERATOR_IS_EXAMPLE else "https://dpa.example.org/"),
    # law-enforcement: the police directive (EU) 2016/680 as national law; public-task: GDPR
    # Art. 6(1)(e). TRACEOBJECT_OPERATOR_LEGAL_BASIS_LAW names the national provision.
    "legal_basis": env_choice("TRACEOBJECT_OPERATOR_LEGAL_BASIS",
                              ("law-enforcement", "public-task"), "law-enforcement"),
    "legal_basis_law": env_str("TRACEOBJECT_OPERATOR_LEGAL_BASIS_LAW").strip(),
}
# Web sites that may show /{lang}/embed/ in a frame (CSP frame-ancestors of that page only;
# every other page may be framed by nobody). Comma-separated origins: https://news.example.
EMBED_ORIGINS = env_origins("TRACEOBJECT_EMBED_ORIGINS")
# How long a shared cache (a CDN) may keep a published picture; browsers keep it an hour.
# Picture addresses are versioned (a new picture gets a new folder), so nothing needs longer.
MEDIA_SHARED_MAX_AGE = env_int("TRACEOBJECT_MEDIA_SHARED_MAX_AGE", 300, minimum=0)
# Called (POST, JSON {"paths", "urls"}) when a withdrawn object's pictures stop being served,
# so that a CDN forgets them at once; the token, if any, goes in "Authorization: Bearer".
CDN_PURGE_URL = env_url("TRACEOBJECT_CDN_PURGE_URL", "")
CDN_PURGE_TOKEN = env_str("TRACEOBJECT_CDN_PURGE_TOKEN").strip()

# Security headers (one policy for development and production; no 'unsafe-inline').
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "interest-cohort=(), browsing-topics=()"
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("TRACEOBJECT_SESSION_SECONDS", 8 * 3600, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("TRACEOBJECT_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("TRACEOBJECT_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

# Logs never contain request bodies: tips, contact addresses and receipts stay out of them.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("TRACEOBJECT_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
    },
}

SILENCED_SYSTEM_CHECKS: list[str] = []
LOGIN_URL = "internal:login"  # core only
LOGIN_REDIRECT_URL = "internal:home"
CSRF_FAILURE_VIEW = "traceobject.public.views.csrf_failure"

# --- Staff accounts (accounts app): sign-in with password and TOTP, lock-out, sessions. ---
# The Django admin requires the second factor and the administrator role as well.
INSTALLED_APPS = [
    "traceobject.accounts.admin_apps.StaffAdminConfig" if app == "django.contrib.admin" else app
    for app in INSTALLED_APPS
]
# Signs staff out of /internal/ after this long without a request.
if not EDGE:
    MIDDLEWARE = [*MIDDLEWARE, "traceobject.accounts.middleware.IdleTimeoutMiddleware",
                  # a signed-in person's chosen language (after LocaleMiddleware's guess)
                  "traceobject.accounts.middleware.StaffLanguageMiddleware",
                  # and the time zone times are shown in
                  "traceobject.accounts.middleware.StaffTimeZoneMiddleware"]
TRACEOBJECT_IDLE_SECONDS = env_int("TRACEOBJECT_IDLE_SECONDS", 30 * 60, minimum=60)
# Sensitive actions need password and code again when the last confirmation is older.
TRACEOBJECT_REAUTH_SECONDS = env_int("TRACEOBJECT_REAUTH_SECONDS", 300, minimum=30)
# After this many failed passwords or codes for one user name within the window, the name is
# locked for TRACEOBJECT_SIGNIN_LOCK_SECONDS (known and unknown names alike).
TRACEOBJECT_SIGNIN_MAX_FAILURES = env_int("TRACEOBJECT_SIGNIN_MAX_FAILURES", 5, minimum=1)
TRACEOBJECT_SIGNIN_WINDOW_SECONDS = env_int("TRACEOBJECT_SIGNIN_WINDOW_SECONDS", 900, minimum=60)
TRACEOBJECT_SIGNIN_LOCK_SECONDS = env_int("TRACEOBJECT_SIGNIN_LOCK_SECONDS", 900, minimum=60)
RATE_LIMITS["signin"] = (env_int("TRACEOBJECT_SIGNIN_RATE", 30, minimum=1), 600)
# API tokens are stored as HMAC-SHA256 under this key (empty: derived from SECRET_KEY).
TRACEOBJECT_API_TOKEN_KEY = env_str("TRACEOBJECT_API_TOKEN_KEY")
OTP_TOTP_ISSUER = env_str("TRACEOBJECT_TOTP_ISSUER", "traceobject")

# --- Operations (ops): retention, periodic scheduler. ---
# Contact addresses and mailbox messages of a tip are purged this many days after it was
# closed; spam tips are deleted whole this many days after they were closed (daily task).
# Export files are deleted this many days after they were written (hourly task).
TRACEOBJECT_RETENTION_DAYS = env_int("TRACEOBJECT_RETENTION_DAYS", 180, minimum=1)
TRACEOBJECT_SPAM_RETENTION_DAYS = env_int("TRACEOBJECT_SPAM_RETENTION_DAYS", 30, minimum=1)
TRACEOBJECT_EXPORT_RETENTION_DAYS = env_int("TRACEOBJECT_EXPORT_RETENTION_DAYS", 30, minimum=1)
# A task worker renews its lease every quarter of this; a task left running by a worker whose
# lease ran out (killed) is queued again after this long (core/task_leases.py).
TRACEOBJECT_WORKER_LEASE_SECONDS = env_int("TRACEOBJECT_WORKER_LEASE_SECONDS", 60, minimum=2)

# --- Hardening: input no database can store (NUL, lone surrogates) in a path or query string
# is refused with 400 before any view; placed after the CSP middleware so the 400 page has the
# site's headers too. ---
MIDDLEWARE.insert(MIDDLEWARE.index("csp.middleware.CSPMiddleware") + 1,
                  "traceobject.core.middleware.RequestInputMiddleware")

# --- Hardening: private files whatever the umask. Everything the processes create (database,
# keys, evidence, crops, exports, indexes) is 0600 / 0700: the umask is set here (and by the
# `traceobject` command before anything else), and storages write with explicit modes (Django's
# own default, 0644, ignores the umask). Published pictures and static files stay readable.
# `traceobject manage check --deploy` warns on such files readable by others (core/checks.py).
PRIVATE_UMASK = 0o077
os.umask(PRIVATE_UMASK)
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
for _public in ("default", "staticfiles"):
    if STORAGES[_public]["BACKEND"].endswith("S3Storage"):
        continue  # a bucket has no file modes
    STORAGES[_public]["OPTIONS"] = {**STORAGES[_public].get("OPTIONS", {}),
                                    "file_permissions_mode": 0o644,
                                    "directory_permissions_mode": 0o755}
