"""The /try simulator: a phone-like page in the web app. Nothing leaves the server; delivering a
reply is writing the outbound message row the page reads."""
from delivery.channels.base import Capabilities, Channel


class SimulatorAdapter:
    """Sends nothing anywhere: the page shows the outbound rows."""

    name = "simulator"
    capabilities = Capabilities(text_max=4096, buttons_max=20, caption_max=4096)

    def send(self, contact, payload: dict, outbox_id: int, tag: str | None = None) -> str:
        """The provider id is ours."""
        return f"sim-{outbox_id}"

    def send_template(self, contact, template_cfg: dict, payload: dict, outbox_id: int) -> str:
        """The simulator's window never closes, so no template is ever asked for."""
        return f"sim-{outbox_id}"

    def typing(self, contact, message_id: str | None = None) -> None:
        """The page shows its own indicator while it waits."""


class Simulator(Channel):
    """The simulator channel (demos and tests; off in production)."""

    name = "simulator"
    display_name = "Simulator"
    window = "none"
    replies_awaited = True
    delivers_in_database = True

    def __init__(self):
        self.adapter = SimulatorAdapter()


CHANNEL = Simulator()
