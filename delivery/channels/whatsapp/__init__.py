"""WhatsApp through Meta's Cloud API: webhook GET|POST /webhooks/whatsapp, the Graph send API."""
import logging

from flask import current_app, jsonify
from sqlalchemy import select

from bot.core import db
from bot.core.inbound_store import get_contact
from bot.core.models import Contact
from delivery.channels.base import Inbound
from delivery.channels.graph import GraphChannel
from delivery.channels.whatsapp import adapter, webhook

log = logging.getLogger(__name__)


class WhatsAppCloud(GraphChannel):
    """The WhatsApp Cloud API channel."""

    name = "whatsapp"
    display_name = "WhatsApp"
    window = "template"
    graph_object = "whatsapp_business_account"
    settings = ("META_APP_SECRET", "META_VERIFY_TOKEN", "WHATSAPP_TOKEN", "WHATSAPP_PHONE_NUMBER_ID",
                "GRAPH_API_BASE", "GRAPH_API_VERSION")

    def __init__(self):
        self.adapter = adapter.WhatsAppAdapter()

    def read(self, body: dict):
        """The body's messages and statuses (those for our phone number)."""
        return webhook.parse(body, current_app.config.get("WHATSAPP_PHONE_NUMBER_ID"))

    def acknowledge(self):
        """The answer Meta takes as delivered."""
        return jsonify({"status": "ok"})

    def before_store(self, item: Inbound) -> None:
        """Keep the wa_id of a contact keyed on its BSUID."""
        if item.phone:
            _remember_phone(item)

    def fetch_media(self, payload: dict):
        """Look the media id up, then download it."""
        return adapter.fetch_media(payload)

    def delete_media(self, payload: dict) -> None:
        """Meta deletes its copy on request."""
        adapter.delete_media(payload)

    def shows_natively(self, buttons: list[dict]) -> bool:
        """Reply buttons or a list."""
        return adapter.shows_natively(buttons)


def _remember_phone(item: Inbound) -> None:
    """Keep the wa_id of a BSUID-keyed contact (Meta prefers sends to phone numbers), and carry a
    contact first known by its wa_id over to its BSUID so the conversation continues."""
    with db.new_session() as s:
        by_user = s.execute(select(Contact).where(Contact.channel == WhatsAppCloud.name,
                                                  Contact.external_id == item.external_id)).scalar_one_or_none()
        if by_user is None:
            by_phone = s.execute(select(Contact).where(Contact.channel == WhatsAppCloud.name,
                                                       Contact.external_id == item.phone)).scalar_one_or_none()
            if by_phone is not None:
                by_phone.external_id = item.external_id
            by_user = by_phone or get_contact(s, WhatsAppCloud.name, item.external_id, item.display_name)
        if by_user.phone != item.phone and _free(s, by_user):
            by_user.phone = item.phone
        s.commit()


def _free(s, contact: Contact) -> bool:
    """Lock the contact's row only if no job holds it (SKIP LOCKED): a changed number is not worth
    making the webhook wait for a dialogue step; the citizen's next message brings it again."""
    if contact.id is None:
        return True  # created in this session: nobody else can hold it
    return s.execute(select(Contact.id).where(Contact.id == contact.id)
                     .with_for_update(key_share=True, skip_locked=True)).scalar_one_or_none() is not None


CHANNEL = WhatsAppCloud()
