"""Every channel the assistant speaks on. Adding one is a folder beside this file and one line here."""
from delivery.channels import messenger, simulator, twilio, whatsapp
from delivery.channels.base import Channel, TransportError

CHANNELS: dict[str, Channel] = {c.name: c for c in (
    twilio.CHANNEL,
    whatsapp.CHANNEL,
    messenger.CHANNEL,
    simulator.CHANNEL,
)}


def channel(name: str) -> Channel | None:
    """The channel of this name, if we have one."""
    return CHANNELS.get(name)


def adapter_for(name: str):
    """The adapter that sends on this channel; a permanent TransportError for an unknown one."""
    found = CHANNELS.get(name)
    if found is None:
        raise TransportError(f"no adapter for channel {name!r}", permanent=True)
    return found.adapter


def display_name(name: str) -> str:
    """How the channel is called to people (officers, receipts)."""
    found = CHANNELS.get(name)
    return found.display_name if found else name


def officer_label(name: str) -> str:
    """How the channel is called to officers (which WhatsApp, where there are two)."""
    found = CHANNELS.get(name)
    return found.officer_label if found else name
