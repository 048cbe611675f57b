"""Channel adapters behind one interface; each sends one outbox payload to one contact."""


class TransportError(Exception):
    """A send failed; permanent errors (blocked user, invalid number) are not retried."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class SimulatorAdapter:
    """The /try channel: delivery is writing the outbound message row the page reads."""

    name = "simulator"

    def send(self, contact, payload: dict, outbox_id: int) -> str:
        """Nothing leaves the server; the provider id is ours."""
        return f"sim-{outbox_id}"


ADAPTERS = {"simulator": SimulatorAdapter()}


def adapter_for(channel: str):
    """The adapter that sends on this channel."""
    try:
        return ADAPTERS[channel]
    except KeyError:
        raise TransportError(f"no adapter for channel {channel!r}", permanent=True) from None
