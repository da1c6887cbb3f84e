"""The environment a test run needs, then the one settings module unchanged.

Tests run with debug off, as production does; they need a secret key, plain HTTP
for the test client, and static files served from the finders (no collectstatic).
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("DJANGO_HTTPS", "false")
os.environ.setdefault("WAYMARK_STATIC_FROM_SOURCE", "true")

from config.settings import *  # noqa: F403

# Fast hashing: the suite creates and signs in hundreds of users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
