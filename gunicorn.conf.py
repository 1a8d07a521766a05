"""gunicorn settings for CoWiki: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every setting can be changed with an environment variable (GUNICORN_*), so the same file serves
production, the benchmark (`make bench`) and a laptop.
"""
import gc
import multiprocessing
import os


def _int(name, default):
    try:
        return int(os.environ[name])
    except (KeyError, ValueError):
        return default


def _float(name, default):
    try:
        return float(os.environ[name])
    except (KeyError, ValueError):
        return default


def _flag(name, default):
    raw = os.environ.get(name)
    return default if raw is None else raw.strip().lower() in {"1", "true", "yes", "on"}


cores = multiprocessing.cpu_count()

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Processes rather than threads: a worker's threads share one GIL, and a thread back from the
# database or the socket waits up to 5 ms for it behind its siblings. Measured at 16 clients on
# 2 cores (signed-in page views, p95): 5 workers × 4 threads 46-56 ms, 8 × 2 40-46 ms; votes
# 230-268 against 268-358 req/s. Capped so a big machine does not open hundreds of connections.
workers = _int("GUNICORN_WORKERS", min(4 * cores, 12))
# two threads per worker still overlap one request's database or network wait with another
threads = _int("GUNICORN_THREADS", 2)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS") or ("gthread" if threads > 1 else "sync")
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# how often (ms) a thread holding the GIL must hand it to another thread of its worker; Python's
# default is 5 ms, so a thread that holds SQLite's write lock and gives up the GIL for each
# statement may wait that long to continue while the other threads render pages
switch_interval_ms = _float("GUNICORN_SWITCH_INTERVAL_MS", None)
# recycle workers now and then so slow leaks cannot grow without bound (0: never); a fresh
# worker starts cold (search searcher, statement caches), so not too often on a busy site
max_requests = _int("GUNICORN_MAX_REQUESTS", 50000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 5000) if max_requests else 0
# load the app once in the master, then fork: faster start, less memory
preload_app = _flag("GUNICORN_PRELOAD", True)
# Each worker listens on its own socket (SO_REUSEPORT) and the kernel spreads new connections
# over them. With one shared socket, the worker that wakes first takes them: 13 of 16 keep-alive
# connections went to one worker, which could use one core (bare-Flask ceiling 2,100 against
# 4,400 req/s). But a worker that is replaced (max_requests, a reload) drops the connections
# waiting in its own queue, which clients see as errors (23 in 20 s with a restart every 3,000
# requests), unless Linux hands them to a sibling: sysctl net.ipv4.tcp_migrate_req=1 (Linux 5.14
# and later; 0 errors in the same run). So it is on by default only where that is set.
MIGRATE_REQ = "/proc/sys/net/ipv4/tcp_migrate_req"


def migrates_waiting_connections(path=MIGRATE_REQ):
    try:
        with open(path) as setting:
            return setting.read().strip() == "1"
    except OSError:
        return False


reuse_port = _flag("GUNICORN_REUSE_PORT", migrates_waiting_connections())
# access log to stdout by default; set GUNICORN_ACCESS_LOG="" to switch it off (the benchmark does)
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# behind a reverse proxy on the same host, trust its X-Forwarded-* headers
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def when_ready(server):
    """With preload_app the master holds the application: compile its templates there once, so
    every worker forked from it (restarted ones too) serves its first pages without compiling."""
    if not preload_app:
        return
    try:
        from wiki.templating import compile_templates
    except ImportError:
        return
    app = server.app.wsgi()
    if hasattr(app, "jinja_env"):
        server.log.info("Compiled %d templates before forking", compile_templates(app))


def pre_fork(server, worker):
    """Before each fork, move everything the master holds (with preload_app the application and
    its compiled templates, about 150,000 objects) into the garbage collector's permanent
    generation. A worker's full collection walked all of them, 70-80 ms in which both of its
    threads stood still, a few times a minute under load; it now walks what the worker made
    itself (1 ms). The collector also no longer writes to the inherited objects, so the memory
    pages the workers share with the master stay shared."""
    gc.freeze()


def post_worker_init(worker):
    """The same for what a worker loaded itself (the application, when it is not preloaded)."""
    gc.freeze()


def post_fork(server, worker):
    """Database connections made in the master (with preload_app) must not be shared by workers."""
    if switch_interval_ms:
        import sys

        sys.setswitchinterval(switch_interval_ms / 1000)
    try:
        from wiki.extensions import db
    except ImportError:
        return
    for engines in list(getattr(db, "_app_engines", {}).values()):
        for engine in list(engines.values()):
            engine.dispose(close=False)
