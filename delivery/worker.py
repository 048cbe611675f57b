"""The RQ worker class: builds the app once, so each forked job starts with it ready."""
import os

from rq import Worker

from delivery import jobs


class AppWorker(Worker):
    """An rq Worker whose work horses inherit a ready app instead of building one per job."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        app = jobs.worker_app()
        # Import the job modules (PDF fonts, flows) here: a horse forked afterwards inherits them,
        # where importing them in each horse costs ~0.4 s per job.
        import delivery.sender  # noqa: F401
        import flows.runner  # noqa: F401
        from flows import understand
        with app.app_context():
            understand.warm()
        # A forked child must not share the parent's database connections.
        os.register_at_fork(after_in_child=lambda: _forget_connections(app))


def _forget_connections(app) -> None:
    """In a forked child, drop the pooled connections inherited from the parent without closing them."""
    for name in ("db_engine", "db_autocommit"):
        if name in app.extensions:
            app.extensions[name].dispose(close=False)
