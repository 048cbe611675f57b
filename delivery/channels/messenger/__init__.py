"""Facebook Messenger: webhook GET|POST /webhooks/messenger, the Send API."""
from flask import Response

from delivery.channels.graph import GraphChannel
from delivery.channels.messenger import adapter, webhook


class Messenger(GraphChannel):
    """The Messenger channel (a Facebook Page)."""

    name = "messenger"
    display_name = "Messenger"
    window = "tag"
    graph_object = "page"
    settings = ("META_APP_SECRET", "META_VERIFY_TOKEN", "MESSENGER_PAGE_TOKEN", "GRAPH_API_BASE", "GRAPH_API_VERSION")

    def __init__(self):
        self.adapter = adapter.MessengerAdapter()

    def read(self, body: dict):
        """The body's messages, staff replies and receipts."""
        return webhook.parse(body)

    def acknowledge(self):
        """Meta gives up after 20 s and unsubscribes endpoints that keep failing (§3)."""
        return Response("EVENT_RECEIVED", 200, mimetype="text/plain")

    def fetch_media(self, payload: dict):
        """Attachments are pre-signed CDN URLs."""
        return adapter.fetch_media(payload)

    # Messenger has no API to delete an attachment: delete_media stays the base no-op.

    def shows_natively(self, buttons: list[dict]) -> bool:
        """Quick replies."""
        return adapter.shows_natively(buttons)


CHANNEL = Messenger()
