"""gunicorn settings for the production image (``gunicorn -c gunicorn.conf.py portal.wsgi``).

Each value can be overridden from the environment. Partner Center work runs in Celery, so a web
request is short: the timeout only has to cover a slow page, never a call to Partner Center.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "25"))
keepalive = 5
# Load Django once in the master before forking: the first request (a healthcheck, often) does not
# pay for the imports, and the workers share that memory.
preload_app = True
# Restart workers now and then so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
# X-Forwarded-Proto/-For are believed only from the TLS proxy's address (docker-compose.yml sets
# it); anyone else who reaches gunicorn directly is plain http, whatever headers they send.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# No runtime control socket: the container is managed by compose (and a shared default path would
# let two gunicorns on one machine take each other's socket).
control_socket_disable = True

# Production logs are JSON lines (portal.log_format), the access log included.
if os.environ.get("LOG_FORMAT", "json") == "json":
    _json = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
    logconfig_dict = {
        "formatters": {"json": {"()": "portal.log_format.PortalJsonFormatter"}},
        "handlers": {"json": _json},
        "root": {"level": "INFO", "handlers": ["json"]},
        "loggers": {
            name: {"level": "INFO", "handlers": ["json"], "propagate": False}
            for name in ("gunicorn.error", "gunicorn.access")
        },
    }
