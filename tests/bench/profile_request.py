"""Time (and optionally profile) one URL in process, against an instance that `make bench` seeded
and kept (`tests/bench/run.py --keep` prints its folder).

    python tests/bench/profile_request.py --instance /tmp/cowiki-bench-xxxx /wiki/some-page
    python tests/bench/profile_request.py --instance DIR --login /wiki/some-page --profile
    python tests/bench/profile_request.py --instance DIR --method PUT --token \
        --json '{"value": 1}' --json '{"value": -1}' /api/v1/pages/some-proposal/vote
    PROFILE_SORT=tottime python tests/bench/profile_request.py … --profile   # self time first
    python tests/bench/profile_request.py --instance DIR -n 6000 --gc [--freeze] /wiki/some-page

Every request goes through the whole WSGI application (the test client's own cost is small and
the same for the bare-Flask line printed for comparison). The first request is left out of the
timing; with ``--cold`` the page cache is cleared before every request, so each one is a miss.
A write is sent with ``--method`` and ``--json`` bodies, taken in turn (so a vote that alternates
its value changes something every time), as the manifest's first API token with ``--token``.
``--gc`` reports the garbage collector's full collections during the timed requests (each stops
every thread of a worker); ``--freeze`` first freezes what is loaded, as gunicorn.conf.py does
before it forks a worker.
"""
import argparse
import cProfile
import gc
import itertools
import json
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--instance", required=True, help="a kept benchmark instance folder")
    parser.add_argument("--database-url", default=None, help="default: the instance's wiki.db")
    parser.add_argument("-n", type=int, default=200, help="timed requests")
    parser.add_argument("--login", action="store_true", help="as the manifest's logged-in user")
    parser.add_argument("--cold", action="store_true", help="clear the page cache before each")
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--json", action="append", default=[],
                        help="a JSON body; given more than once, the bodies are sent in turn")
    parser.add_argument("--token", action="store_true", help="as the manifest's first API token")
    parser.add_argument("--gc", action="store_true", help="report full garbage collections")
    parser.add_argument("--freeze", action="store_true",
                        help="gc.freeze() after the first request, as gunicorn.conf.py does")
    return parser.parse_args(argv)


def sender(client, path, method="GET", bodies=(), headers=None):
    """A function making the next request: ``method`` on ``path``, with the next of ``bodies``."""
    turn = itertools.cycle(bodies or [None])

    def send():
        body = next(turn)
        return client.open(path, method=method, data=body, headers=headers or {},
                           content_type="application/json" if body is not None else None)

    return send


class FullCollections(list):
    """The length in ms of each full (generation 2) collection from now on, while its callback
    is in ``gc.callbacks``."""

    def __init__(self):
        super().__init__()
        self._began = None
        gc.callbacks.append(self.note)

    def note(self, phase, info):
        if info["generation"] != 2:
            return
        if phase == "start":
            self._began = time.perf_counter()
        elif self._began is not None:
            self.append((time.perf_counter() - self._began) * 1000)


def timed(send, n, before=None):
    send()
    times, cpu = [], []
    for _ in range(n):
        if before:
            before()
        began, began_cpu = time.perf_counter(), time.thread_time()
        response = send()
        times.append((time.perf_counter() - began) * 1000)
        cpu.append((time.thread_time() - began_cpu) * 1000)
    return response, (times, cpu)


def summary(measured):
    times, cpu = (sorted(m) for m in measured)
    return (f"wall mean {statistics.fmean(times):.2f} ms  p50 {times[len(times) // 2]:.2f}  "
            f"p95 {times[int(len(times) * 0.95) - 1]:.2f}  |  CPU p50 {cpu[len(cpu) // 2]:.2f} ms "
            "(less disturbed by other work on the machine)")


def main(argv=None):
    args = parse_args(argv)
    instance = Path(args.instance)
    os.environ.update(COWIKI_INSTANCE_PATH=str(instance), SECRET_KEY="bench-secret",
                      RATELIMIT_ENABLED="false",
                      DATABASE_URL=args.database_url or f"sqlite:///{instance / 'wiki.db'}")
    from tests.bench.bare_app import app as bare
    from wiki import create_app
    from wiki.extensions import cache

    app = create_app()
    client = app.test_client()
    manifest = json.loads((instance / "manifest.json").read_text())
    headers = {"Authorization": f"Bearer {manifest['tokens'][0]}"} if args.token else {}
    if args.login:
        page = client.get("/auth/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        client.post("/auth/login", data={"username": manifest["login"],
                                         "password": manifest["password"], "csrf_token": token})
    before = None
    if args.cold:
        def before():
            with app.app_context():
                cache.clear()
            near = app.extensions.get("pagecache_near")
            if near is not None:  # this process's copies of Redis entries
                near.clear()
    send = sender(client, args.path, args.method, args.json, headers)
    send()
    if args.freeze:
        gc.freeze()
    pauses = FullCollections() if args.gc else None
    response, times = timed(send, args.n, before)
    if pauses is not None:
        gc.callbacks.remove(pauses.note)
    print(f"{args.path}: {response.status_code}, {len(response.data)} bytes, "
          f"X-Page-Cache {response.headers.get('X-Page-Cache')}, "
          f"SQL {response.headers.get('X-SQL-Count')}")
    print(f"  CoWiki     {summary(times)}")
    if pauses is not None:
        print(f"  full garbage collections: {len(pauses)}, {sum(pauses):.1f} ms in all, longest "
              f"{max(pauses, default=0):.1f} ms; {gc.get_freeze_count():,} objects frozen")
    bare_client = bare.test_client()
    _, bare_times = timed(sender(bare_client, "/"), args.n)
    print(f"  bare Flask {summary(bare_times)}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        timed(send, args.n, before)
        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(45)
    return 0


if __name__ == "__main__":
    sys.exit(main())
