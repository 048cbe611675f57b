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


# Where a partly sent row keeps its progress, in the payload (see send_in_parts).
PARTS_SENT, LAST_PROVIDER_ID = "parts_sent", "last_provider_id"


def send_in_parts(payload: dict, steps: list) -> str | None:
    """Make one row's provider calls in order, skipping those an earlier attempt already made.

    A row can take several calls (a long text in parts, buttons, then the PDF). When one fails
    transiently the whole row is retried, and without this the citizen would get the parts
    before it twice. The count and the last provider id live in `payload`: the sender's copy,
    which it stores back on the row when the attempt fails. Each step returns a provider id.
    """
    done = int(payload.get(PARTS_SENT) or 0)
    last = payload.get(LAST_PROVIDER_ID)
    for number, step in enumerate(steps, start=1):
        if number > done:
            last = step()
            payload[PARTS_SENT], payload[LAST_PROVIDER_ID] = number, last
    return last


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
