"""All models, importable from one place."""
from .base import Model, UTCDateTime, utcnow  # noqa: F401
from .events import Event, Notification, Watch  # noqa: F401
from .moderation import FLAG_REASONS, Flag  # noqa: F401
from .pages import KINDS, PRODUCT_KINDS, Comment, Link, Page, Revision, Tag, page_tags  # noqa: F401
from .people import ROLES, ApiToken, PasswordReset, Segment, User  # noqa: F401
from .products import Product, Rating  # noqa: F401
from .proposals import (IMPACTS, OPEN_STATUSES, STATUSES, InternalNote, Merge,  # noqa: F401
                        ProposalState, StatusChange)
from .search import SearchDocument, SearchPending, SearchWord  # noqa: F401
from .votes import Vote  # noqa: F401
from .webhooks import Delivery, Webhook  # noqa: F401
