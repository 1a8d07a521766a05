"""GET /api/v1/search and GET /api/v1/search/similar."""
from flask import jsonify, request

from ..database import page_args
from ..search import services
from .blueprint import bp
from .common import ApiError, doc

_RESULT = {"type": "object", "properties": {
    "slug": {"type": "string"}, "title": {"type": "string"}, "kind": {"type": "string"},
    "product": {"type": ["string", "null"]}, "status": {"type": ["string", "null"]},
    "snippet": {"type": "string", "description": "HTML: escaped text with <mark> highlights"},
    "votes": {"type": "object"}, "updated_at": {"type": "string"}}}


@bp.route("/search")
@doc("Full-text search of visible pages",
     params={"q": ("string", "words, \"phrases\", OR, NOT/-word, word*, field:value filters"),
             "kind": ("string", "article|review|recommendation|proposal"),
             "product": ("string", "product slug"), "status": ("string", "proposal status"),
             "tag": ("string", "tag"), "author": ("string", "page creator's username"),
             "sort": ("string", "relevance|newest|votes"), "page": ("integer", ""),
             "per_page": ("integer", "")},
     response={"type": "object", "required": ["results", "total", "page", "per_page", "notices"],
               "properties": {
         "results": {"type": "array", "items": _RESULT},
         "total": {"type": "integer",
                   "description": "matches; an estimate when total_is_estimate is true"},
         "total_is_estimate": {"type": "boolean",
                               "description": "more matches than were counted: total is about"},
         "page": {"type": "integer"}, "per_page": {"type": "integer"},
         "suggestion": {"type": ["string", "null"]}, "notices": {"type": "array"}}},
     auth="optional", errors=(400, 503))
def search_pages():
    q = request.args.get("q", "")
    filters = services.filters_from(request.args)
    if not q.strip() and not filters:
        raise ApiError(400, "missing_query", "Give a query (q=) or a filter (kind, product, status, tag, author).")
    page, per_page = page_args()
    results = services.search(q, filters, sort=request.args.get("sort", "relevance"),
                              page=page, per_page=per_page)
    body = {"results": [r.as_dict() for r in results.items], "total": results.found,
            "total_is_estimate": results.estimated,
            "page": results.page, "per_page": results.per_page, "notices": results.notices,
            "suggestion": results.suggestion or None}
    return jsonify(body)


@bp.route("/search/similar")
@doc("Existing proposals similar to a draft title (to vote instead of duplicating)",
     params={"title": ("string", "the draft's title"), "product": ("string", "product slug"),
             "limit": ("integer", "at most 20")},
     response={"type": "object", "properties": {"results": {"type": "array", "items": _RESULT}}},
     auth="optional", errors=(400, 503))
def search_similar():
    title = request.args.get("title", "")
    if len(title) > 1000:
        raise ApiError(400, "too_long", "A title has at most 200 characters.")
    try:
        limit = int(request.args.get("limit", 5))
    except ValueError:
        limit = 5
    results = services.similar_proposals(title, limit=limit,
                                         product=request.args.get("product") or None)
    return jsonify({"results": [r.as_dict() for r in results]})
