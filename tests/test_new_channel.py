"""Adding a channel is a Channel (and its adapter) plus a registry entry: nothing else in the app
names channels. A made-up channel, registered the way registry.py does, carries a conversation."""
import json

from flask import jsonify

from delivery.channels import fields
from delivery.channels.base import Batch, Capabilities, Channel, Inbound, Malformed
from delivery.channels.registry import CHANNELS, display_name, officer_label


class PigeonAdapter:
    """Keeps what it would have sent."""

    capabilities = Capabilities(text_max=1000, buttons_max=3, typing=False)

    def __init__(self):
        self.sent = []

    def send(self, contact, payload, outbox_id, tag=None):
        """Record the payload; the provider id is ours."""
        self.sent.append((contact.external_id, payload))
        return f"pigeon-{outbox_id}"

    def send_template(self, contact, template_cfg, payload, outbox_id):
        """No templates: the window never closes here."""
        raise AssertionError("never asked for")

    def typing(self, contact, message_id=None):
        """No indicator."""


class Pigeon(Channel):
    """A channel whose provider posts {"from", "id", "text"} with a shared token."""

    name = "pigeon"
    display_name = "Pigeon"
    webhook_paths = ("",)
    signature_headers = ("X-Pigeon-Token",)

    def __init__(self):
        self.adapter = PigeonAdapter()

    def verify(self, request) -> bool:
        """A shared token (a real channel checks an HMAC)."""
        return request.headers.get("X-Pigeon-Token") == "rahasia"

    def parse(self, request, subpath=""):
        """One message per request."""
        body = fields.json_body(request.get_data())
        if body is None:
            raise Malformed("not JSON")
        text, cut = fields.text(body.get("text"), 1000)
        return Batch(messages=[Inbound(fields.ident(body, "from", "body"), fields.ident(body, "id", "body"), "text",
                                       text=text, extra={"cut_from": cut} if cut else {})])

    def acknowledge(self):
        """What the provider expects."""
        return jsonify({"ok": True})


def test_a_registered_channel_gets_its_webhook_and_its_replies(sqlite_app, monkeypatch):
    pigeon = Pigeon()
    monkeypatch.setitem(CHANNELS, pigeon.name, pigeon)
    client = sqlite_app.test_client()
    body = json.dumps({"from": "burung-1", "id": "p-1", "text": "halo"})
    assert client.post("/webhooks/pigeon", data=body, headers={"X-Pigeon-Token": "salah"}).status_code == 403
    answer = client.post("/webhooks/pigeon", data=body, headers={"X-Pigeon-Token": "rahasia"})
    assert answer.status_code == 200 and answer.get_json() == {"ok": True}
    assert pigeon.adapter.sent and pigeon.adapter.sent[0][0] == "burung-1"  # the welcome went out through it
    assert client.post("/webhooks/pigeon", data="{", headers={"X-Pigeon-Token": "rahasia"}).status_code == 400
    assert (display_name("pigeon"), officer_label("pigeon")) == ("Pigeon", "Pigeon")
