"""Seed a realistic CoWiki dataset with bulk inserts, for the benchmark.

    python tests/bench/seed.py --database-url sqlite:////tmp/x/wiki.db [--pages 50000 ...]

The schema must exist (``flask setup``); ``--reset`` drops the tables first and recreates them
with the migrations. Writes a manifest (``--manifest``) with the slugs, log-in and API tokens the
load generator needs.
"""
import argparse
import json
import random
import sys
import time
from datetime import timedelta
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text

from tests.bench import content
from tests.bench.rows import bulk_insert, reset_sequences

PASSWORD = "bench-password-2026"
KIND_WEIGHTS = (("article", 15), ("review", 35), ("recommendation", 20), ("proposal", 30))
STATUS_WEIGHTS = (("new", 35), ("under_review", 20), ("planned", 12), ("in_progress", 8),
                  ("shipped", 10), ("declined", 10), ("duplicate", 5))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--instance-path", default=None, help="instance folder (search index)")
    parser.add_argument("--pages", type=int, default=50000)
    parser.add_argument("--products", type=int, default=50)
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--votes", type=int, default=1000000)
    parser.add_argument("--comments", type=int, default=100000)
    parser.add_argument("--revisions-per-page", type=float, default=3.0, help="average")
    parser.add_argument("--tokens", type=int, default=200, help="API tokens for the vote load")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reset", action="store_true", help="drop and recreate the tables first")
    parser.add_argument("--manifest", default=None, help="write the load generator's data here")
    return parser.parse_args(argv)


class Seeder:
    def __init__(self, conn, args, tables):
        self.conn, self.args, self.t = conn, args, tables
        self.rnd = random.Random(args.seed)
        self.now = __import__("wiki.models", fromlist=["utcnow"]).utcnow()
        self.start = self.now - timedelta(days=365)
        self.timings = {}

    def timed(self, name, fn):
        began = time.perf_counter()
        result = fn()
        self.timings[name] = round(time.perf_counter() - began, 2)
        print(f"  {name:<12} {self.timings[name]:>7.2f} s", flush=True)
        return result

    def at(self, low, high=None):
        """A random moment between two fractions of the last year."""
        high = 1.0 if high is None else high
        return self.start + timedelta(days=365 * self.rnd.uniform(low, high))

    # -- people and products ----------------------------------------------------------------
    def users(self):
        from werkzeug.security import generate_password_hash

        segments = [r[0] for r in self.conn.execute(text("SELECT id FROM segments ORDER BY id"))]
        password_hash = generate_password_hash(PASSWORD, "scrypt")  # once, shared by all
        n = self.args.users
        self.user_ids = list(range(1, n + 1))
        self.innovators = [u for u in self.user_ids if 12 <= u < 22] or [1]
        rows = []
        for uid in self.user_ids:
            name = "bench" if uid == 1 else f"user{uid:05d}"
            role = "admin" if uid == 1 else "moderator" if uid < 12 else \
                "innovation" if uid < 22 else "customer"
            rows.append({"id": uid, "username": name, "username_key": name,
                         "email": f"{name}@bench.example", "password_hash": password_hash,
                         "role": role, "segment_id": segments[uid % len(segments)] if segments else None,
                         "bio": "", "created_at": self.at(0, 0.05), "session_version": 1,
                         "banned": False, "lead_score": self.rnd.randint(0, 500)})
        return bulk_insert(self.conn, self.t["users"], rows)

    def products(self):
        rows, self.product_names = [], {}
        for pid in range(1, self.args.products + 1):
            name = (f"{self.rnd.choice(content.ADJECTIVES).title()} "
                    f"{self.rnd.choice(content.NOUNS).title()} {pid:03d}")
            self.product_names[pid] = name
            rows.append({"id": pid, "slug": name.lower().replace(" ", "-"), "name": name,
                         "description": f"The {name}: {content.COMMON_WORDS[0]} included.",
                         "created_at": self.at(0, 0.02), "rating_count": 0, "rating_sum": 0})
        self.product_rows = rows
        return len(rows)

    def ratings(self):
        rows, totals = [], {}
        for uid in self.user_ids:
            for pid in self.rnd.sample(range(1, self.args.products + 1),
                                       min(self.args.products, self.rnd.randint(0, 6))):
                stars = self.rnd.choice((3, 4, 4, 5, 5, 2, 1))
                when = self.at(0.1)
                rows.append({"user_id": uid, "product_id": pid, "stars": stars,
                             "created_at": when, "updated_at": when})
                count, total = totals.get(pid, (0, 0))
                totals[pid] = (count + 1, total + stars)
        for row in self.product_rows:
            row["rating_count"], row["rating_sum"] = totals.get(row["id"], (0, 0))
        bulk_insert(self.conn, self.t["products"], self.product_rows)
        return bulk_insert(self.conn, self.t["ratings"], rows)

    # -- pages: plan everything first, then stream the big tables -----------------------------
    def plan_pages(self):
        kinds = [k for k, w in KIND_WEIGHTS for _ in range(w)]
        statuses = [s for s, w in STATUS_WEIGHTS for _ in range(w)]
        average = max(1.0, self.args.revisions_per_page)
        spread = max(0, round(average) - 1)
        self.pages, revision_id = [], 1
        for pid in range(1, self.args.pages + 1):
            kind = self.rnd.choice(kinds)
            product = None if kind == "article" else self.rnd.randint(1, self.args.products)
            title = (f"{self.rnd.choice(content.ADJECTIVES).title()} "
                     f"{self.rnd.choice(content.NOUNS)} {kind} {pid}")
            n = max(1, round(self.rnd.uniform(average - spread, average + spread)))
            created = self.at(0, 0.9)
            times = sorted(created + (self.now - created) * self.rnd.random() for _ in range(n - 1))
            self.pages.append({
                "id": pid, "slug": title.lower().replace(" ", "-"), "title": title, "kind": kind,
                "product": product, "author": self.rnd.choice(self.user_ids), "times": [created, *times],
                "first_revision": revision_id, "status": self.rnd.choice(statuses) if kind == "proposal" else None,
                "rare": content.RARE_WORDS[pid % len(content.RARE_WORDS)] if pid % 997 == 0 else None,
                "up": 0, "down": 0, "comments": 0})
            revision_id += n
        self.weights = list(accumulate(1 / (rank + 50) ** 0.7 for rank in range(len(self.pages))))
        self.order = list(range(len(self.pages)))
        self.rnd.shuffle(self.order)  # popularity is not correlated with id

    def popular_pages(self, k):
        """``k`` pages drawn at once (much faster than one by one), popular ones more often."""
        ranks = self.rnd.choices(range(len(self.order)), cum_weights=self.weights, k=k)
        return [self.pages[self.order[rank]] for rank in ranks]

    def plan_votes(self):
        target = min(self.args.votes, len(self.pages) * len(self.user_ids))
        seen, users = set(), len(self.user_ids)
        self.votes, misses = [], 0
        while len(self.votes) < target and misses < target * 20:
            batch = max(1000, target - len(self.votes))
            skewed = misses < target * 5  # near saturation, fill uniformly
            pages = self.popular_pages(batch) if skewed else self.rnd.choices(self.pages, k=batch)
            for page, user in zip(pages, self.rnd.choices(range(1, users + 1), k=batch)):
                key = page["id"] * (users + 1) + user
                if key in seen:
                    misses += 1
                    continue
                seen.add(key)
                value = 1 if self.rnd.random() < 0.88 else -1
                page["up" if value == 1 else "down"] += 1
                self.votes.append((page["id"], user, value))
                if len(self.votes) >= target:
                    break
        self.votes.sort(key=lambda vote: (vote[1], vote[0]))  # in the unique index's order
        return len(self.votes)

    def page_rows(self):
        for p in self.pages:
            n = len(p["times"])
            yield {"id": p["id"], "slug": p["slug"], "title": p["title"], "kind": p["kind"],
                   "product_id": p["product"], "created_by_id": p["author"],
                   "current_revision_id": p["first_revision"] + n - 1, "revision_count": n,
                   "protected": False, "deleted": False, "votes_up": p["up"],
                   "votes_down": p["down"], "comment_count": p["comments"],
                   "created_at": p["times"][0], "updated_at": p["times"][-1]}

    def fill(self, template, page, number):
        link_a = self.pages[(page["id"] * 7 + number) % len(self.pages)]["title"]
        link_b = self.pages[(page["id"] * 13) % len(self.pages)]["title"] if page["id"] % 5 \
            else f"Missing topic {page['id']}"
        return template.fill({
            "QQTITLEQQ": page["title"],
            "QQPRODUCTQQ": self.product_names.get(page["product"], "the product"),
            "QQWORDAQQ": content.NOUNS[(page["id"] + number) % len(content.NOUNS)],
            "QQWORDBQQ": content.ADJECTIVES[page["id"] % len(content.ADJECTIVES)],
            "QQRAREQQ": page["rare"] or content.FILLER[page["id"] % len(content.FILLER)],
            "QQLINKAQQ": link_a, "QQLINKBQQ": link_b})

    def revisions(self):
        templates = self.templates
        previous = 0
        for p in self.pages:
            for number, when in enumerate(p["times"], start=1):
                source, html = self.fill(templates[(p["id"] + number) % len(templates)], p, number)
                size = len(source.encode("utf-8"))
                author = p["author"] if number == 1 else self.rnd.choice(self.user_ids)
                yield {"id": p["first_revision"] + number - 1, "page_id": p["id"], "number": number,
                       "author_id": author, "source": source, "html": html,
                       "summary": "Created the page" if number == 1 else f"Edit {number}",
                       "size": size, "size_delta": size - (previous if number > 1 else 0),
                       "created_at": when, "hidden": False}
                previous = size

    def page_events(self):
        for p in self.pages:
            for number, when in enumerate(p["times"], start=1):
                yield {"kind": "page.created" if number == 1 else "page.edited",
                       "actor_id": p["author"], "page_id": p["id"], "product_id": p["product"],
                       "revision_id": p["first_revision"] + number - 1, "comment_id": None,
                       "data": {}, "public": True, "created_at": when}

    def links(self):
        for p in self.pages:
            targets = {self.pages[(p["id"] * 7 + len(p["times"])) % len(self.pages)]["slug"],
                       (self.pages[(p["id"] * 13) % len(self.pages)]["slug"] if p["id"] % 5
                        else f"missing-topic-{p['id']}")}
            for slug in sorted(targets):
                yield {"from_page_id": p["id"], "to_slug": slug}

    def tags(self):
        names = sorted({f"{a}-{n}" for a in content.ADJECTIVES for n in content.NOUNS})[:200]
        bulk_insert(self.conn, self.t["tags"],
                    ({"id": i, "name": name} for i, name in enumerate(names, start=1)))
        rows = ({"page_id": p["id"], "tag_id": tag}
                for p in self.pages for tag in self.rnd.sample(range(1, len(names) + 1),
                                                               self.rnd.randint(0, 3)))
        return bulk_insert(self.conn, self.t["page_tags"], rows)

    def proposals(self):
        proposal_pages = [p for p in self.pages if p["kind"] == "proposal"]
        states, changes = [], []
        for p in proposal_pages:
            status, changed = p["status"], p["times"][-1]
            answered = status in ("planned", "in_progress", "shipped", "declined")
            source, html = self.response.fill({"QQWORDAQQ": content.NOUNS[p["id"] % 20]}) \
                if answered else (None, None)
            duplicate = None
            if status == "duplicate":
                duplicate = next((q["id"] for q in proposal_pages if q["id"] != p["id"]
                                  and q["status"] != "duplicate"), None)
            states.append({"page_id": p["id"], "status": status, "status_changed_at": changed,
                           "assignee_id": self.rnd.choice(self.innovators) if status != "new" else None,
                           "impact": self.rnd.choice((None, "low", "medium", "high", "very_high")),
                           "response_source": source, "response_html": html,
                           "response_by_id": self.innovators[0] if answered else None,
                           "response_at": changed if answered else None,
                           "duplicate_of_id": duplicate, "last_activity_at": changed})
            if status != "new":
                changes.append({"page_id": p["id"], "actor_id": self.innovators[0],
                                "from_status": "new", "to_status": status, "note": "",
                                "created_at": changed})
        bulk_insert(self.conn, self.t["status_changes"], changes)
        return bulk_insert(self.conn, self.t["proposal_states"], states)

    def plan_comments(self):
        self.comments, last = [], {}
        for cid, page in enumerate(self.popular_pages(self.args.comments), start=1):
            parent = last.get(page["id"]) if self.rnd.random() < 0.25 else None
            last[page["id"]] = cid
            page["comments"] += 1
            self.comments.append((cid, page, parent, self.rnd.choice(self.user_ids),
                                  page["times"][0] + (self.now - page["times"][0]) * self.rnd.random()))

    def comment_rows(self):
        for cid, page, parent, author, when in self.comments:
            template = self.comment_templates[cid % len(self.comment_templates)]
            source, html = template.fill({"QQWORDAQQ": content.NOUNS[cid % 20],
                                          "QQLINKAQQ": page["title"]})
            yield {"id": cid, "page_id": page["id"], "parent_id": parent, "author_id": author,
                   "source": source, "html": html, "created_at": when, "hidden": False}

    def comment_events(self):
        for cid, page, _parent, author, when in self.comments:
            yield {"kind": "comment.created", "actor_id": author, "page_id": page["id"],
                   "product_id": page["product"], "revision_id": None, "comment_id": cid,
                   "data": {}, "public": True, "created_at": when}

    def vote_rows(self):
        pool = [self.at(0.2) for _ in range(2000)]
        for i, (page_id, user, value) in enumerate(self.votes):
            when = pool[i % len(pool)]
            yield {"user_id": user, "page_id": page_id, "value": value, "created_at": when,
                   "updated_at": when, "merged_from_page_id": None}

    def tokens(self):
        from wiki.api_auth import hash_token

        self.raw_tokens = []
        rows = []
        for uid in self.user_ids[21:21 + self.args.tokens] or self.user_ids[:1]:
            raw = f"cwk_bench{uid}_{self.rnd.getrandbits(64):016x}"
            self.raw_tokens.append(raw)
            rows.append({"user_id": uid, "name": "bench", "prefix": raw[:10],
                         "token_hash": hash_token(raw), "created_at": self.now})
        return bulk_insert(self.conn, self.t["api_tokens"], rows)

    def run(self):
        self.templates, self.comment_templates, self.response = content.rendered_templates()
        self.timed("users", self.users)
        self.timed("products", self.products)
        self.timed("ratings", self.ratings)
        self.timed("plan", lambda: (self.plan_pages(), self.plan_votes(), self.plan_comments()))
        self.timed("pages", lambda: bulk_insert(self.conn, self.t["pages"], self.page_rows()))
        self.timed("tags", self.tags)
        self.timed("proposals", self.proposals)
        self.timed("revisions", lambda: bulk_insert(self.conn, self.t["revisions"], self.revisions()))
        self.timed("links", lambda: bulk_insert(self.conn, self.t["links"], self.links()))
        self.timed("votes", lambda: bulk_insert(self.conn, self.t["votes"], self.vote_rows()))
        self.timed("comments", lambda: bulk_insert(self.conn, self.t["comments"], self.comment_rows()))
        self.timed("events", lambda: (bulk_insert(self.conn, self.t["events"], self.page_events()),
                                      bulk_insert(self.conn, self.t["events"], self.comment_events())))
        self.timed("tokens", self.tokens)


def make_app(args):
    from wiki import create_app

    config = {"SQLALCHEMY_DATABASE_URI": args.database_url, "RATELIMIT_ENABLED": False}
    if args.instance_path:
        config["INSTANCE_PATH"] = args.instance_path
    return create_app(config)


def reset_schema(app):
    """Drop every table of the models (and Alembic's), then run `flask setup` on the empty schema."""
    from wiki.extensions import db

    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.engine.dispose()
    result = app.test_cli_runner().invoke(args=["setup"])
    if result.exit_code != 0:
        raise SystemExit(f"flask setup failed:\n{result.output}\n{result.exception!r}")


def after_seed(app):
    """Let the app build what it derives from the data: search index, rankings. Each optional."""
    from wiki.extensions import db

    done = {}
    runner = app.test_cli_runner()
    began = time.perf_counter()
    result = runner.invoke(args=["search", "rebuild"])
    if result.exit_code == 0:
        done["search rebuild"] = round(time.perf_counter() - began, 2)
    elif "No such command" not in (result.output or ""):
        print(f"  flask search rebuild failed:\n{result.output}\n{result.exception!r}", flush=True)
    else:
        done.update(_call_first(app, ("wiki.search", "wiki.search.services", "wiki.search.index"),
                                ("rebuild", "rebuild_index", "reindex")))
    done.update(_call_first(app, ("wiki.votes", "wiki.votes.services", "wiki.votes.ranking",
                                  "wiki.votes.rank", "wiki.votes.accounting"),
                            ("recompute_ranks", "recompute_rankings", "recompute_ranking",
                             "recompute_all_ranks", "refresh_ranks", "recompute_all"),
                            pattern=r"^(recompute|refresh|rebuild|update)_\w*rank"))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            # A maintained database, whatever the server's autovacuum setting: after a bulk load
            # nothing is marked all-visible (no index-only scans) and each row's first reader
            # writes its hint bits, so the runs would measure the load's aftermath.
            began = time.perf_counter()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM (ANALYZE)"))
                conn.execute(text("CHECKPOINT"))
            done["vacuum"] = round(time.perf_counter() - began, 2)
        else:
            with db.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
    return done


def _call_first(app, modules, names, pattern=None):
    """Call the first function found by name (or matching ``pattern``) that takes no arguments."""
    import importlib
    import inspect
    import re

    from wiki.extensions import db

    for module_name in modules:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        found = [n for n in dir(module) if pattern and re.match(pattern, n)]
        for name in [*names, *sorted(found)]:
            fn = getattr(module, name, None)
            if not callable(fn):
                continue
            try:
                required = [p for p in inspect.signature(fn).parameters.values()
                            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY,
                                                                   p.POSITIONAL_OR_KEYWORD)]
            except (TypeError, ValueError):
                required = []
            if required:
                continue
            began = time.perf_counter()
            with app.app_context():
                try:
                    fn()
                    db.session.commit()
                except Exception as error:  # noqa: BLE001 - report, do not crash, on others' code
                    db.session.rollback()
                    print(f"  {module_name}.{name} failed: {error!r}", flush=True)
                    return {}
            return {f"{module_name}.{name}": round(time.perf_counter() - began, 2)}
    return {}


def manifest(seeder, args, seconds, derived):
    pages = seeder.pages
    rnd = random.Random(args.seed + 1)
    sample = rnd.sample(pages, min(len(pages), 20000))
    return {
        "password": PASSWORD, "login": "user00030" if args.users >= 30 else "bench",
        "tokens": seeder.raw_tokens,
        "pages": [{"slug": p["slug"], "revisions": len(p["times"]), "kind": p["kind"]} for p in sample],
        "products": [row["slug"] for row in seeder.product_rows],
        "common_words": list(content.COMMON_WORDS),
        "rare_words": sorted({p["rare"] for p in pages if p["rare"]}) or [content.RARE_WORDS[0]],
        "sizes": {"pages": len(pages), "products": args.products, "users": args.users,
                  "votes": len(seeder.votes), "comments": len(seeder.comments),
                  "revisions": sum(len(p["times"]) for p in pages)},
        "seconds": seconds, "steps": seeder.timings, "derived": derived,
    }


def main(argv=None):
    from wiki.extensions import db

    args = parse_args(argv)
    app = make_app(args)
    if args.reset:
        reset_schema(app)
    began = time.perf_counter()
    with app.app_context():
        tables = db.metadata.tables
        print(f"Seeding {db.engine.url.render_as_string(hide_password=True)}", flush=True)
        with db.engine.connect() as conn, conn.begin():
            if conn.dialect.name == "sqlite":
                # index pages stay in memory while a million rows go in (default: 2 MB)
                conn.exec_driver_sql("PRAGMA cache_size=-1000000")
            seeder = Seeder(conn, args, tables)
            seeder.run()
            reset_sequences(conn, db.metadata)
        db.engine.dispose()
    seeded = round(time.perf_counter() - began, 2)
    print(f"Seeded in {seeded} s; building derived data…", flush=True)
    derived = after_seed(app)
    print(f"Derived data: {derived or 'none'}", flush=True)
    if args.manifest:
        data = manifest(seeder, args, seeded, derived)
        Path(args.manifest).write_text(json.dumps(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
