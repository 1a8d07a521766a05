"""The benchmark report: the table, the issue's targets marked pass/fail, as Markdown and JSON."""
import json
import os
import platform
import runpy
from datetime import UTC, datetime
from pathlib import Path

GUNICORN_CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"

READ_P95_MS = 50
CEILING_SHARE = 0.5


def ms(microseconds):
    return round(microseconds / 1000, 1)


def assemble(args, manifest, results, ceiling, votes, app_log, database_url):
    for entry in results.values():
        if entry.get("available"):
            entry["ratio_to_ceiling"] = round(entry["rps"] / ceiling["rps"], 3) if ceiling["rps"] else None
    database = database_url.split(":", 1)[0].split("+", 1)[0]
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(),
                    "load_average_at_start": getattr(args, "load_at_start", None),
                    "load_average_at_end": round(os.getloadavg()[0], 2)},
        "database": database,
        "search_backend": os.environ.get("SEARCH_BACKEND", "whoosh"),
        "load": {"tool": "wrk", "connections": args.connections, "threads": args.wrk_threads,
                 "duration_s": args.duration, "warmup_s": getattr(args, "warmup", 0),
                 "cache_warmed": getattr(args, "warm_cache", False)},
        "page_cache": getattr(args, "cache_used", None),
        "server": server_settings(),
        "dataset": manifest["sizes"],
        "seeding": {"seconds": manifest["seconds"], "wall_seconds": manifest.get("wall_seconds"),
                    "steps": manifest["steps"], "derived": manifest["derived"]},
        "ceiling": ceiling,
        "endpoints": results,
        "votes_check": votes,
        "server_log": {"database_is_locked": app_log.count("database is locked"),
                       "tracebacks": app_log.count("Traceback")},
        "targets": targets(results, ceiling, votes, app_log),
    }


def server_settings():
    """What gunicorn.conf.py chose on this machine, with this environment (the server's)."""
    conf = runpy.run_path(str(GUNICORN_CONF))
    return {name: conf[name] for name in ("workers", "threads", "worker_class", "reuse_port")}


def describe_server(data):
    server = data.get("server")
    if not server:
        return ""
    sockets = ("a listening socket per worker (SO_REUSEPORT)" if server["reuse_port"]
               else "one shared listening socket")
    return f" ({server['workers']} workers × {server['threads']} threads, {sockets})"


def _verdict(ok):
    return "pass" if ok else "fail"


def targets(results, ceiling, votes, app_log):
    out = []
    available = {k: v for k, v in results.items() if v.get("available")}

    def add(name, ok, detail):
        out.append({"target": name, "result": "n/a" if ok is None else _verdict(ok), "detail": detail})

    page = available.get("page_anon")
    add(f"anonymous page view ≥ {int(CEILING_SHARE * 100)}% of the bare-Flask ceiling",
        None if not page else page["ratio_to_ceiling"] >= CEILING_SHARE,
        f"{page['ratio_to_ceiling']:.0%} of {ceiling['rps']} req/s" if page else "not available")
    reads = {k: v for k, v in available.items() if v["category"] == "read"}
    slow = [f"{v['label']} {ms(v['latency_us']['p95'])} ms" for v in reads.values()
            if ms(v["latency_us"]["p95"]) >= READ_P95_MS]
    add(f"every read endpoint p95 < {READ_P95_MS} ms at 16 clients", None if not reads else not slow,
        ", ".join(slow) or f"{len(reads)} endpoints measured")
    searches = {k: v for k, v in available.items() if v["category"] == "search"}
    slow = [f"{v['label']} {ms(v['latency_us']['p95'])} ms" for v in searches.values()
            if ms(v["latency_us"]["p95"]) >= READ_P95_MS]
    add(f"search p95 < {READ_P95_MS} ms", None if not searches else not slow,
        ", ".join(slow) or f"{len(searches)} searches measured" if searches else "not available")
    vote = available.get("vote")
    exact = votes.get("mismatched_pages") == 0
    cli = votes.get("flask_votes_check")
    if isinstance(cli, dict):
        exact = exact and cli["exit_code"] == 0
    add(f"vote p95 < {READ_P95_MS} ms with counts still exact",
        None if not vote else ms(vote["latency_us"]["p95"]) < READ_P95_MS and exact,
        (f"p95 {ms(vote['latency_us']['p95'])} ms, pages with wrong counters: "
         f"{votes.get('mismatched_pages')}, flask votes check: "
         f"{cli if isinstance(cli, str) else cli['exit_code']}") if vote else "not available")
    errors = sum(v["error_count"] for v in available.values())
    locked = app_log.count("database is locked")
    add("no error responses under load (incl. \"database is locked\")",
        None if not available else errors == 0 and locked == 0,
        f"{errors} errors, {locked} 'database is locked' in the server log")
    return out


def markdown(data):
    sizes = data["dataset"]
    lines = [
        f"# CoWiki benchmark — {data['date']}", "",
        f"- Machine: {data['machine']['cores']} cores, {data['machine']['platform']}, "
        f"Python {data['machine']['python']}; load average {data['machine']['load_average_at_start']} "
        f"at the start, {data['machine']['load_average_at_end']} at the end (other work on the "
        "machine skews the figures; the ceiling ratio less so)",
        f"- Database: {data['database']}; search backend: {data.get('search_backend', 'whoosh')}",
        f"- Dataset: {sizes['pages']:,} pages across {sizes['products']} products, "
        f"{sizes['revisions']:,} revisions, {sizes['users']:,} users, {sizes['votes']:,} votes, "
        f"{sizes['comments']:,} comments",
        f"- Seeding: {data['seeding']['seconds']} s (bulk inserts); derived data: "
        f"{data['seeding']['derived'] or 'none'}",
        "- Seeding steps (s): " + ", ".join(f"{k} {v}" for k, v in data["seeding"]["steps"].items()),
        (f"- Load: wrk, {data['load']['connections']} connections, {data['load']['threads']} threads, "
         f"{data['load']['duration_s']} s per endpoint after {data['load'].get('warmup_s', 0)} s of "
         f"unmeasured warm-up (reads); server: gunicorn.conf.py defaults{describe_server(data)}; "
         "page cache: "
         f"{data.get('page_cache') or 'default'}"
         + ("; before each read endpoint (anonymous or signed in, not *distinct queries*) every "
            "distinct path it reads was requested once (a cache in its steady state)"
            if data["load"].get("cache_warmed") else "")),
        ("- Reads pick pages and products with Zipf popularity (the k-th most read is read 1/k as "
         "often as the first) over 5,000 pages / all products; a logged-in view is served from "
         "the shell of the reader's role, with their own parts (user menu, vote, watch button, "
         "CSRF token) filled in for each request"),
        ("- Searches: most rows rotate over a few queries, so after the first request for each "
         "the page cache answers (anonymous entries; for a signed-in reader, marked *repeated*, "
         "their role's shell, and beneath it the shared search cache): popular searches. *Distinct queries* "
         "asks each query (two content words, some with a kind filter) once, so no cache can "
         "answer: what a search itself costs. Every search row counts toward the search target"),
        (f"- Ceiling (bare Flask, {data['ceiling']['bytes']:,} bytes): {data['ceiling']['rps']} req/s, "
         f"p95 {ms(data['ceiling']['latency_us']['p95'])} ms"), "",
        "| endpoint | req/s | p50 ms | p95 ms | p99 ms | errors | × ceiling | SQL/req | cache hits |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for entry in data["endpoints"].values():
        sql = "—" if entry.get("sql_per_request") is None else entry["sql_per_request"]
        if not entry.get("available"):
            lines.append(f"| {entry['label']} | not available | | | | | | | |")
            continue
        lat = entry["latency_us"]
        lines.append(f"| {entry['label']} | {entry['rps']} | {ms(lat['p50'])} | {ms(lat['p95'])} | "
                     f"{ms(lat['p99'])} | {entry['error_count']} | {entry['ratio_to_ceiling']:.2f} | {sql} | "
                     f"{hit_share(entry)} |")
    lines += ["", ("SQL/req: statements of one extra request made before the run, from X-SQL-Count "
                   "(for anonymous reads a page-cache miss; a hit costs one or two). Errors: non-2xx/3xx "
                   "answers plus socket errors and timeouts. Cache hits: share of answers served "
                   "from the page cache (X-Page-Cache: an anonymous entry, or for a signed-in reader "
                   "the shell of their role with their own parts filled in), — where it does not apply."),
              ""]
    repeated = [f"{e['label']} ({e['warmup_requests'] + e['requests']:,} requests for "
                f"{e['distinct_items']:,} items)" for e in data["endpoints"].values()
                if e.get("items_repeated")]
    if repeated:
        lines += ["Items meant to be requested once ran out and were requested again (a cache "
                  "may have answered those): " + "; ".join(repeated), ""]
    odd = {e["label"]: e["statuses"] for e in data["endpoints"].values()
           if e.get("statuses") and set(e["statuses"]) - {"200", "201", "204", "304"}}
    if odd:
        lines += ["Status codes where not all answers were 2xx/304: " + "; ".join(
            f"{label}: " + ", ".join(f"{code} × {n}" for code, n in sorted(codes.items()))
            for label, codes in odd.items()), ""]
    lines += ["## Targets", "",
              "| target | result | detail |", "| --- | --- | --- |"]
    for target in data["targets"]:
        lines.append(f"| {target['target']} | **{target['result']}** | {target['detail']} |")
    log = data["server_log"]
    lines += ["", (f"Server log: {log['database_is_locked']} × \"database is locked\", "
                   f"{log['tracebacks']} tracebacks."), ""]
    return "\n".join(lines)


def hit_share(entry):
    ratio = (entry.get("cache") or {}).get("hit_ratio")
    return "—" if ratio is None else f"{ratio:.0%}"


def write(data, out):
    out.mkdir(parents=True, exist_ok=True)
    stamp = data["date"].replace(":", "").replace("+0000", "Z")
    name = f"{stamp}-{data['database']}"
    paths = []
    for base in (out / name, out / "report"):
        base.with_suffix(".json").write_text(json.dumps(data, indent=2))
        base.with_suffix(".md").write_text(markdown(data))
        paths.append(base.with_suffix(".md"))
    return paths
