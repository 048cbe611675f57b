"""Channel adapters behind one interface; each sends one outbox payload to one contact."""


class TransportError(Exception):
    """A send failed; permanent errors (blocked user, invalid number) are not retried.

    `window_closed` marks the provider's "outside the 24-hour window" refusal: the message is
    not lost, it waits for the citizen's next message like any message the window holds back.
    """

    def __init__(self, message: str, permanent: bool = False, window_closed: bool = False):
        super().__init__(message)
        self.permanent = permanent or window_closed
        self.window_closed = window_closed


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
