"""Shared by the search tests: the backends a run can exercise."""
import os

import pytest

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or ""
# the PostgreSQL backend needs PostgreSQL; CI runs the whole suite once with TEST_DATABASE_URL set
BACKENDS = ["whoosh", "tantivy"] + (["postgres"] if TEST_DATABASE_URL.startswith("postgres") else [])


@pytest.fixture(params=BACKENDS)
def app_config(request):
    return {"SEARCH_BACKEND": request.param}
