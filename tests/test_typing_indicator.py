"""While a reply is prepared the citizen sees "typing…" (WhatsApp Cloud also shows the read ticks)."""
import pytest

from delivery.channels.graph import fake as fake
from tests.channel_drivers import MetaChat

CITIZENS = {"whatsapp": "6281234567001", "messenger": "7100000000000001"}


def calls_since(server, mark: int, channel: str) -> list[dict]:
    """The fake's calls on `channel` after the first `mark` ones."""
    return [c for c in server.state["calls"][mark:] if c["channel"] == channel]


@pytest.mark.parametrize("channel", ["whatsapp", "messenger"])
def test_typing_is_shown_for_the_citizens_message_before_the_reply(meta_app, fake_meta, channel):
    chat = MetaChat(meta_app, fake_meta, channel, CITIZENS[channel])
    mark = len(fake_meta.state["calls"])
    replies = chat.say("halo")
    assert replies, "the citizen got no reply"
    calls = calls_since(fake_meta, mark, channel)
    kinds = [c["kind"] for c in calls]
    first_reply = kinds.index("message")
    if channel == "whatsapp":
        [typing] = [c for c in calls if c["kind"] == "read"]
        # The read ticks and the indicator name the citizen's own message (its wamid).
        assert typing["typing"] and typing["message_id"].startswith("wamid.TEST")
        assert kinds.index("read") < first_reply
    else:
        [typing] = [c for c in calls if c["kind"] == "action"]
        assert typing["body"] == {"recipient": {"id": CITIZENS[channel]}, "sender_action": "typing_on"}
        assert kinds.index("action") < first_reply


@pytest.mark.parametrize("channel", ["whatsapp", "messenger"])
def test_a_failing_typing_indicator_does_not_cost_the_citizen_the_reply(meta_app, fake_meta, channel):
    fake.fail(fake_meta.state, "500", on="typing")
    chat = MetaChat(meta_app, fake_meta, channel, CITIZENS[channel])
    replies = chat.say("halo")
    assert fake_meta.state["failures"] == []  # the indicator was tried, and refused
    assert replies and "Dukcapil" in replies[0]["text"]
