"""The JSON API under /api/v1/. Each area's endpoints live in their own module here."""
