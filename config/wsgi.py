"""WSGI entry point: `gunicorn config.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# Name the release now, as the code is loaded (in gunicorn's master, with
# preload_app), not at a worker's first request after files may have changed.
from config.caching import release  # noqa: E402

release()
