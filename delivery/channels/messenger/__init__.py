"""Facebook Messenger: webhook GET|POST /webhooks/messenger, the Send API."""
from flask import Response

from delivery.channels.base import Channel
from delivery.channels.graph import webhook as graph
from delivery.channels.messenger import adapter, webhook


class Messenger(Channel):
    """The Messenger channel (a Facebook Page)."""

    name = "messenger"
    display_name = "Messenger"
    window = "tag"
    signature_headers = ("X-Hub-Signature-256",)
    settings = ("META_APP_SECRET", "META_VERIFY_TOKEN", "MESSENGER_PAGE_TOKEN", "GRAPH_API_BASE", "GRAPH_API_VERSION")
    webhook_paths = ("",)

    def __init__(self):
        self.adapter = adapter.MessengerAdapter()

    def handshake(self, request):
        """Meta's subscription check."""
        return graph.handshake(request)

    def verify(self, request) -> bool:
        """X-Hub-Signature-256 over the raw body."""
        return graph.verify(request, self.name)

    def parse(self, request, subpath: str = ""):
        """The body's messages, staff replies and receipts."""
        return webhook.parse(graph.body(request, "page"))

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
