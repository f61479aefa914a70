"""Settings shared by every environment; configuration comes from the environment."""

from __future__ import annotations

import ipaddress
import os
from datetime import date, timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from casereview.domain import language
from casereview.web.core.static_headers import static_headers

from .mail import EmailUrlError, base_url, email_settings

SRC_DIR = Path(__file__).resolve().parents[2]
PROJECT_DIR = Path(os.environ.get("CASEREVIEW_HOME", Path.cwd())).resolve()
VAR_DIR = Path(os.environ.get("CASEREVIEW_VAR_DIR", PROJECT_DIR / "var"))

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = [h for h in os.environ.get("CASEREVIEW_ALLOWED_HOSTS", "").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "casereview.web.core",
    "casereview.web.accounts",
    "casereview.web.journal",
    "casereview.web.registers",
    "casereview.web.inspections",
    "casereview.web.reviews",
    "casereview.web.referrals",
    "casereview.web.reports",
    "casereview.web.followup",
    "casereview.web.calibration",
    "casereview.web.api",
    "casereview.web.notifications",
    "casereview.web.language",
]

MIDDLEWARE = [
    # Outermost, so the HTTPS redirect (SECURE_SSL_REDIRECT) answered by SecurityMiddleware is never cached either.
    "casereview.web.core.middleware.NoStoreMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Welsh or English (casereview.domain.language), in place of Django's LocaleMiddleware: it needs the signed-in
    # person (so after authentication), and it never reads Accept-Language; with no language prefixes in the
    # addresses nothing before it (CommonMiddleware's slash redirect) needs the language.
    "casereview.web.language.middleware.LanguageMiddleware",
    "casereview.web.accounts.middleware.SessionLimitsMiddleware",
    "casereview.web.accounts.middleware.RequireSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "casereview.web.journal.middleware.JournalDenialsMiddleware",
    "casereview.web.api.middleware.ApiJournalMiddleware",
    "casereview.web.core.middleware.DatabaseUnavailableMiddleware",
    "casereview.web.core.middleware.RefuseNulMiddleware",
    "casereview.web.core.middleware.RefusalsMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lock-out (casereview.domain.sign_in): 5 failures lock a username, and a separate, much higher
# number from one address (password spraying) locks that address, each for 30 minutes; one office
# shares an address, so its typos never reach the address limit.  axes counts per username (its one
# limit); accounts.lockout.LockoutHandler adds the address limit.  The response is the same whether
# or not the username exists, and whichever lock refused it.
AXES_FAILURE_LIMIT = 5
CASEREVIEW_LOCKOUT_IP_FAILURES = int(os.environ.get("CASEREVIEW_LOCKOUT_IP_FAILURES", 100))
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_HANDLER = "casereview.web.accounts.lockout.LockoutHandler"
# axes warns when "ip_address" is not among its lock-out parameters (addresses would go unlimited); here
# the handler limits addresses itself, at their own limit, so the warning does not apply.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# Behind this many proxies that append to X-Forwarded-For (e.g. 1 for nginx in front), a sign-in's address is
# the one the outermost proxy saw; with 0 it is the connection's own (accounts.lockout.client_address).
# Deprecated: CASEREVIEW_TRUSTED_PROXIES is preferred and wins when both are set.
CASEREVIEW_PROXY_COUNT = int(os.environ.get("CASEREVIEW_PROXY_COUNT", 0))
# The proxies in front (comma-separated addresses or networks, e.g. "10.0.0.5,10.1.0.0/16"; "none" says there are
# none): X-Forwarded-For is read only from them, and a sign-in's address is its right-most entry that is not one of them.
CASEREVIEW_TRUSTED_PROXIES = [
    p.strip()
    for p in os.environ.get("CASEREVIEW_TRUSTED_PROXIES", "").split(",")
    if p.strip() and p.strip().lower() != "none"
]
for _proxy in CASEREVIEW_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"CASEREVIEW_TRUSTED_PROXIES: {_proxy[:50]!r} is not an address or network (e.g. 10.0.0.5 or 10.1.0.0/16)"
        ) from None
AXES_CLIENT_IP_CALLABLE = "casereview.web.accounts.lockout.client_address"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False
AXES_USERNAME_FORM_FIELD = "username"
# A typed username that matches no user (often a password typed in the wrong box) is counted and kept
# only as its keyed hash (accounts.usernames); existing users' usernames are counted under themselves.
AXES_USERNAME_CALLABLE = "casereview.web.accounts.usernames.axes_username"

OTP_TOTP_ISSUER = "casereview"
CASEREVIEW_RECOVERY_CODES = 10
# Changing someone's account needs a sign-in (or confirming it is you) this recent.
CASEREVIEW_RECENT_SIGN_IN_SECONDS = 15 * 60
# Single sign-on through the organisation's OpenID Connect provider (docs/deployment.md, docs/security.md):
# off while CASEREVIEW_OIDC_ISSUER is empty.  "mapping" is the path of the TOML file that maps the provider's
# groups to casereview roles (casereview.domain.sso); production.py refuses to start with an unusable one.
CASEREVIEW_OIDC = {
    "issuer": os.environ.get("CASEREVIEW_OIDC_ISSUER", "").strip(),  # exactly: "/" at the end too
    "client_id": os.environ.get("CASEREVIEW_OIDC_CLIENT_ID", "").strip(),
    "client_secret": os.environ.get("CASEREVIEW_OIDC_CLIENT_SECRET", ""),
    "mapping": os.environ.get("CASEREVIEW_OIDC_MAPPING", "").strip(),
    "scopes": os.environ.get("CASEREVIEW_OIDC_SCOPES", "").strip() or "openid profile email",
    "label": os.environ.get("CASEREVIEW_OIDC_LABEL", "").strip()
    or "Sign in with your organisation's account",
    # The callback and signed-out addresses are built on CASEREVIEW_BASE_URL when it is set (one fixed
    # address, as registered at the provider), else on the request's host (checked against ALLOWED_HOSTS).
    "base_url": os.environ.get("CASEREVIEW_BASE_URL", "").strip().rstrip("/"),
}
# Seconds casereview waits for the provider (discovery, keys, token) before refusing the sign-in.
CASEREVIEW_OIDC_TIMEOUT = float(os.environ.get("CASEREVIEW_OIDC_TIMEOUT", 5))
# Seconds the provider's discovery document and keys are kept before they are fetched again (a key the
# provider withdraws stops being trusted within this time).
CASEREVIEW_OIDC_METADATA_SECONDS = float(os.environ.get("CASEREVIEW_OIDC_METADATA_SECONDS", 3600))
# Who people who cannot sign in should contact (plain text, shown on "Problem signing in?").
CASEREVIEW_SUPPORT_CONTACT = os.environ.get("CASEREVIEW_SUPPORT_CONTACT", "")
# The accessibility statement (/accessibility/): who runs this copy of casereview, and how to report an
# accessibility problem or ask for another format (plain text; the support contact when not set).
CASEREVIEW_ORGANISATION = os.environ.get("CASEREVIEW_ORGANISATION", "")
CASEREVIEW_ACCESSIBILITY_CONTACT = os.environ.get("CASEREVIEW_ACCESSIBILITY_CONTACT", "")

ROOT_URLCONF = "casereview.web.urls"
WSGI_APPLICATION = "casereview.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "casereview.web.core.context_processors.navigation",
                "casereview.web.language.context_processors.language",
            ],
        },
    }
]

SQLITE_PATH = VAR_DIR / "casereview.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"), conn_max_age=60
    )
}
# A persistent connection the server dropped (restart, failover) is noticed before a request uses it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets pages read while an import writes; NORMAL is durable at
    # transaction boundaries under WAL.  IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;PRAGMA busy_timeout=10000;PRAGMA cache_size=-65536;"
        ),
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
LOGIN_URL_PATH = "/login/"

# Sessions end after 15 minutes idle and 12 hours after sign-in whatever happens
# (SessionLimitsMiddleware).  The idle expiry moves on when the session is saved,
# which SessionLimitsMiddleware does at most once a minute rather than on every
# request (a database write each page): a session may end up to a minute early,
# never late.
SESSION_COOKIE_AGE = 15 * 60
SESSION_SAVE_EVERY_REQUEST = False
CASEREVIEW_SESSION_TOUCH_SECONDS = 60
CASEREVIEW_SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
# Every signed-in page warns this long before the idle limit ("Stay signed in"; docs/security.md).
CASEREVIEW_SESSION_WARNING_SECONDS = 2 * 60
# Answers posted after the session ended are kept for the person this long (accounts/kept.py); the signed
# cookie naming the person lives as long.
CASEREVIEW_KEPT_ANSWERS_SECONDS = 24 * 60 * 60
# An expired form says so and keeps what it can (accounts/session_views.py).
CSRF_FAILURE_VIEW = "casereview.web.accounts.session_views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LANGUAGE_CODE = language.DEFAULT
# English and Welsh (docs/welsh.md): each named in itself, for the switch on every page.
LANGUAGES = list(language.LANGUAGES.items())
LOCALE_PATHS = [SRC_DIR / "locale"]
# The switch's cookie keeps the choice of a browser nobody is signed in on (the sign-in page's own switch).
LANGUAGE_COOKIE_NAME = "casereview_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/London"
USE_I18N = True
# Welsh is offered unless this is turned off (docs/welsh.md): the whole service, its e-mails and its reports
# are in Welsh too (Welsh Language Standards), so an installation in Wales needs nothing set.  "0", "false",
# "no" or "off" turns it off: no switch, every page English (an installation that serves no Welsh body).
CASEREVIEW_WELSH = os.environ.get("CASEREVIEW_WELSH", "").strip().lower() not in {
    "0",
    "false",
    "no",
    "off",
}
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [SRC_DIR / "web" / "static"]
# GOV.UK Frontend's CSS refers to /assets/...; whitenoise serves that folder at the root.
WHITENOISE_ROOT = SRC_DIR / "web" / "static" / "root"
# whitenoise answers before the middleware that adds the security headers: it adds them itself.
WHITENOISE_ADD_HEADERS_FUNCTION = static_headers
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Register import limits: refused before parsing.
CASEREVIEW_MAX_REGISTER_BYTES = int(os.environ.get("CASEREVIEW_MAX_REGISTER_BYTES", 1024**3))
CASEREVIEW_MAX_XLSX_UNCOMPRESSED_BYTES = int(
    os.environ.get("CASEREVIEW_MAX_XLSX_UNCOMPRESSED_BYTES", 2 * 1024**3)
)
CASEREVIEW_MAX_XLSX_ENTRIES = int(os.environ.get("CASEREVIEW_MAX_XLSX_ENTRIES", 1000))
# Hostile files (docs/security.md, "Import limits"): each is checked while the file is read, in bounded memory.
CASEREVIEW_MAX_XLSX_PART_BYTES = int(
    os.environ.get("CASEREVIEW_MAX_XLSX_PART_BYTES", 512 * 1024**2)
)
CASEREVIEW_MAX_CELL_CHARS = int(os.environ.get("CASEREVIEW_MAX_CELL_CHARS", 100_000))
# All the text of a workbook's shared strings (openpyxl holds them all in memory while reading).
CASEREVIEW_MAX_XLSX_SHARED_STRINGS_CHARS = int(
    os.environ.get("CASEREVIEW_MAX_XLSX_SHARED_STRINGS_CHARS", 50_000_000)
)
# Any other part of a workbook (workbook, styles, theme, properties, relationships): openpyxl loads them whole.
CASEREVIEW_MAX_XLSX_OTHER_PART_BYTES = int(
    os.environ.get("CASEREVIEW_MAX_XLSX_OTHER_PART_BYTES", 16 * 1024**2)
)
CASEREVIEW_MAX_IMPORT_ROWS = int(os.environ.get("CASEREVIEW_MAX_IMPORT_ROWS", 10_000_000))
CASEREVIEW_MAX_IMPORT_COLUMNS = int(os.environ.get("CASEREVIEW_MAX_IMPORT_COLUMNS", 200))
CASEREVIEW_MAX_IMPORT_SECONDS = float(os.environ.get("CASEREVIEW_MAX_IMPORT_SECONDS", 600))
# A reviews spreadsheet (`casereview import-reviews`) holds one row per review; its rows are checked together.
CASEREVIEW_MAX_REVIEW_ROWS = int(os.environ.get("CASEREVIEW_MAX_REVIEW_ROWS", 100_000))
# Row errors kept per column and kind of problem (the rest are counted); error CSVs of refused uploads are
# deleted on download, by `casereview purge`, and after this many hours.
CASEREVIEW_MAX_ERRORS_PER_KIND = int(os.environ.get("CASEREVIEW_MAX_ERRORS_PER_KIND", 1000))
CASEREVIEW_ERROR_REPORT_HOURS = float(os.environ.get("CASEREVIEW_ERROR_REPORT_HOURS", 24))
CASEREVIEW_IMPORT_BATCH_ROWS = int(os.environ.get("CASEREVIEW_IMPORT_BATCH_ROWS", 100_000))
# Plausible register dates (docs/register-format.md): from CASEREVIEW_EARLIEST_DATE (ISO) to
# CASEREVIEW_LATEST_DATE_YEARS years after the import; a date outside is a row error.
try:
    CASEREVIEW_EARLIEST_DATE = date.fromisoformat(
        os.environ.get("CASEREVIEW_EARLIEST_DATE", "1990-01-01")
    )
except ValueError as exc:
    raise ImproperlyConfigured(
        "CASEREVIEW_EARLIEST_DATE must be a date in yyyy-mm-dd form"
    ) from exc
CASEREVIEW_LATEST_DATE_YEARS = int(os.environ.get("CASEREVIEW_LATEST_DATE_YEARS", 1))
# The report's volume table: the inspection's period and at most this many quarters before it (docs/reports.md).
CASEREVIEW_VOLUME_QUARTERS_BEFORE = int(os.environ.get("CASEREVIEW_VOLUME_QUARTERS_BEFORE", 12))
CASEREVIEW_PSEUDONYM_KEY = os.environ.get("CASEREVIEW_PSEUDONYM_KEY", "")
# Working days the body has to answer a send back, by urgency (England and Wales bank holidays excluded).
# Links between cases (docs/links.md): the thresholds of the three patterns and how many related cases
# the review page lists per kind.  Shown with every figure that uses them; changing them takes effect when
# links are next computed (`casereview links INSPECTION --recompute`).
CASEREVIEW_LINK_RULES = {
    "repeat_missing_cases": 3,  # a child missing this many times ...
    "repeat_missing_days": 90,  # ... within this many days
    "place_cases": 3,  # a place with this many cases of the categories below ...
    "place_days": 90,  # ... within this many days
    "place_categories": [
        "child_sexual_exploitation",
        "child_criminal_exploitation",
        "missing_child",
    ],
    "suspect_children": 2,  # a suspect on cases of this many different children
    "listed": 20,
}
# The weakness the review page's related-cases panel offers, and the framework area it is recorded under.
CASEREVIEW_LINK_WEAKNESS = {"code": "W15", "area": "assessment_and_help"}
CASEREVIEW_SEND_BACK_WORKING_DAYS = {"immediate": 0, "priority": 5, "routine": 20}
CASEREVIEW_RETENTION_YEARS = int(os.environ.get("CASEREVIEW_RETENTION_YEARS", 6))
# Signs journal anchors; keep it outside the database (and its backups).
CASEREVIEW_JOURNAL_ANCHOR_KEY = os.environ.get("CASEREVIEW_JOURNAL_ANCHOR_KEY", "")
# Automatic anchoring (docs/security.md, "Anchors"): when an append brings the journal this many entries or
# minutes past the last anchor, the head is anchored and the anchor's line appended to the anchor file (kept
# outside the database and its backups; unset: anchors stay in the database only).  0 turns a rule off;
# CASEREVIEW_JOURNAL_ANCHOR_AUTOMATIC=0 turns automatic anchoring off (anchor from cron instead).  The journal
# page warns when the last anchor is older than the minutes.
CASEREVIEW_JOURNAL_ANCHOR_FILE = os.environ.get("CASEREVIEW_JOURNAL_ANCHOR_FILE", "")
CASEREVIEW_JOURNAL_ANCHOR_EVERY_ENTRIES = int(
    os.environ.get("CASEREVIEW_JOURNAL_ANCHOR_EVERY_ENTRIES", 1000)
)
CASEREVIEW_JOURNAL_ANCHOR_EVERY_MINUTES = int(
    os.environ.get("CASEREVIEW_JOURNAL_ANCHOR_EVERY_MINUTES", 60)
)
CASEREVIEW_JOURNAL_ANCHOR_AUTOMATIC = (
    os.environ.get("CASEREVIEW_JOURNAL_ANCHOR_AUTOMATIC", "1") != "0"
)
# Web uploads are spooled to disk by Django beyond this; the file limit above still applies.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024**2
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024**2
FILE_UPLOAD_TEMP_DIR = None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# API tokens: requests per minute per token unless the token says otherwise, and the longest life.
CASEREVIEW_API_RATE_PER_MINUTE = int(os.environ.get("CASEREVIEW_API_RATE_PER_MINUTE", 120))
CASEREVIEW_API_TOKEN_MAX_DAYS = int(os.environ.get("CASEREVIEW_API_TOKEN_MAX_DAYS", 366))

# E-mail (docs/deployment.md): the server from one address, CASEREVIEW_EMAIL_URL (settings/mail.py), and the
# sender.  Notifications go through the outbox (casereview.web.notifications): written with the event, sent after
# it commits, retried by `casereview notify send` with back-off up to CASEREVIEW_EMAIL_MAX_ATTEMPTS tries.
CASEREVIEW_EMAIL_URL = os.environ.get("CASEREVIEW_EMAIL_URL", "")
CASEREVIEW_EMAIL_FROM = os.environ.get("CASEREVIEW_EMAIL_FROM", "")
DEFAULT_FROM_EMAIL = SERVER_EMAIL = CASEREVIEW_EMAIL_FROM or "casereview@localhost"
try:
    if CASEREVIEW_EMAIL_URL:
        globals().update(
            email_settings(CASEREVIEW_EMAIL_URL)
        )  # EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, ...
    # The service's own address, for links in e-mail.
    CASEREVIEW_BASE_URL = base_url(os.environ.get("CASEREVIEW_BASE_URL", "http://127.0.0.1:8000"))
except EmailUrlError as _exc:
    raise ImproperlyConfigured(str(_exc)) from None
CASEREVIEW_EMAIL_MAX_ATTEMPTS = int(os.environ.get("CASEREVIEW_EMAIL_MAX_ATTEMPTS", 10))
