"""The officers' web inbox under /inbox: sign-in, and the pages officers work from."""
from datetime import timedelta

from bot.web.inbox import (  # noqa: F401  (their routes register on bp)
    auth,
    canned,
    conversations,
    admin,
    audit_log,
    counter,
    dashboard,
    data_requests,
    failures,
    mail,
    numbers,
    office_admin,
    replies,
    requests,
    schedule,
)
from bot.web.inbox.blueprint import bp


def init_app(app) -> None:
    """Register the inbox pages and make its session cookie fit for staff use."""
    if str(app.config.get("PUBLIC_BASE_URL") or "").startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    # One working day: an unattended office browser does not stay signed in overnight.
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=12)
    app.jinja_env.globals["csrf_token"] = auth.csrf_token
    app.jinja_env.globals["reply_tools"] = replies.reply_tools  # the conversation page's reply tools
    app.register_blueprint(bp)
