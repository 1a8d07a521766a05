"""Search benchmark: a corpus of realistic pages, index time and size, query latency per backend.

    python tests/bench/search_bench.py [--pages 20000] [--queries 60] [--backends whoosh,tantivy]
                                       [--out bench-results]

Whoosh and tantivy each run on a throw-away SQLite database; the PostgreSQL backend runs when
BENCH_DATABASE_URL (or TEST_DATABASE_URL) points to PostgreSQL, in its own schema ``search_bench``
so nothing else in that database is touched. Prints Markdown and writes it under bench-results/.
"""
import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import create_engine, insert, text  # noqa: E402

from wiki import create_app  # noqa: E402
from wiki.extensions import db  # noqa: E402
from wiki.models import (Page, ProposalState, Product, Revision, Tag, User,  # noqa: E402
                         page_tags)

PRODUCTS = ["Acme Phone", "Acme Watch", "Acme Buds", "Acme Tablet", "Acme Laptop", "Acme TV",
            "Acme Speaker", "Acme Router"]
TAGS = ["battery", "display", "camera", "payments", "checkout", "shipping", "privacy", "sync",
        "bluetooth", "wifi", "accessibility", "dark-mode", "notifications", "search", "pricing",
        "support", "warranty", "setup", "performance", "audio", "security", "backup", "travel",
        "kids", "offline", "maps", "health", "sleep", "fitness", "music"]
VOCAB = """battery life screen display bright camera photo video night mode dark theme checkout
payment wallet card shipping delivery order return refund warranty support chat call app update
install setup pair bluetooth wifi signal network router speaker sound audio volume bass noise
cancel microphone voice assistant search filter sort list favourite history sync cloud backup
restore account login password privacy setting permission notification alert reminder calendar
email message share export import offline map route travel trip fitness health sleep heart step
workout music playlist podcast download stream quality resolution charge charger cable wireless
fast slow lag crash freeze bug fix feature request improve option button menu gesture keyboard
language translate accessibility font size contrast colour price discount subscription plan
family child parental control storage memory space file folder photo album print scan document
widget shortcut automation schedule timer alarm weather news store review rating recommend
comfortable light heavy durable waterproof case strap band glass scratch repair replace upgrade
smooth quick easy simple clear confusing broken missing helpful useful great good bad love hate
""".split()
KINDS = ["article"] * 2 + ["review"] * 3 + ["recommendation"] * 2 + ["proposal"] * 4
STATUSES = ["new"] * 5 + ["under_review"] * 2 + ["planned", "in_progress", "shipped", "declined",
                                                  "duplicate"]


def zipf_word(rng):
    return VOCAB[min(int(rng.paretovariate(1.1)) - 1, len(VOCAB) - 1) if rng.random() < .5
                 else rng.randrange(len(VOCAB))]


def sentence(rng, n):
    return " ".join(zipf_word(rng) for _ in range(n)).capitalize() + "."


def generate(session, pages, seed=7):
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    session.execute(insert(User), [
        {"id": i, "username": f"user{i}", "username_key": f"user{i}", "email": f"user{i}@example.com",
         "password_hash": "x", "role": "customer"} for i in range(1, 201)])
    session.execute(insert(Product), [
        {"id": i, "slug": name.lower().replace(" ", "-"), "name": name, "description": ""}
        for i, name in enumerate(PRODUCTS, 1)])
    session.execute(insert(Tag), [{"id": i, "name": t} for i, t in enumerate(TAGS, 1)])
    page_rows, revision_rows, proposal_rows, tag_rows = [], [], [], []
    for pid in range(1, pages + 1):
        kind = rng.choice(KINDS)
        title = " ".join(zipf_word(rng) for _ in range(rng.randint(3, 7))).capitalize() + f" {pid}"
        body = "\n\n".join(" ".join(sentence(rng, rng.randint(6, 18)) for _ in range(rng.randint(2, 5)))
                           for _ in range(rng.randint(2, 6)))
        created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 365))
        up, down = rng.randint(0, 40), rng.randint(0, 8)
        page_rows.append({"id": pid, "slug": f"page-{pid}", "title": title, "kind": kind,
                          "product_id": None if kind == "article" else rng.randint(1, len(PRODUCTS)),
                          "created_by_id": rng.randint(1, 200), "current_revision_id": pid,
                          "revision_count": 1, "votes_up": up, "votes_down": down,
                          "created_at": created, "updated_at": created})
        revision_rows.append({"id": pid, "page_id": pid, "number": 1, "author_id": rng.randint(1, 200),
                              "source": body, "html": "", "summary": "", "size": len(body),
                              "created_at": created})
        if kind == "proposal":
            proposal_rows.append({"page_id": pid, "status": rng.choice(STATUSES),
                                  "status_changed_at": created, "last_activity_at": created})
        for tag_id in rng.sample(range(1, len(TAGS) + 1), rng.randint(0, 3)):
            tag_rows.append({"page_id": pid, "tag_id": tag_id})
    for table, rows in ((Page, page_rows), (Revision, revision_rows),
                        (ProposalState, proposal_rows), (page_tags, tag_rows)):
        for start in range(0, len(rows), 2000):
            session.execute(insert(table), rows[start:start + 2000])
    session.commit()
    return page_rows, revision_rows


def query_sets(rng, page_rows, revision_rows, count):
    mid = VOCAB[5:120]
    singles = [rng.choice(mid) for _ in range(count)]
    pairs = [f"{rng.choice(VOCAB[:60])} {rng.choice(VOCAB[:60])}" for _ in range(count)]
    phrases = []
    while len(phrases) < count:
        words = rng.choice(revision_rows)["source"].lower().replace(".", "").split()
        i = rng.randrange(len(words) - 2)
        phrases.append(f'"{words[i]} {words[i + 1]}"')
    filtered = []
    for _ in range(count):
        word = rng.choice(mid)
        filtered.append(rng.choice([f"{word} kind:proposal status:planned",
                                    f"{word} product:{rng.choice(PRODUCTS).lower().replace(' ', '-')}",
                                    f"{word} kind:review tag:{rng.choice(TAGS)}"]))
    return {"single word": singles, "two-word AND": pairs, "phrase": phrases, "filtered": filtered}


def measure(queries, sort="relevance"):
    """``(p50 ms, p95 ms, median hits, queries/s)`` of one thread asking one query after another."""
    from wiki.search import services

    services.search(queries[0], sort=sort)  # warm the searcher and caches
    times, totals = [], []
    for q in queries:
        started = time.perf_counter()
        result = services.search(q, sort=sort)
        times.append((time.perf_counter() - started) * 1000)
        totals.append(result.found)
    per_second = 1000 * len(times) / sum(times)
    times.sort()
    p95 = times[min(len(times) - 1, round(len(times) * .95) - 1)]
    return statistics.median(times), p95, statistics.median(totals), per_second


def progress(message):
    print(message, file=sys.stderr, flush=True)


def run_backend(name, database_url, index_dir, pages, count):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SEARCH_BACKEND": name,
                      "SEARCH_INDEX_DIR": str(index_dir), "SECRET_KEY": "bench",
                      "SEARCH_DRAIN": "off", "RATELIMIT_ENABLED": False})
    rows = {}
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        page_rows, revision_rows = generate(db.session, pages)
        rows["generate"] = time.perf_counter() - started
        from wiki.search.backends import get_backend
        from wiki.search.maintenance import rebuild

        progress(f"{name}: {pages} pages inserted in {rows['generate']:.1f} s; indexing…")
        started = time.perf_counter()
        rebuild()
        rows["index"] = time.perf_counter() - started
        progress(f"{name}: indexed in {rows['index']:.1f} s; querying…")
        rows["size"] = get_backend().size_bytes(db.session)
        rng = random.Random(11)
        rows["queries"] = {label: measure(qs) for label, qs in
                           query_sets(rng, page_rows, revision_rows, count).items()}
        rows["queries"]["single word, sort=votes"] = measure(
            query_sets(random.Random(12), page_rows, revision_rows, count)["single word"], sort="votes")
        get_backend().close()
        db.session.remove()
        db.engine.dispose()
    return rows


def postgres_url():
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or ""
    if not url.startswith("postgres"):
        return None
    from wiki.config import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS search_bench CASCADE"))
        conn.execute(text("CREATE SCHEMA search_bench"))
    engine.dispose()
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3Dsearch_bench"


def report(results, pages, count):
    lines = [f"# Search benchmark: {pages:,} pages, {count} queries per kind",
             "", f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}, Python {sys.version.split()[0]}", ""]
    lines += ["| backend | corpus insert | index build | index size |", "| --- | --- | --- | --- |"]
    for name, rows in results.items():
        lines.append(f"| {name} | {rows['generate']:.1f} s | {rows['index']:.1f} s | "
                     f"{rows['size'] / 1024 / 1024:.1f} MB |")
    lines += ["", ("Query latency through `services.search` (backend query, snippets, loading the "
                   "page rows), 20 results per page:"), "",
              "| backend | query | queries/s | p50 | p95 | median hits |",
              "| --- | --- | ---: | ---: | ---: | ---: |"]
    for name, rows in results.items():
        for label, (p50, p95, hits, per_second) in rows["queries"].items():
            lines.append(f"| {name} | {label} | {per_second:,.0f} | {p50:.1f} ms | {p95:.1f} ms | "
                         f"{hits:,.0f} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20000)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--out", default="bench-results")
    parser.add_argument("--backends", default="whoosh,tantivy,postgres",
                        help="comma-separated; postgres only runs when a PostgreSQL URL is set")
    args = parser.parse_args()
    wanted = [name.strip() for name in args.backends.split(",") if name.strip()]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("whoosh", "tantivy"):
            if name in wanted:  # each on a database and an index folder of its own
                results[name] = run_backend(name, f"sqlite:///{tmp}/{name}.db",
                                            Path(tmp) / f"{name}-idx", args.pages, args.queries)
        pg = postgres_url() if "postgres" in wanted else None
        if pg:
            results["postgres"] = run_backend("postgres", pg, Path(tmp) / "unused", args.pages,
                                              args.queries)
    markdown = report(results, args.pages, args.queries)
    print(markdown)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"search-{datetime.now():%Y%m%d-%H%M%S}.md"
    path.write_text(markdown)
    print(f"Written to {path}")


if __name__ == "__main__":
    main()
