"""WhatsApp through Twilio: POST /webhooks/twilio (messages) and /webhooks/twilio/status, the
Messages REST API."""
from flask import Response

from delivery import jobs
from delivery.channels.base import Channel, Inbound
from delivery.channels.twilio import adapter, webhook

EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response/>'
# Media we never download (voice notes, videos, stickers): Twilio keeps media until it is deleted.
UNFETCHED = ("sticker", "audio", "video", "unsupported")


class TwilioWhatsApp(Channel):
    """The Twilio WhatsApp channel."""

    name = "twilio"
    display_name = "WhatsApp"
    officer_label = "WhatsApp (Twilio)"
    window = "template"
    signature_headers = ("X-Twilio-Signature", "X-Twilio-Webhooks-Signature-Settings")
    settings = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_FROM", "TWILIO_API_BASE")
    webhook_paths = ("", "status")

    def __init__(self):
        self.adapter = adapter.TwilioAdapter()

    def verify(self, request) -> bool:
        """X-Twilio-Signature over our public URL and the form."""
        return webhook.verify(request)

    def parse(self, request, subpath: str = ""):
        """A message, or (on /status) a delivery status."""
        return webhook.parse_status(request.form) if subpath == "status" else webhook.parse_message(request.form)

    def acknowledge(self):
        """The empty TwiML answer: we reply later, through the REST API."""
        return Response(EMPTY_TWIML, mimetype="text/xml")

    def after_store(self, item: Inbound, message_id: int | None) -> None:
        """Have Twilio delete media we will never download (privacy), off the request path."""
        if message_id is not None and item.kind in UNFETCHED and item.extra.get("media_url"):
            jobs.enqueue("delivery.channels.twilio.adapter.discard_media", item.extra["media_url"])

    def fetch_media(self, payload: dict):
        """Basic auth, redirects followed, 16 MB cap."""
        return adapter.fetch(payload)

    def delete_media(self, payload: dict) -> None:
        """Twilio deletes its copy on request."""
        adapter.delete(payload)

    def shows_natively(self, buttons: list[dict]) -> bool:
        """Buttons always go out as a numbered text here."""
        return False


CHANNEL = TwilioWhatsApp()
