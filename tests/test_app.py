"""The application shell: health, configuration, the simulator API's input checks, the CLI."""
import pytest

from bot import create_app
from bot.core.db import dispose as dispose_db
from flows.engine import Engine
from flows.messages import Event


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"


def test_the_try_page_is_served(client):
    response = client.get("/try")
    assert response.status_code == 200 and "Sapa Dukcapil" in response.get_data(as_text=True)


def test_environment_overrides_config(monkeypatch, tmp_path):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://sapa.example.id")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["PUBLIC_BASE_URL"] == "https://sapa.example.id"
    assert app.config["DATABASE_URL"].startswith("sqlite:///") and app.config["SIMULATOR"] is True
    assert app.config["OFFICE"]["office"]["hours"][0] == ["08:00", "15:30"]
    dispose_db(app)


def test_the_simulator_is_off_when_a_production_database_is_configured(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "a-production-secret")
    monkeypatch.setenv("DATA_KEY", "dGVzdC1kYXRhLWtleS1ub3QtZm9yLXByb2R1Y3Rpb24=")
    app = create_app()
    assert app.test_client().get("/try").status_code == 404
    dispose_db(app)


def test_a_production_database_without_a_secret_key_refuses_to_start_and_says_why(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set.*DATABASE_URL is set"):
        create_app()


def test_the_api_refuses_malformed_messages_in_indonesian(client):
    from flows.definition import texts

    said = texts()["simulator"]  # the office's wording (texts.yml `simulator`)
    cases = [
        ({"data": "not json", "content_type": "application/json"}, said["bad_json"]),
        ({"json": {"text": "halo"}}, said["user_required"].format(max=100)),
        ({"json": {"user": "u"}}, said["empty"]),
        ({"json": {"user": "u", "text": 5}}, said["not_text"]),
        ({"json": {"user": "u", "text": "x" * 5000}}, said["too_long"].format(max=4096)),
    ]
    for kwargs, expected in cases:
        response = client.post("/try/api/messages", **kwargs)
        assert response.status_code == 400, kwargs
        assert response.get_json()["error"] == expected


def test_an_empty_text_gets_a_reply_not_an_error(chat):
    chat.say("   ")
    assert "kosong" in chat.text


def test_stickers_voice_notes_and_locations_are_answered_and_the_question_kept(sqlite_app):
    from bot.core import db
    from bot.core.models import Contact, Conversation

    with sqlite_app.app_context():
        s = db.session()
        contact = Contact(channel="whatsapp", external_id="62811")
        s.add(contact)
        s.flush()
        conv = Conversation(contact_id=contact.id, answers={}, history=[], paused=[], mode="idle")
        s.add(conv)
        from datetime import datetime, timezone
        engine = Engine(s, conv, sqlite_app.config["OFFICE"], now=datetime.now(timezone.utc))
        engine.handle(Event("button", button="svc:akta_kelahiran"))
        for kind, words in [("sticker", "stiker"), ("audio", "pesan suara"), ("location", "lokasi"),
                            ("video", "video"), ("unsupported", "belum bisa kami baca")]:
            replies = engine.handle(Event(kind))
            assert words in replies[0].text and "sebagai apa?" in replies[0].text
        assert conv.step == "hubungan"


def test_the_terminal_chat_talks_to_the_same_engine(sqlite_app):
    result = sqlite_app.test_cli_runner().invoke(args=["chat", "--user", "term-1"], input="halo\n1\n")
    assert "Selamat datang" in result.output and "[1] Akta Kelahiran" in result.output
    assert "Akta Kelahiran* ya" in result.output  # pressing 1 chose the first service


def test_seed_demo_is_idempotent_and_prints_the_login(sqlite_app):
    runner = sqlite_app.test_cli_runner()
    first, second = runner.invoke(args=["seed-demo"]), runner.invoke(args=["seed-demo"])
    assert "petugas /" in first.output and first.output == second.output


def test_the_app_refuses_to_start_with_a_flow_file_that_has_a_misspelt_key(monkeypatch, tmp_path):
    import shutil

    import flows.schema
    from bot.web import app as factory

    flows_dir = tmp_path / "flows"
    shutil.copytree(factory.FLOW_DIR, flows_dir, ignore=shutil.ignore_patterns("*.py", "__pycache__", "*.mmd"))
    flow = flows_dir / "akta_kelahiran.yml"
    flow.write_text(flow.read_text(encoding="utf-8").replace("    label: Pemohon\n", "    lable: Pemohon\n", 1),
                    encoding="utf-8")
    monkeypatch.setattr(flows.schema, "FLOW_DIR", flows_dir)
    monkeypatch.setattr(factory, "FLOW_DIR", flows_dir)
    with pytest.raises(RuntimeError, match=r"akta_kelahiran\.yml: step 'hubungan': unknown key 'lable'"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "test"})
