"""`make bench`: seed a fresh database, serve CoWiki and a bare Flask ceiling with gunicorn, drive
every endpoint with wrk, and write bench-results/report.md and report.json.

    python tests/bench/run.py [--database-url postgresql://...] [--duration 10] [--pages 2000 ...]
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench import endpoints as endpoint_specs
from tests.bench import report

HERE = Path(__file__).resolve().parent
BENCH_REDIS = "redis://127.0.0.1:6379/14"  # a database of its own, emptied before each run
SEED_SIZES = ("pages", "products", "users", "votes", "comments", "revisions-per-page", "tokens")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="CoWiki benchmark")
    parser.add_argument("--database-url", default=None,
                        help="its tables are DROPPED and recreated; default: a fresh SQLite file "
                             "in a temporary folder")
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "5180")))
    parser.add_argument("--out", default=str(ROOT / "bench-results"))
    parser.add_argument("--only", default="", help="comma-separated endpoint names")
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance folder")
    parser.add_argument("--instance", default=None,
                        help="reuse an instance folder that an earlier --keep run seeded (no "
                             "seeding; its database is changed by the write endpoints, and a "
                             "second vote run replays the first one's votes, which then change "
                             "nothing: restore a copy of wiki.db to compare vote runs)")
    parser.add_argument("--cache", choices=("auto", "redis", "simple"), default="auto",
                        help="page cache: Redis shared by all workers (auto: when "
                             f"{BENCH_REDIS} answers), or each worker's own memory")
    parser.add_argument("--no-warm-cache", dest="warm_cache", action="store_false",
                        help="do not read every anonymous path once before its run")
    parser.add_argument("--warmup", type=int, default=3,
                        help="seconds of unmeasured load before each read endpoint (0: none)")
    for size in SEED_SIZES:
        parser.add_argument(f"--{size}", default=None)
    return parser.parse_args(argv)


def run_env(instance, database_url, port, **extra):
    env = dict(os.environ, FLASK_APP="wsgi.py", COWIKI_INSTANCE_PATH=str(instance),
               DATABASE_URL=database_url, SECRET_KEY="bench-secret", RATELIMIT_ENABLED="false",
               PYTHONUNBUFFERED="1", GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_ACCESS_LOG="",
               GUNICORN_ERROR_LOG=str(instance / f"gunicorn-{port}.log"))
    env.update(extra)
    return env


def write_instance_config(instance):
    # statement counting on (X-SQL-Count), no rate limits: the load comes from one address
    (instance / "config.py").write_text("COUNT_SQL = True\nRATELIMIT_ENABLED = False\n")


def redis_answers(url):
    try:
        import redis
        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        return bool(client.ping())
    except Exception:  # noqa: BLE001 — no server, no package: the in-process cache it is
        return False


def cache_settings(choice):
    """Environment for the page cache, emptied first: Redis when asked (or, with auto, when it
    answers), else each worker's own memory."""
    if choice == "simple" or (choice == "auto" and not redis_answers(BENCH_REDIS)):
        return {"CACHE_TYPE": "SimpleCache"}, "in-process (SimpleCache per worker)"
    import redis

    redis.Redis.from_url(BENCH_REDIS).flushdb()
    return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": BENCH_REDIS}, f"Redis ({BENCH_REDIS})"


def seed(args, instance, database_url):
    command = [sys.executable, str(HERE / "seed.py"), "--database-url", database_url,
               "--instance-path", str(instance), "--reset", "--manifest", str(instance / "manifest.json")]
    for size in SEED_SIZES:
        value = getattr(args, size.replace("-", "_"))
        if value is not None:
            command += [f"--{size}", str(value)]
    began = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=run_env(instance, database_url, args.port), check=True)
    manifest = json.loads((instance / "manifest.json").read_text())
    manifest["wall_seconds"] = round(time.perf_counter() - began, 1)
    return manifest


class Server:
    """gunicorn with the project's gunicorn.conf.py, on 127.0.0.1."""

    def __init__(self, app_path, env, port):
        self.port, self.env = port, env
        # gunicorn's workers listen with SO_REUSEPORT, so a server left running on this port
        # would not make this one fail to start: the two would share the load without a word
        with socket.socket() as probe_socket:
            if probe_socket.connect_ex(("127.0.0.1", port)) == 0:
                raise RuntimeError(f"port {port} is already in use; stop what listens there")
        self.log = Path(env["GUNICORN_ERROR_LOG"])
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), app_path],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/", timeout=5)
                return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn did not start:\n{self.log_text()[-3000:]}")

    def log_text(self):
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def log_in(base, username, password):
    """Log in through the form (CSRF token first); returns the Cookie header value."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    opener.addheaders = [("User-Agent", endpoint_specs.USER_AGENT)]
    html = opener.open(base + "/auth/login", timeout=30).read().decode()
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    data = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrf_token": match.group(1) if match else ""}).encode()
    try:
        opener.open(base + "/auth/login", data=data, timeout=30)
    except urllib.error.HTTPError as answer:
        if answer.code not in (302, 303):
            raise RuntimeError(f"log-in failed with {answer.code}") from answer
    # the welcome message waits in the session until a page shows it; a browser's next page
    # does, and its cookie then holds no message (wrk replays this one cookie for every request)
    opener.open(base + "/", timeout=30).read()
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "session=" not in cookies:
        raise RuntimeError("log-in did not set a session cookie")
    return cookies


def probe(base, endpoint):
    """One request, as wrk would make it: status, size and X-SQL-Count."""
    path, body, auth = endpoint.probe_request()
    headers = dict(endpoint.headers)
    if auth:
        headers["Authorization"] = auth
    request = urllib.request.Request(base + path, data=body.encode() if body else None,
                                     headers=headers, method=endpoint.method)
    opener = urllib.request.build_opener(NoRedirect())
    try:
        with opener.open(request, timeout=60) as answer:
            return answer.status, len(answer.read()), answer.headers.get("X-SQL-Count")
    except urllib.error.HTTPError as answer:
        return answer.code, len(answer.read()), answer.headers.get("X-SQL-Count")


def warm_cache(base, endpoint, threads=8):
    """Read each distinct path of a read endpoint once (with its cookie, if any), so the run
    measures the page cache in its steady state (every page read before) instead of its first
    minutes: anonymous entries, or for a signed-in reader, the shells of their role."""
    from concurrent.futures import ThreadPoolExecutor

    opener = urllib.request.build_opener(NoRedirect())

    def fetch(path):
        try:
            with opener.open(urllib.request.Request(base + path, headers=endpoint.headers),
                             timeout=60) as answer:
                answer.read()
        except urllib.error.HTTPError as answer:
            answer.read()

    paths = sorted(set(endpoint.paths))
    began = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(fetch, paths))
    return len(paths), round(time.perf_counter() - began, 1)


def cacheable(endpoint):
    """A read the page cache may answer; not one whose paths are each asked once (the distinct
    searches measure what a search costs when no cache has seen it)."""
    return endpoint.method == "GET" and not endpoint.auth and not endpoint.unique


def run_wrk(base, endpoint, args, workdir, duration=None):
    duration = duration or args.duration
    spec = workdir / f"{endpoint.name}.lua"
    spec.write_text(endpoint_specs.lua_spec(endpoint, args.wrk_threads))
    command = ["wrk", f"-t{args.wrk_threads}", f"-c{args.connections}", f"-d{duration}s",
               "--timeout", "10s", "-s", str(HERE / "bench.lua"), base, "--", str(spec)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 120,
                          check=False)
    for line in done.stdout.splitlines():
        if line.startswith("BENCHJSON "):
            result = json.loads(line[len("BENCHJSON "):])
            result["transfer_bytes"] = result.pop("bytes")  # all answers; "bytes" is one answer
            seconds = result["duration_us"] / 1e6 or 1
            result["rps"] = round(result["requests"] / seconds, 1)
            result["error_count"] = sum(result["errors"].values())
            answered = result["cache"]["hit"] + result["cache"]["miss"]
            result["cache"]["hit_ratio"] = round(result["cache"]["hit"] / answered, 3) if answered else None
            return result
    raise RuntimeError(f"wrk gave no summary:\n{done.stdout}\n{done.stderr}")


def uniqueness(endpoint, warmed, measured):
    """Whether a unique endpoint had enough items: bench.lua starts again at the first once
    every item has been used, and a repeated item may then be answered by a cache."""
    return {"distinct_items": len(endpoint.paths), "warmup_requests": warmed,
            "items_repeated": warmed + measured > len(endpoint.paths)}


def routable(instance, database_url, port, specs):
    """Which endpoints have a route in the app (a 404 from a route that exists is a failure to
    report, not a missing feature)."""
    wanted = {e.name: (e.probe_request()[0], e.method) for e in specs}
    code = (
        "import json, sys\nfrom werkzeug.exceptions import HTTPException, NotFound, MethodNotAllowed\n"
        "from wiki import create_app\napp = create_app()\nadapter = app.url_map.bind('localhost')\n"
        "out = {}\n"
        "for name, (path, method) in json.loads(sys.argv[1]).items():\n"
        "    try:\n        adapter.match(path.split('?')[0], method=method); out[name] = True\n"
        "    except (NotFound, MethodNotAllowed):\n        out[name] = False\n"
        "    except HTTPException:\n        out[name] = True\n"
        "print(json.dumps(out))\n")
    done = subprocess.run([sys.executable, "-c", code, json.dumps(wanted)], cwd=ROOT,
                          env=run_env(instance, database_url, port), capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def vote_checks(instance, database_url, port):
    """Counters equal to the rows: our own query, and `flask votes check` when it exists."""
    env = run_env(instance, database_url, port)
    code = (
        "from sqlalchemy import text\n"
        "from wiki import create_app\nfrom wiki.extensions import db\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    print(db.session.scalar(text('''SELECT COUNT(*) FROM pages p LEFT JOIN (\n"
        "      SELECT v.page_id, SUM(CASE WHEN v.value = 1 THEN 1 ELSE 0 END) AS up,\n"
        "             SUM(CASE WHEN v.value = -1 THEN 1 ELSE 0 END) AS down\n"
        "      FROM votes v JOIN users u ON u.id = v.user_id WHERE u.banned = false\n"
        "      GROUP BY v.page_id) c ON c.page_id = p.id\n"
        "      WHERE p.votes_up != COALESCE(c.up, 0) OR p.votes_down != COALESCE(c.down, 0)''')))\n")
    ours = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=False)
    result = {"mismatched_pages": int(ours.stdout.strip().splitlines()[-1]) if ours.returncode == 0
              else None, "query_error": ours.stderr[-500:] if ours.returncode else None}
    cli = subprocess.run([sys.executable, "-m", "flask", "votes", "check"], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=False)
    if "No such command" in cli.stderr:
        result["flask_votes_check"] = "not available"
    else:
        result["flask_votes_check"] = {"exit_code": cli.returncode,
                                       "output": (cli.stdout + cli.stderr)[-1000:]}
    return result


def main(argv=None):
    args = parse_args(argv)
    args.load_at_start = round(os.getloadavg()[0], 2)
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (make bench installs it with apt-get).")
    reuse = bool(args.instance)
    instance = Path(args.instance) if reuse else Path(tempfile.mkdtemp(prefix="cowiki-bench-"))
    database_url = args.database_url or f"sqlite:///{instance / 'wiki.db'}"
    write_instance_config(instance)
    workdir = instance / "wrk"
    workdir.mkdir(exist_ok=True)
    if reuse:
        print(f"Instance: {instance} (reused, not seeded)", flush=True)
        manifest = json.loads((instance / "manifest.json").read_text())
    else:
        print(f"Instance: {instance}\nSeeding…", flush=True)
        manifest = seed(args, instance, database_url)
    cache_env, args.cache_used = cache_settings(args.cache)
    results, only = {}, {n for n in args.only.split(",") if n}
    server = Server("wsgi:app", run_env(instance, database_url, args.port, **cache_env), args.port)
    try:
        cookie = log_in(server.base, manifest["login"], manifest["password"])
        home_bytes = probe(server.base, endpoint_specs.Endpoint("home", "home", "read", ["/"]))[1]
        specs = endpoint_specs.build(manifest, cookie)
        has_route = routable(instance, database_url, args.port, specs)
        for endpoint in specs:
            if only and endpoint.name not in only:
                continue
            status, size, sql = probe(server.base, endpoint)
            entry = {"label": endpoint.label, "category": endpoint.category,
                     "method": endpoint.method, "probe_status": status, "bytes": size,
                     "sql_per_request": int(sql) if sql and sql.isdigit() else None}
            if not has_route.get(endpoint.name, status not in (404, 405)):
                entry["available"] = False
                print(f"  {endpoint.label:<24} not available (no route; {status})", flush=True)
            else:
                entry["available"] = True
                if args.warm_cache and cacheable(endpoint):
                    entry["cache_warmed"] = dict(zip(("paths", "seconds"),
                                                     warm_cache(server.base, endpoint)))
                warmed = 0
                if args.warmup and endpoint.method == "GET":
                    warmed = run_wrk(server.base, endpoint.for_warmup(), args, workdir,
                                     duration=args.warmup)["requests"]
                entry.update(run_wrk(server.base, endpoint, args, workdir))
                if endpoint.unique:
                    entry.update(uniqueness(endpoint, warmed, entry["requests"]))
                print(f"  {endpoint.label:<24} {entry['rps']:>8} req/s  p95 "
                      f"{entry['latency_us']['p95'] / 1000:.1f} ms  errors {entry['error_count']}",
                      flush=True)
            results[endpoint.name] = entry
    finally:
        server.stop()
    app_log = server.log_text()
    page = results.get("page_anon", {})
    bare_bytes = page.get("bytes") if page.get("available") else None
    if not bare_bytes:  # without a page view to copy, a page as large as the home page
        bare_bytes = home_bytes
    bare_port = args.port + 1
    bare = Server("tests.bench.bare_app:app",
                  run_env(instance, database_url, bare_port, BENCH_BARE_BYTES=str(bare_bytes)), bare_port)
    try:
        bare_endpoint = endpoint_specs.Endpoint("ceiling", "bare Flask", "ceiling", ["/"])
        if args.warmup:  # the same unmeasured warm-up as every read endpoint gets
            run_wrk(bare.base, bare_endpoint.for_warmup(), args, workdir, duration=args.warmup)
        ceiling = run_wrk(bare.base, bare_endpoint, args, workdir)
        ceiling["bytes"] = bare_bytes
    finally:
        bare.stop()
    print(f"  {'bare Flask ceiling':<24} {ceiling['rps']:>8} req/s", flush=True)
    votes = vote_checks(instance, database_url, args.port)
    data = report.assemble(args, manifest, results, ceiling, votes, app_log, database_url)
    paths = report.write(data, Path(args.out))
    print(report.markdown(data))
    print("Report: " + ", ".join(str(p) for p in paths))
    if not args.keep and not reuse:
        shutil.rmtree(instance, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
