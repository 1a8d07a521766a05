"""Ranking: pure scoring functions and the ORDER BY clauses lists use.

* top — the lower bound of the Wilson score interval (95 %) for the share of up-votes, so a page
  with 480 of 500 up-votes ranks above one with 5 of 5: few votes mean little certainty.
* hot — a time-invariant "hot" score: the order of magnitude of the net score plus the creation
  time in units of 12.5 hours. A newer page needs ten times the net score to outrank a page
  12.5 hours older, so scores decay with age without ever being recomputed over time.
* new — newest first.

The scores are stored on the page (``Page.rank_top``/``Page.rank_hot``, indexed) and updated in
the same transaction as each vote, so every list sorts with an index.
"""
import math
from datetime import UTC

Z_95 = 1.959963984540054  # two-sided 95 % quantile of the standard normal distribution
HOT_SECONDS = 45000  # 12.5 hours: one order of magnitude of score
SORTS = ("hot", "top", "new")


def wilson_lower_bound(up, down, z=Z_95):
    """Lower bound of the Wilson score interval for ``up / (up + down)``; 0 with no votes."""
    n = up + down
    if n <= 0:
        return 0.0
    phat = up / n
    z2 = z * z
    centre = phat + z2 / (2 * n)
    margin = z * math.sqrt((phat * (1 - phat) + z2 / (4 * n)) / n)
    return max(0.0, (centre - margin) / (1 + z2 / n))


def _epoch_seconds(moment):
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def hot_score(up, down, created_at):
    """``sign(score) * log10(max(|score|, 1)) + created_epoch / 45000``."""
    score = up - down
    order = math.log10(max(abs(score), 1))
    sign = (score > 0) - (score < 0)
    return sign * order + _epoch_seconds(created_at) / HOT_SECONDS


def ranks(up, down, created_at):
    """The stored rank columns for these counts: ``{"rank_top": …, "rank_hot": …}``."""
    return {"rank_top": wilson_lower_bound(up, down), "rank_hot": hot_score(up, down, created_at)}


def clean_sort(value, default="hot"):
    return value if value in SORTS else default


def order_for(sort):
    """ORDER BY clauses for a list of pages sorted by ``hot``, ``top`` or ``new`` (unknown → hot).

    Usable by any list of pages (the proposals board, a product hub's reviews sorted by
    helpfulness): ``select(Page)...order_by(*order_for("top"))``.
    """
    from ..models import Page

    sort = clean_sort(sort)
    if sort == "top":
        return [Page.rank_top.desc(), (Page.votes_up - Page.votes_down).desc(),
                Page.created_at.desc(), Page.id.desc()]
    if sort == "new":
        return [Page.created_at.desc(), Page.id.desc()]
    return [Page.rank_hot.desc(), Page.id.desc()]


__all__ = ["SORTS", "clean_sort", "hot_score", "order_for", "ranks", "wilson_lower_bound"]
