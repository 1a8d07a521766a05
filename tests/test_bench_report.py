"""The benchmark report marks the issue's targets pass, fail or n/a from the measurements."""
from types import SimpleNamespace

from tests.bench import endpoints, report


def _entry(category, rps, p95_ms, errors=0, label="x"):
    return {"label": label, "category": category, "available": True, "rps": rps,
            "error_count": errors, "bytes": 2000, "sql_per_request": 3,
            "latency_us": {"p50": 1000, "p90": 2000, "p95": p95_ms * 1000, "p99": 60000}}


def _data(results, votes=None, log=""):
    args = SimpleNamespace(connections=16, wrk_threads=2, duration=3, load_at_start=1.0)
    manifest = {"sizes": {"pages": 10, "products": 1, "users": 2, "votes": 3, "comments": 4,
                          "revisions": 20}, "seconds": 1.0, "steps": {"pages": 0.1}, "derived": {}}
    ceiling = {"rps": 1000.0, "bytes": 2000, "latency_us": {"p95": 5000}}
    return report.assemble(args, manifest, results, ceiling,
                           votes or {"mismatched_pages": 0, "flask_votes_check": "not available"},
                           log, "sqlite:///x.db")


def test_targets_pass_when_fast_exact_and_error_free():
    data = _data({"page_anon": _entry("read", 600, 20), "search_rare": _entry("search", 300, 30),
                  "vote": _entry("write", 200, 40)})
    assert {t["result"] for t in data["targets"]} == {"pass"}
    assert data["endpoints"]["page_anon"]["ratio_to_ceiling"] == 0.6
    markdown = report.markdown(data)
    assert "| x | 600 | 1.0 | 20.0 | 60.0 | 0 | 0.60 | 3 |" in markdown
    assert "**fail**" not in markdown


def test_targets_fail_on_slow_reads_errors_locks_and_wrong_counts():
    data = _data({"page_anon": _entry("read", 300, 80, errors=2), "vote": _entry("write", 200, 10)},
                 votes={"mismatched_pages": 1, "flask_votes_check": "not available"},
                 log="sqlite3.OperationalError: database is locked")
    results = [t["result"] for t in data["targets"]]
    assert results == ["fail", "fail", "n/a", "fail", "fail"]
    assert data["server_log"]["database_is_locked"] == 1


def test_unavailable_endpoints_are_listed_not_failed():
    data = _data({"recent": {"label": "recent changes", "category": "read", "available": False,
                             "sql_per_request": None}})
    assert {t["result"] for t in data["targets"]} == {"n/a"}
    assert "| recent changes | not available |" in report.markdown(data)


def test_lua_spec_quotes_strings_and_rotates_items():
    spec = endpoints.Endpoint("v", "vote", "write", ["/a", "/b"], method="PUT",
                              headers={"Content-Type": "application/json"},
                              bodies=['{"value": 1}', "]===]"], auth=["Bearer t"])
    lua = endpoints.lua_spec(spec, 2)
    assert '[ [===[Content-Type]===] ] = [===[application/json]===]' in lua
    assert "[====[]===]]====]" in lua  # a body containing the closing bracket gets a longer one
    assert "threads = 2" in lua and "unique = false" in lua


def test_reads_follow_zipf_popularity():
    import random

    picks = endpoints.popular([f"p{i}" for i in range(1, 101)], random.Random(1), n=20000)
    first, tenth = picks.count("p1"), picks.count("p10")
    assert len(picks) == 20000 and 7 < first / max(tenth, 1) < 13  # 1/k: ten times as often
    assert len(set(picks)) > 80  # the long tail is read too


def test_the_report_shows_cache_hits_and_odd_status_codes():
    page = _entry("read", 900.0, 10, label="anonymous page view")
    page["cache"] = {"hit": 95, "miss": 5, "hit_ratio": 0.95}
    page["statuses"] = {"200": 100}
    vote = _entry("write", 100.0, 40, label="vote (API)")
    vote["statuses"] = {"200": 90, "503": 10}
    text = report.markdown(_data({"page_anon": page, "vote": vote}))
    assert "| anonymous page view | 900.0 |" in text and "| 95% |" in text
    assert "vote (API): 200 × 90, 503 × 10" in text


def test_reads_are_warmed_but_not_once_only_ones_or_writes():
    from tests.bench.run import cacheable

    assert cacheable(endpoints.Endpoint("a", "a", "read", ["/x"]))
    # a signed-in reader's views: their role's shells are warmed like anonymous entries
    assert cacheable(endpoints.Endpoint("b", "b", "read", ["/x"], headers={"Cookie": "s=1"}))
    # each distinct search is asked once: warming would answer them all from the cache
    assert not cacheable(endpoints.Endpoint("d", "d", "search", ["/s?q=1", "/s?q=2"],
                                            headers={"Cookie": "s=1"}, unique=True))
    assert not cacheable(endpoints.Endpoint("c", "c", "write", ["/x"], method="PUT", auth=["t"]))


def _manifest():
    pages = [{"slug": f"page-{i}", "kind": kind, "revisions": 2}
             for i, kind in enumerate(["article", "review", "recommendation", "proposal"] * 10)]
    return {"pages": pages, "products": ["acme"], "tokens": ["t1"],
            "common_words": ["battery", "screen", "support"], "rare_words": ["quasselbox"]}


def test_distinct_searches_are_each_asked_once_and_count_toward_the_search_target():
    specs = {e.name: e for e in endpoints.build(_manifest(), "session=abc")}
    distinct = specs["search_distinct_user"]
    assert distinct.unique and distinct.category == endpoints.SEARCH
    assert distinct.headers == {"Cookie": "session=abc", "User-Agent": endpoints.USER_AGENT}
    assert len(set(distinct.paths)) == len(distinct.paths) >= 5000  # minutes of slow searches
    assert distinct.probe_request()[0] not in distinct.paths  # the probe caches nothing used
    assert all(p.startswith("/search?q=") for p in distinct.paths)
    assert "unique = true" in endpoints.lua_spec(distinct, 2)
    # the popular searches are still measured, and say that they repeat
    assert specs["search_common_user"].label.endswith("(repeated)")
    assert specs["search_filtered_user"].label.endswith("(repeated)")
    slow = _entry("search", 20, 900, label=distinct.label)
    data = _data({"search_rare": _entry("search", 300, 30), "search_distinct_user": slow})
    search_target = next(t for t in data["targets"] if t["target"].startswith("search p95"))
    assert search_target["result"] == "fail"
    assert "search: distinct queries, signed in 900.0 ms" in search_target["detail"]
    assert "no cache can answer" in report.markdown(data)


def test_a_unique_endpoints_warmup_uses_items_the_run_does_not():
    spec = endpoints.Endpoint("d", "distinct", "search", ["/1", "/2", "/3", "/4"], unique=True)
    assert spec.for_warmup().paths == ["/4", "/3", "/2", "/1"]  # bench.lua takes from the front
    plain = endpoints.Endpoint("p", "popular", "search", ["/1", "/2"])
    assert plain.for_warmup() is plain


def test_the_report_says_when_a_unique_endpoint_ran_out_of_items():
    from tests.bench.run import uniqueness

    spec = endpoints.Endpoint("d", "distinct", "search", ["/1", "/2", "/3"], unique=True)
    assert not uniqueness(spec, 1, 2)["items_repeated"]
    entry = _entry("search", 20, 40, label="search: distinct queries, signed in")
    entry["requests"] = 5
    entry.update(uniqueness(spec, 1, 5))
    text = report.markdown(_data({"search_distinct_user": entry}))
    assert "ran out and were requested again" in text and "(6 requests for 3 items)" in text


def test_the_report_names_the_servers_settings(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "2")
    monkeypatch.setenv("GUNICORN_REUSE_PORT", "no")
    data = _data({"page_anon": _entry("read", 600, 20)})
    assert data["server"] == {"workers": 3, "threads": 2, "worker_class": "gthread",
                              "reuse_port": False}
    assert "(3 workers × 2 threads, one shared listening socket)" in report.markdown(data)
