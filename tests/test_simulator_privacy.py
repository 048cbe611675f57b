"""The simulator's transcripts belong to the browser that started them, and the simulator is off
in a deployment unless switched on."""
from bot import create_app
from bot.core.db import dispose as dispose_db
from flows.definition import texts
from tests.conftest import FATHER_NIK, Chat


def test_another_browser_cannot_read_a_transcript_by_its_user_id(app):
    owner = Chat(app.test_client(), "warga-rahasia")
    owner.say("halo")
    owner.say(f"NIK saya {FATHER_NIK}")
    mine = owner.client.get("/try/api/messages?user=warga-rahasia")
    assert mine.status_code == 200 and len(mine.get_json()["messages"]) >= 3

    stranger = app.test_client()
    theirs = stranger.get("/try/api/messages?user=warga-rahasia")
    assert theirs.status_code == 404
    body = theirs.get_data(as_text=True)
    assert FATHER_NIK not in body and "messages" not in theirs.get_json()
    assert theirs.get_json()["error"] == texts()["simulator"]["not_yours"]


def test_another_browser_cannot_write_as_an_existing_user(app):
    owner = Chat(app.test_client(), "warga-a")
    owner.say("halo")
    before = owner.client.get("/try/api/messages?user=warga-a").get_json()["messages"]
    refused = app.test_client().post("/try/api/messages", json={"user": "warga-a", "text": "status"})
    assert refused.status_code == 404 and "replies" not in refused.get_json()
    assert owner.client.get("/try/api/messages?user=warga-a").get_json()["messages"] == before


def test_a_forged_cookie_holds_nothing(app):
    Chat(app.test_client(), "warga-b").say("halo")
    forger = app.test_client()
    forger.set_cookie("sapa_try", '["warga-b"]', path="/try")
    assert forger.get("/try/api/messages?user=warga-b").status_code == 404


def test_an_unknown_id_is_refused_the_same_as_someone_elses(app):
    Chat(app.test_client(), "ada").say("halo")
    stranger = app.test_client()
    exists = stranger.get("/try/api/messages?user=ada")
    missing = stranger.get("/try/api/messages?user=tidak-ada")
    assert exists.status_code == missing.status_code == 404 and exists.get_json() == missing.get_json()


def test_the_page_can_read_its_own_new_conversation_and_one_browser_keeps_several(app):
    client = app.test_client()
    page = client.get("/try").get_data(as_text=True)
    user = page.split('data-user-id="')[1].split('"')[0]
    assert client.get(f"/try/api/messages?user={user}").get_json() == {"messages": []}
    Chat(client, "kedua").say("halo")
    assert client.get(f"/try/api/messages?user={user}").status_code == 200
    assert len(client.get("/try/api/messages?user=kedua").get_json()["messages"]) >= 2


def test_the_simulator_is_off_in_a_deployment_unless_switched_on(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SIMULATOR", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "a-deployment-secret")  # a deployment on the embedded database
    app = create_app()
    assert app.test_client().get("/try").status_code == 404
    assert app.test_client().post("/try/api/messages", json={"user": "x", "text": "halo"}).status_code == 404
    dispose_db(app)
    monkeypatch.setenv("SIMULATOR", "1")
    app = create_app()
    assert app.test_client().get("/try").status_code == 200
    dispose_db(app)


def test_the_demo_with_nothing_configured_has_the_simulator(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "SECRET_KEY", "SIMULATOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.test_client().get("/try").status_code == 200
    dispose_db(app)


def test_a_page_whose_stored_conversation_belongs_to_another_browser_starts_afresh(sqlite_app, live_server_url,
                                                                                   browser_page):
    import httpx
    from playwright.sync_api import expect

    other = httpx.Client()
    assert other.post(live_server_url + "/try/api/messages", json={"user": "sim-orang-lain", "text": "halo"}).status_code == 200
    page = browser_page
    page.goto(live_server_url + "/try")
    page.evaluate("localStorage.setItem('sapa.user', 'sim-orang-lain')")  # e.g. copied, or a cleared cookie
    page.reload()
    page.wait_for_selector("[data-testid=composer-input]:enabled")
    assert page.evaluate("localStorage.getItem('sapa.user')") != "sim-orang-lain"
    expect(page.get_by_test_id("message-out")).to_have_count(0)  # nothing of the other conversation
    page.get_by_test_id("composer-input").fill("halo")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("message-out").first).to_be_visible()
    assert page.js_errors == []
