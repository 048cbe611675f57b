"""Sapa Dukcapil. `bot.core` is the base every part stands on; `bot.web` is the web app on top.

`flask --app bot` and `gunicorn "bot:create_app()"` find the factory here.
"""


def create_app(test_config: dict | None = None):
    """Build the web app (see bot.web.app.create_app)."""
    # Imported when called, not at the top: every layer imports bot.core, which loads this
    # package first, and the web app it would pull in imports those very layers.
    from bot.web.app import create_app as build

    return build(test_config)
