"""Gunicorn settings for production: `make serve`, or
`gunicorn -c config/gunicorn.py config.wsgi`.

Every value can be overridden from the environment, so one file serves a laptop,
the benchmark and a container. Logs (access and errors) go to stdout/stderr.
"""

import os

from gunicorn.glogging import Logger

from config.redact import redact

bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
# Sync workers: each request holds one database connection, reused across
# requests (CONN_MAX_AGE), so a worker count bounds the connections per server.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then, so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
# Load the application once in the master, then fork: less memory, faster starts.
preload_app = True
# Heartbeat files in memory, not on a possibly slow disk.
SHARED_MEMORY = "/dev/shm"  # noqa: S108 - gunicorn heartbeat files, not data
worker_tmp_dir = SHARED_MEMORY if os.path.isdir(SHARED_MEMORY) else None

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'


class RedactingLogger(Logger):
    """gunicorn's logger, with the secrets some links carry in their path (an
    invitation token, say) replaced by [redacted] in every access log field."""

    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }


logger_class = RedactingLogger
# Behind a load balancer that sets X-Forwarded-*, trust it (comma-separated IPs).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
