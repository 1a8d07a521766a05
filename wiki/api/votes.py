"""Votes and ratings in the JSON API."""
from flask import jsonify
from flask_login import current_user

from .. import rowload
from ..database import reading
from ..models import Page
from ..permissions import is_member, requires
from ..products.services import get_product
from ..votes import services
from .blueprint import bp
from .common import ApiError, doc, json_body

_COUNTS = {"type": "object", "properties": {"up": {"type": "integer"}, "down": {"type": "integer"},
                                             "score": {"type": "integer"}}}
VOTE_STATE = {"type": "object", "properties": {"votes": _COUNTS,
                                                "my_vote": {"type": "integer", "enum": [-1, 0, 1]}}}
RATING_STATE = {"type": "object", "properties": {
    "rating": {"type": "object", "properties": {
        "average": {"type": ["number", "null"]}, "count": {"type": "integer"},
        "histogram": {"type": "object", "additionalProperties": {"type": "integer"}}}},
    "my_stars": {"type": "integer", "minimum": 0, "maximum": 5}}}


def _votable_page(slug):
    # read outside the session (``rowload``), so the vote's own transaction, which takes the
    # write lock, is the request's only one; the vote checks again that the page still stands.
    # Its typed values, not an object: the vote reads four of them and changes none
    page = rowload.row(Page, "slug", slug)
    if page is None or page.deleted:
        raise ApiError(404, "not_found", "There is no such page.")
    return page


@bp.route("/pages/<slug>/vote", methods=["PUT"])
@doc("Vote on a proposal (support/oppose), review or recommendation (helpful/not helpful)",
     body={"type": "object", "required": ["value"],
           "properties": {"value": {"type": "integer", "enum": [1, -1]}}},
     response=VOTE_STATE, auth="required", errors=(400, 401, 403, 404, 415, 429))
@requires(is_member)
def put_vote(slug):
    data = json_body(required=("value",))
    page = _votable_page(slug)
    value = services.check_vote_value(data["value"])  # a withdrawal is DELETE, never a null here
    return jsonify(services.vote_and_state(current_user, page, value))


@bp.route("/pages/<slug>/vote", methods=["DELETE"])
@doc("Withdraw your vote on a page", response=VOTE_STATE, auth="required",
     errors=(400, 401, 403, 404, 429))
@requires(is_member)
def delete_vote(slug):
    page = _votable_page(slug)
    return jsonify(services.vote_and_state(current_user, page, None))


@bp.route("/products/<slug>/rating", methods=["PUT"])
@doc("Rate a product from 1 to 5 stars (rating again changes your rating)",
     body={"type": "object", "required": ["stars"],
           "properties": {"stars": {"type": "integer", "minimum": 1, "maximum": 5}}},
     response=RATING_STATE, auth="required", errors=(400, 401, 403, 404, 415, 429))
@requires(is_member)
def put_rating(slug):
    data = json_body(required=("stars",))
    with reading():
        product = get_product(slug)
    if product is None:
        raise ApiError(404, "not_found", "There is no such product.")
    services.rate_product(current_user, product, data["stars"])
    return jsonify(services.rating_state(current_user, product))


@bp.route("/products/<slug>/rating", methods=["GET"])
@doc("A product's rating: average, count and histogram, and your own stars", response=RATING_STATE,
     auth="optional", errors=(404,))
def get_rating(slug):
    product = get_product(slug)
    if product is None:
        raise ApiError(404, "not_found", "There is no such product.")
    return jsonify(services.rating_state(current_user, product))
