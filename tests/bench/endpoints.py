"""What `make bench` measures: one entry per endpoint, built from the seeder's manifest."""
import itertools
import json
import random
from dataclasses import dataclass, field, replace
from urllib.parse import quote_plus

from tests.bench import content

READ, SEARCH, WRITE = "read", "search", "write"
KINDS = ("article", "review", "recommendation", "proposal")


@dataclass
class Endpoint:
    name: str
    label: str
    category: str
    paths: list
    method: str = "GET"
    headers: dict = field(default_factory=dict)
    bodies: list | None = None
    auth: list | None = None
    # each item at most once: page saves need a fresh base revision, and distinct searches
    # must not meet an answer cached by an earlier request
    unique: bool = False
    probe: tuple | None = None  # (path, body, auth) for the single counted request

    def probe_request(self):
        if self.probe:
            return self.probe
        return (self.paths[0], self.bodies[0] if self.bodies else None,
                self.auth[0] if self.auth else None)

    def for_warmup(self):
        """What the unmeasured warm-up run requests. A unique endpoint's items are taken from
        the front by the measured run (bench.lua), so the warm-up takes them from the back:
        the run then meets none that the warm-up used (or cached)."""
        if not self.unique:
            return self
        return replace(self, paths=self.paths[::-1],
                       bodies=self.bodies[::-1] if self.bodies else None,
                       auth=self.auth[::-1] if self.auth else None)


READS_PER_LIST = 20000
USER_AGENT = "CoWiki-bench/1"  # length of each list of read paths that wrk picks from at random


def popular(items, rnd, n=READS_PER_LIST, s=1.0):
    """``n`` picks from ``items`` with Zipf popularity (the k-th item is read 1/k^s as often as
    the first): how readers spread over a wiki's pages, a few read often, most rarely."""
    return rnd.choices(items, weights=[1 / (k ** s) for k in range(1, len(items) + 1)], k=n)


def distinct_queries(manifest, seed=7):
    """Two of the dataset's content words, every pair, alone and with each kind filter, in a
    shuffled order (about 8,000 searches, no two alike): the searches readers make that no cache
    has seen, so they measure what a search itself costs."""
    words = list(dict.fromkeys([*manifest["common_words"], *manifest["rare_words"],
                                *content.ADJECTIVES, *content.NOUNS, *content.FILLER]))
    pairs = [f"{a} {b}" for a, b in itertools.combinations(words, 2)]
    queries = pairs + [f"{pair} kind:{kind}" for pair in pairs for kind in KINDS]
    random.Random(seed).shuffle(queries)
    return queries


def build(manifest, cookie, seed=7):
    rnd = random.Random(seed)
    # the browser that logged in: the same User-Agent, or the session's log-in protection
    # would see another client and rewrite the cookie on every answer
    signed_in = {"Cookie": cookie, "User-Agent": USER_AGENT}
    pages = manifest["pages"]
    reserved, pool = pages[:20], pages[20:] or pages
    reads = popular([p["slug"] for p in pool[:5000]], rnd)
    edited = popular([p["slug"] for p in pool if p["revisions"] >= 2][:5000] or reads, rnd)
    proposals = [p["slug"] for p in pool if p["kind"] == "proposal"][:5000] or reads
    products = manifest["products"]
    tokens = [f"Bearer {t}" for t in manifest["tokens"]]
    json_headers = {"Content-Type": "application/json", "Accept": "application/json"}
    common = manifest["common_words"]
    filtered = [f"{common[0]} kind:proposal", f"{common[1]} kind:review",
                f"{common[0]} kind:proposal status:planned", f"{common[2]} kind:recommendation"]

    def search(queries):
        return [f"/search?q={quote_plus(q)}" for q in queries]

    distinct = search(distinct_queries(manifest, seed))

    votable = [p for p in pool if p["kind"] != "article"] or pool  # articles take no votes (400)
    vote_items = [(rnd.choice(votable)["slug"], rnd.choice((1, 1, 1, -1))) for _ in range(20000)]
    saves = pool[len(pool) // 2:] or pool
    save_body = ("# Benchmark edit\n\nThe battery and the screen, measured again (edit {n}).\n\n"
                 "- one\n- two\n\nSee [[{slug}]].\n")

    endpoints = [
        Endpoint("home", "home page (not a target)", "extra", ["/"]),
        Endpoint("page_anon", "anonymous page view", READ, [f"/wiki/{s}" for s in reads]),
        Endpoint("page_user", "logged-in page view", READ, [f"/wiki/{s}" for s in reads],
                 headers=signed_in),
        Endpoint("product_hub", "product hub", READ,
                 [f"/products/{s}" for s in popular(products, rnd)]),
        Endpoint("proposals_top", "proposals board (top)", READ,
                 ["/proposals/?sort=top", "/proposals/?sort=top&page=2"]),
        Endpoint("recent", "recent changes", READ, ["/recent"]),
        Endpoint("history", "history", READ, [f"/wiki/{s}/history" for s in edited]),
        Endpoint("diff", "diff", READ, [f"/wiki/{s}/diff?from=1&to=2" for s in edited]),
        Endpoint("search_common", "search: common word", SEARCH, search(common)),
        Endpoint("search_rare", "search: rare word", SEARCH, search(manifest["rare_words"])),
        Endpoint("search_filtered", "search: filtered", SEARCH, search(filtered)),
        # the same few searches for a signed-in reader: after the first request for each, their
        # role's shell answers (and beneath it the shared search cache)
        Endpoint("search_common_user", "search: common word, signed in (repeated)", SEARCH,
                 search(common), headers=signed_in),
        Endpoint("search_filtered_user", "search: filtered, signed in (repeated)", SEARCH,
                 search(filtered), headers=signed_in),
        # each query asked once (the probe has one of its own), so no cache can answer: what a
        # search itself costs; it counts toward the search target like the others
        Endpoint("search_distinct_user", "search: distinct queries, signed in", SEARCH,
                 distinct[1:], headers=signed_in, unique=True,
                 probe=(distinct[0], None, None)),
        Endpoint("feed_recent", "Atom feed (recent)", READ, ["/feeds/recent.atom"]),
        Endpoint("vote", "vote (API)", WRITE, [f"/api/v1/pages/{s}/vote" for s, _ in vote_items],
                 method="PUT", headers=json_headers,
                 bodies=[json.dumps({"value": v}) for _, v in vote_items], auth=tokens,
                 probe=(f"/api/v1/pages/{proposals[0]}/vote", json.dumps({"value": 1}),
                        tokens[0] if tokens else None)),
        Endpoint("page_save", "page save (API)", WRITE, [f"/api/v1/pages/{p['slug']}" for p in saves],
                 method="PUT", headers=json_headers, unique=True, auth=tokens,
                 bodies=[json.dumps({"body": save_body.format(n=i, slug=reserved[0]["slug"]),
                                     "summary": "bench", "base_revision": p["revisions"]})
                         for i, p in enumerate(saves)],
                 probe=(f"/api/v1/pages/{reserved[1]['slug']}",
                        json.dumps({"body": save_body.format(n="probe", slug=reserved[0]["slug"]),
                                    "summary": "bench", "base_revision": reserved[1]["revisions"]}),
                        tokens[0] if tokens else None)),
    ]
    return endpoints


def lua_string(value):
    value = str(value)
    level = "=" * 3
    while f"]{level}]" in value:
        level += "="
    return f"[{level}[{value}]{level}]"


def lua_spec(endpoint, threads):
    """The endpoint as a Lua chunk for bench.lua (read with dofile)."""
    def table(items):
        return "{" + ",\n".join(lua_string(i) for i in items) + "}"

    parts = [f"method = {lua_string(endpoint.method)}", f"threads = {int(threads)}",
             f"unique = {'true' if endpoint.unique else 'false'}",
             f"paths = {table(endpoint.paths)}",
             "headers = {" + ", ".join(f"[ {lua_string(k)} ] = {lua_string(v)}"
                                       for k, v in endpoint.headers.items()) + "}"]
    if endpoint.bodies:
        parts.append(f"bodies = {table(endpoint.bodies)}")
    if endpoint.auth:
        parts.append(f"auth = {table(endpoint.auth)}")
    return "return {\n" + ",\n".join(parts) + "\n}\n"
