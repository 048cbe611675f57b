"""`python -m delivery.fakes`: signed webhooks to a running app, and the log of what the fake received."""
from delivery.channels.graph import fake as meta
from delivery.fakes.__main__ import main


def test_the_command_sends_signed_webhooks_and_prints_the_replies(sqlite_app, live_server_url, fake_meta, capsys):
    sqlite_app.config.update(fake_meta.env())
    common = ["--app", live_server_url, "--fake", fake_meta.url, "--wait", "0.5"]
    assert main(["send", "whatsapp", "--from", "6281234567890", "--text", "halo", *common]) == 0
    out = capsys.readouterr().out
    assert "POST /webhooks/whatsapp -> 200" in out
    assert "[whatsapp] message to 6281234567890: Halo, Bapak/Ibu!" in out and "'Akta Kelahiran'" in out

    assert main(["send", "messenger", "--psid", "777", "--button", "svc:akta_kelahiran", *common]) == 0
    assert "[messenger] message to 777: Baik, kita urus *Akta Kelahiran*" in capsys.readouterr().out

    assert main(["log", "--fake", fake_meta.url, "--channel", "messenger"]) == 0
    logged = capsys.readouterr().out.strip().splitlines()
    assert logged and all(line.startswith("[messenger]") for line in logged if line.startswith("["))


def test_a_wrong_app_secret_is_refused_by_the_app(sqlite_app, live_server_url, fake_meta, capsys):
    sqlite_app.config.update(fake_meta.env())
    assert main(["send", "whatsapp", "--text", "halo", "--secret", "not-the-secret", "--app", live_server_url,
                 "--fake", fake_meta.url, "--wait", "0"]) == 1
    assert "-> 403" in capsys.readouterr().out
    assert fake_meta.state["calls"] == []


def test_signed_post_signs_the_exact_bytes_it_sends(sqlite_app, live_server_url, fake_meta):
    sqlite_app.config.update(fake_meta.env())
    body = meta.whatsapp_envelope([meta.whatsapp_message("6281234567890", "text", {"body": "Sangatta 🙂"})],
                                  [meta.whatsapp_contact("6281234567890")])
    response = meta.signed_post(live_server_url, "/webhooks/whatsapp", body)
    assert response.status_code == 200 and response.json() == {"status": "ok"}
