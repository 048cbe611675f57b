"""`python -m delivery.fakes`: the fake provider APIs for local demos, and a signed-webhook sender.

    python -m delivery.fakes                     serve the fake Graph API (and Twilio's, when present)
                                                 on http://127.0.0.1:8765 and print the app settings
    python -m delivery.fakes env                 print those settings as `export` lines
    python -m delivery.fakes send whatsapp --from 6281234567890 --text halo --app http://127.0.0.1:5000
    python -m delivery.fakes send whatsapp --from 6281234567890 --button cmd:menu --title "Menu"
    python -m delivery.fakes send whatsapp --from 6281234567890 --image kk.jpg
    python -m delivery.fakes send messenger --psid 123 --text halo
    python -m delivery.fakes send twilio --from +6281234567890 --text halo
    python -m delivery.fakes log [--channel whatsapp|messenger|twilio]
    python -m delivery.fakes fail 429 [--times 2] [--on send|upload|media]

`send` signs the webhook the way the provider does (Meta: X-Hub-Signature-256 with META_APP_SECRET;
Twilio: X-Twilio-Signature with TWILIO_AUTH_TOKEN), posts it to the app, then prints the replies
the fake received for that citizen.
"""
import argparse
import base64
import hashlib
import mimetypes
import os
import sys
import time
from pathlib import Path

import httpx

from delivery.channels.graph import fake as meta
from delivery.channels.twilio import fake as twilio_fake

DEFAULT_FAKE = "http://127.0.0.1:8765"
DEFAULT_APP = "http://127.0.0.1:5000"


def build_app(meta_state: dict, twilio_state: dict):
    """One Flask app serving both fakes, plus the log of what the Twilio fake received."""
    from flask import Flask, jsonify

    app = Flask("delivery.fakes")
    app.register_blueprint(meta.create_blueprint(meta_state))
    app.register_blueprint(twilio_fake.create_blueprint(twilio_state))

    @app.get("/_fake/twilio/messages")
    def twilio_log():
        """What the fake Twilio API received, oldest first."""
        keep = ("sid", "To", "From", "Body", "MediaUrl", "ContentSid", "ContentVariables", "at")
        return jsonify({"messages": [{k: m.get(k) for k in keep} for m in list(twilio_state["messages"])]})
    return app


def settings(url: str, twilio_state: dict) -> dict:
    """The environment that points the app at these fakes."""
    env = meta.env_for(url)
    env.update({"TWILIO_ACCOUNT_SID": twilio_state["account_sid"], "TWILIO_AUTH_TOKEN": twilio_state["auth_token"],
                "TWILIO_WHATSAPP_FROM": twilio_fake.DEFAULT_FROM, "TWILIO_API_BASE": url})
    return env


def cmd_serve(args) -> int:
    """Serve the fakes until interrupted."""
    from werkzeug.serving import run_simple

    twilio_state = twilio_fake.new_state()
    url = f"http://{args.host}:{args.port}"
    print(f"Fake provider APIs on {url} (Meta Graph API + Twilio).")
    print("Start the app with these settings:")
    for key, value in settings(url, twilio_state).items():
        print(f"  export {key}={value}")
    print("Then: python -m delivery.fakes send whatsapp --from 6281234567890 --text halo")
    run_simple(args.host, args.port, build_app(meta.new_state(), twilio_state), threaded=True)
    return 0


def cmd_env(args) -> int:
    """Print the export lines for the app."""
    for key, value in settings(args.fake, twilio_fake.new_state()).items():
        print(f"export {key}={value}")
    return 0


def _seed(fake_url: str, path: str) -> dict:
    """Put a local file on the fake as an inbound photo/document; returns {id, sha256, cdn_url}."""
    file = Path(path)
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    with httpx.Client(timeout=15) as client:
        answer = client.post(f"{fake_url}/_fake/media", files={"file": (file.name, file.read_bytes(), content_type)})
    answer.raise_for_status()
    return {**answer.json(), "name": file.name, "content_type": content_type, "data": file.read_bytes()}


def whatsapp_body(args) -> dict:
    """The WhatsApp Cloud webhook body for what the citizen does."""
    if args.button:
        kind, content = "interactive", {"type": "button_reply", "button_reply": {"id": args.button,
                                                                                 "title": args.title or args.button}}
    elif args.image or args.document:
        seeded = _seed(args.fake, args.image or args.document)
        digest = base64.b64encode(hashlib.sha256(seeded["data"]).digest()).decode()
        kind = "image" if args.image else "document"
        content = {"mime_type": seeded["content_type"], "sha256": digest, "id": seeded["id"]}
        if args.document:
            content["filename"] = seeded["name"]
    else:
        kind, content = "text", {"body": args.text or ""}
    message = meta.whatsapp_message(args.from_, kind, content)
    return meta.whatsapp_envelope([message], [meta.whatsapp_contact(args.from_, args.name)])


def messenger_body(args) -> dict:
    """The Messenger webhook body for what the citizen does."""
    message = {"mid": meta.new_mid()}
    if args.button:
        message.update(text=args.title or args.button, quick_reply={"payload": args.button})
    elif args.image or args.document:
        seeded = _seed(args.fake, args.image or args.document)
        message["attachments"] = [{"type": "image" if args.image else "file", "payload": {"url": seeded["cdn_url"]}}]
    else:
        message["text"] = args.text or ""
    return meta.messenger_envelope([meta.messenger_event(args.psid, message=message)])


def cmd_send(args) -> int:
    """Post one signed webhook to the app, then print the replies the fake received."""
    before = _calls(args.fake)
    if args.channel == "twilio":
        if args.image or args.document or args.button:
            print("For Twilio use --text, optionally with --media-url (a URL the app can fetch).", file=sys.stderr)
            return 2
        token = args.secret or os.environ.get("TWILIO_AUTH_TOKEN") or twilio_fake.DEFAULT_TOKEN
        # Twilio signs the public URL it was configured with: the app checks against PUBLIC_BASE_URL.
        public = args.public_url or os.environ.get("PUBLIC_BASE_URL") or args.app
        status = twilio_fake.send_inbound(args.app, token, args.from_, args.text or "", args.media_url, public_url=public)
        print(f"POST /webhooks/twilio -> {status}")
        recipient = args.from_ if args.from_.startswith("whatsapp:") else f"whatsapp:{args.from_}"
    else:
        body = whatsapp_body(args) if args.channel == "whatsapp" else messenger_body(args)
        secret = args.secret or os.environ.get("META_APP_SECRET") or meta.DEFAULT_APP_SECRET
        response = meta.signed_post(args.app, f"/webhooks/{args.channel}", body, secret)
        print(f"POST /webhooks/{args.channel} -> {response.status_code} {response.text[:60].strip()}")
        if response.status_code != 200:
            return 1
        recipient = args.from_ if args.channel == "whatsapp" else args.psid
    deadline = time.monotonic() + args.wait
    seen = 0
    while time.monotonic() < deadline:
        new = [c for c in _calls(args.fake)[len(before):] if c.get("to") == recipient]
        for call in new[seen:]:
            print(describe(call))
        seen = len(new)
        time.sleep(0.3)
    return 0


_unreachable: set = set()


def _calls(fake_url: str) -> list[dict]:
    """Every outbound call the fakes recorded (Meta calls, then Twilio messages), oldest first."""
    calls = []
    with httpx.Client(timeout=5) as client:
        try:
            calls += client.get(f"{fake_url}/_fake/messages").json()["calls"]
            twilio = client.get(f"{fake_url}/_fake/twilio/messages")
            if twilio.status_code == 200:
                calls += [{"channel": "twilio", "kind": "message", "to": m["To"], "body": m}
                          for m in twilio.json()["messages"]]
        except httpx.HTTPError as err:
            if fake_url not in _unreachable:
                _unreachable.add(fake_url)
                print(f"The fake at {fake_url} is not answering ({type(err).__name__}).", file=sys.stderr)
    return calls


def describe(call: dict) -> str:
    """One recorded call as a readable line."""
    body, head = call.get("body") or {}, f"[{call.get('channel')}] {call.get('kind')} to {call.get('to', '-')}"
    if call.get("channel") == "twilio":
        return f"{head}: {body.get('Body') or body.get('ContentSid') or body.get('MediaUrl')}"
    if call.get("kind") == "upload":
        return f"[whatsapp] upload {call['filename']} ({call['content_type']}, {call['size']} bytes) -> {call['media_id']}"
    if call.get("channel") == "messenger":
        message = body.get("message") or {}
        if call.get("file"):
            return f"{head}: 📎 {call['file']['filename']} ({call['file']['size']} bytes)"
        quick = [q["title"] for q in message.get("quick_replies") or []]
        tag = f" [{body['tag']}]" if body.get("tag") else ""
        return f"{head}{tag}: {message.get('text') or body.get('sender_action')}" + (f"  {quick}" if quick else "")
    kind = body.get("type")
    if kind == "text":
        return f"{head}: {body['text']['body']}"
    if kind == "interactive":
        action = body["interactive"]["action"]
        titles = [b["reply"]["title"] for b in action.get("buttons", [])] or \
                 [r["title"] for s in action.get("sections", []) for r in s["rows"]]
        return f"{head}: {body['interactive']['body']['text']}  {titles}"
    if kind == "document":
        return f"{head}: 📎 {body['document']['filename']} (media {body['document']['id']})"
    if kind == "template":
        return f"{head}: template {body['template']['name']}"
    return f"{head}: {body}"


def cmd_log(args) -> int:
    """Print what the fakes received."""
    for call in _calls(args.fake):
        if not args.channel or call.get("channel") == args.channel:
            print(describe(call))
    return 0


def cmd_fail(args) -> int:
    """Script failures on the running fake Graph API."""
    with httpx.Client(timeout=5) as client:
        answer = client.post(f"{args.fake}/_fake/fail", json={"mode": args.mode, "times": args.times, "on": args.on})
    print(answer.json())
    return 0 if answer.status_code == 200 else 1


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(prog="python -m delivery.fakes", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="serve the fake provider APIs")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    env = sub.add_parser("env", help="print the settings that point the app at the fakes")
    env.add_argument("--fake", default=DEFAULT_FAKE)
    send = sub.add_parser("send", help="post a signed inbound webhook to the app")
    send.add_argument("channel", choices=["whatsapp", "messenger", "twilio"])
    send.add_argument("--from", dest="from_", default="6281234567890", help="WhatsApp number (wa_id)")
    send.add_argument("--psid", default="24023456789012345", help="Messenger page-scoped id")
    send.add_argument("--name", default="Warga Uji", help="WhatsApp profile name")
    what = send.add_mutually_exclusive_group()
    what.add_argument("--text")
    what.add_argument("--button", help="a button id (from the last reply)")
    what.add_argument("--image", help="a local photo to send")
    what.add_argument("--document", help="a local PDF to send")
    send.add_argument("--title", help="the pressed button's title")
    send.add_argument("--media-url", help="Twilio only: a media URL")
    send.add_argument("--app", default=DEFAULT_APP)
    send.add_argument("--public-url", help="Twilio only: the app's PUBLIC_BASE_URL (default: environment, then --app)")
    send.add_argument("--fake", default=DEFAULT_FAKE)
    send.add_argument("--secret", help="META_APP_SECRET / TWILIO_AUTH_TOKEN (default: environment, then the fake's)")
    send.add_argument("--wait", type=float, default=4.0, help="seconds to watch for replies")
    log = sub.add_parser("log", help="print what the fakes received")
    log.add_argument("--fake", default=DEFAULT_FAKE)
    log.add_argument("--channel", choices=["whatsapp", "messenger", "twilio"])
    failp = sub.add_parser("fail", help="make the fake Graph API fail the next calls")
    failp.add_argument("mode", choices=sorted(meta.FAILURES))
    failp.add_argument("--times", type=int, default=1)
    failp.add_argument("--on", default="send", choices=["send", "typing", "upload", "media", "any"])
    failp.add_argument("--fake", default=DEFAULT_FAKE)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand (serve when none is given)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["serve", *argv]  # `python -m delivery.fakes [--port N]` serves
    args = parser().parse_args(argv)
    return {"serve": cmd_serve, "env": cmd_env, "send": cmd_send, "log": cmd_log, "fail": cmd_fail}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
