"""The `unworked_app` fixture: the app queueing jobs on RQ where no worker takes them, so a test
can look at exactly what was queued (tests/test_jobs.py, tests/test_recovery.py)."""
import os
import uuid

import pytest
from redis import Redis
from rq import Queue

from bot import create_app
from bot.core.db import dispose as dispose_db
from tests.conftest import _sqlite_app, _truncate, require


@pytest.fixture(params=["sqlite", "postgres"])
def unworked_app(request, tmp_path, sqlite_template):
    """The app queueing jobs on RQ, on a queue no worker takes from (so jobs stay waiting)."""
    require(bool(os.environ.get("REDIS_URL")), "Redis (REDIS_URL)")
    queue = f"test-burst-{uuid.uuid4().hex[:8]}"
    if request.param == "sqlite":
        app = _sqlite_app(tmp_path, sqlite_template, REDIS_URL=os.environ["REDIS_URL"], RQ_QUEUE=queue)
    else:
        stack = request.getfixturevalue("pg_stack")
        _truncate(stack["engine"])
        app = create_app({"DATABASE_URL": stack["url"], "REDIS_URL": stack["redis_url"], "RQ_QUEUE": queue,
                          "STORAGE_DIR": str(tmp_path / "files"), "SECRET_KEY": "test-secret",
                          "PUBLIC_BASE_URL": "http://testserver"})
    yield app
    with Redis.from_url(os.environ["REDIS_URL"]) as redis:
        Queue(queue, connection=redis).delete(delete_jobs=True)
    dispose_db(app)
