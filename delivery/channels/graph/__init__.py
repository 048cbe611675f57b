"""What the WhatsApp Cloud API and Messenger share: Meta's Graph API client, webhook handshake
and signature, the fake Graph API, and the `GraphChannel` both channels are."""
from delivery.channels.base import Batch, Channel
from delivery.channels.graph import webhook


class GraphChannel(Channel):
    """A channel whose webhooks come from Meta: handshake and X-Hub-Signature-256 alike; only
    the body's `object` and its reading differ."""

    graph_object: str = ""
    signature_headers = ("X-Hub-Signature-256",)
    webhook_paths = ("",)

    def handshake(self, request):
        """Meta's subscription check."""
        return webhook.handshake(request)

    def verify(self, request) -> bool:
        """X-Hub-Signature-256 over the raw body."""
        return webhook.verify(request, self.name)

    def parse(self, request, subpath: str = "") -> Batch:
        """The signed body of our `graph_object`, read by the channel."""
        return self.read(webhook.body(request, self.graph_object))

    def read(self, body: dict) -> Batch:
        """The channel's reading of a verified body (its webhook.parse)."""
        raise NotImplementedError
