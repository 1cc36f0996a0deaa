"""Settings of a minimal Django site acting as an OpenID Connect provider (stock django-oauth-toolkit)."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# Per-run state (database, RSA key) lives in a temp dir owned by the test fixture.
STATE_DIR = Path(os.environ["DJANGO_IDP_STATE_DIR"])

SECRET_KEY = "test-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "idp.urls"
USE_TZ = True

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
    "idp",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
# Django's default would 301 a GET to the slash-less discovery URL; the portal must not rely on that
# (a site may disable it, and a 301 for POST fails anyway), so the fixture serves only what DOT routes.
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": STATE_DIR / "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
LOGIN_URL = "/accounts/login/"

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": (STATE_DIR / "oidc.key").read_text(),
    # DOT 1.7 otherwise derives the issuer from each request's Host header, so localhost vs 127.0.0.1 differ.
    "OIDC_ISS_ENDPOINT": os.environ["DJANGO_IDP_ISSUER"],
    "PKCE_REQUIRED": True,
    "SCOPES": {"openid": "OpenID Connect", "profile": "Your name", "email": "Your email address"},
    "OAUTH2_VALIDATOR_CLASS": "idp.validators.ClaimsValidator",
    # As the portal's README asks of the site: a refresh whose answer was lost (a timeout, a proxy's 504) may be
    # repeated for a while with the old token instead of ending the user's sign-in. Deactivation deletes tokens
    # (idp/signals.py), which no grace period brings back.
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 120,
}

# Only errors (with tracebacks, which DEBUG=False would otherwise hide) reach stderr, which the fixture keeps.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "ERROR"},
    "loggers": {"django": {"handlers": ["stderr"], "level": "ERROR", "propagate": False}},
}
