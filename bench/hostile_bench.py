"""How long a hostile text costs from webhook to answer, against a short one in the same run.

A signed WhatsApp Cloud webhook goes to the app (SQLite, inline jobs, so the conversation job and
the NLU run inside the request); the time is from POST to the reply being in the outbox. Texts:
a short "halo" (the ceiling), then 4,096 / 100,000 / 1,000,000 characters of words and of "a@"
(what the quadratic e-mail pattern choked on). Each is run --repeat times; the figures are the
median and the spread (min–max), and the ratio to the short text's median.

Run from the repository root: .venv/bin/python bench/hostile_bench.py [--repeat 5]
"""
import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from bot import create_app  # noqa: E402
from bot.core import db  # noqa: E402
from bot.core.models import Message, Outbox  # noqa: E402
from delivery.channels.graph.fake import signature, whatsapp_contact, whatsapp_envelope, whatsapp_message  # noqa: E402

SECRET = "bench-app-secret"
TEXTS = [
    ("halo (ceiling)", "halo"),
    ("4,096 chars of words", ("mau urus akta kelahiran anak saya " * 200)[:4096]),
    ("100,000 chars of words", ("mau urus akta kelahiran anak saya " * 3000)[:100_000]),
    ("1,000,000 chars of words", ("mau urus akta kelahiran anak saya " * 30000)[:1_000_000]),
    ("100,000 chars of 'a@'", "a@" * 50_000),
    ("1,000,000 chars of 'a@'", "a@" * 500_000),
]


def one(app, client, n: int, text: str) -> float:
    """Seconds from the POST of one message to its reply in the outbox."""
    wa_id = f"62812{n:08d}"
    body = json.dumps(whatsapp_envelope([whatsapp_message(wa_id, "text", {"body": text}, wamid=f"wamid.b{n}")],
                                        [whatsapp_contact(wa_id)])).encode()
    started = time.perf_counter()
    response = client.post("/webhooks/whatsapp", data=body, content_type="application/json",
                           headers={"X-Hub-Signature-256": signature(body, SECRET)})
    with app.app_context(), db.new_session() as s:
        message_id = s.execute(select(Message.id).where(Message.provider_id == f"wamid.b{n}")).scalar_one()
        answered = s.execute(select(Outbox.id).where(Outbox.in_reply_to == message_id)).first() is not None
    took = time.perf_counter() - started
    if response.status_code != 200 or not answered:
        raise SystemExit(f"message {n} was not answered (HTTP {response.status_code})")
    return took


def main() -> None:
    """Run every text --repeat times and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.db", "SECRET_KEY": "bench",
                          "META_APP_SECRET": SECRET, "STORAGE_DIR": f"{tmp}/files", "SPOOL_DIR": f"{tmp}/spool",
                          "WHATSAPP_PHONE_NUMBER_ID": "", "REDIS_URL": None})
        from bot.core.migrate import upgrade
        with app.app_context():
            upgrade(db.engine())
        client = app.test_client()
        one(app, client, 0, "halo")  # warm: the NLU model, the flows, the first connection
        n, results = 1, {}
        for _ in range(args.repeat):  # interleaved, so a noisy moment hits every text alike
            for label, text in TEXTS:
                results.setdefault(label, []).append(one(app, client, n, text))
                n += 1
    ceiling = statistics.median(results[TEXTS[0][0]])
    print(f"{'text':<28} {'median':>9} {'min':>9} {'max':>9} {'x ceiling':>10}")
    for label, _ in TEXTS:
        times = results[label]
        med = statistics.median(times)
        print(f"{label:<28} {med * 1000:>7.0f}ms {min(times) * 1000:>7.0f}ms {max(times) * 1000:>7.0f}ms "
              f"{med / ceiling:>9.1f}x")


if __name__ == "__main__":
    main()
