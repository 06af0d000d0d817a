"""gunicorn settings for credbridge in production.

Used by ``credbridge serve`` when CREDBRIDGE_ENV=production. That command passes its own
``--bind HOST:PORT`` on the command line, which wins over ``bind`` below. Running gunicorn
directly uses everything here:

    gunicorn -c config/gunicorn.conf.py 'lti_tool.web.app:create_app()'

Application settings (DATABASE_URL, SECRET_KEY, ...) are not read here. Each worker reads them
from the environment when it calls ``create_app()``. This file holds no secrets.
"""

import os

# The app factory; a positional APP argument on the command line overrides it.
wsgi_app = "lti_tool.web.app:create_app()"

# Where to listen. Keep it on loopback behind a reverse proxy that terminates TLS.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")


def _cpu_count() -> int:
    """CPUs this process may use (respects container and affinity limits where the OS tells)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not available on macOS
        return os.cpu_count() or 1


# 2 x CPUs + 1 sync workers. The cap keeps the number of database connections (each worker has
# its own pool) and the memory in check on large hosts. Set GUNICORN_WORKERS to choose.
MAX_WORKERS = 8
workers = int(os.environ.get("GUNICORN_WORKERS", "0")) or min(2 * _cpu_count() + 1, MAX_WORKERS)

# Evidence uploads can be hundreds of megabytes (CREDBRIDGE_MAX_UPLOAD_BYTES). A sync worker
# that takes longer than this on a single request is killed and restarted, so let the reverse
# proxy buffer request bodies (nginx does by default) and hand them over at local speed.
timeout = 120
graceful_timeout = 30
keepalive = 5

# Trust X-Forwarded-Proto (and the other forwarded headers gunicorn knows) only from these
# addresses: the reverse proxy. A comma-separated list; "*" trusts everyone.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs go to stdout/stderr, for systemd, Docker or whatever runs the process.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
