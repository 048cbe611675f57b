"""The simulator page /try in a real headless Chromium: chat, buttons, upload, reload, errors.

Runs against the real app through the `live_server_url` fixture (tests/conftest.py). Set
TRY_BASE_URL (e.g. http://127.0.0.1:5000) to point it at an already running server instead.
The `browser_page` fixture is tests/plugins/browser.py: without /usr/bin/chromium these tests
skip, except under CI=true, where they fail.
"""
import json
import os
import struct
import zlib

import pytest

from bot.core.db import dispose as dispose_db
from tests.conftest import whole_files

pytestmark = pytest.mark.browser


def tiny_png(width: int = 24, height: int = 24) -> bytes:
    """A valid RGB PNG with a colour gradient, built by hand so no imaging library is needed."""
    rows = b"".join(
        b"\x00" + b"".join(bytes((x * 10 % 256, y * 10 % 256, 120)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture
def try_base_url(request) -> str:
    """The server to test: TRY_BASE_URL when set, else the real app from `live_server_url`."""
    override = os.environ.get("TRY_BASE_URL")
    if override:
        return override.rstrip("/")
    try:
        return request.getfixturevalue("live_server_url").rstrip("/")
    except pytest.FixtureLookupError:
        pytest.fail("the live_server_url fixture (tests/conftest.py) is missing; or set TRY_BASE_URL")


def open_chat(page, base_url: str) -> None:
    """Load /try and wait until the transcript is loaded and the composer is usable."""
    page.goto(base_url + "/try")
    page.wait_for_selector("[data-testid=composer-input]:enabled")


def count(page, testid: str) -> int:
    """How many elements with this data-testid are on the page."""
    return page.locator(f"[data-testid={testid}]").count()


def wait_for_more(page, testid: str, than: int) -> None:
    """Wait until more than `than` elements with this data-testid are on the page."""
    page.wait_for_function(
        "([id, n]) => document.querySelectorAll(`[data-testid=${id}]`).length > n", arg=[testid, than]
    )


def wait_for_answer(page) -> None:
    """Wait until the typing indicator is gone: the reply (or an error) has been shown."""
    page.wait_for_selector("[data-testid=typing]", state="detached")


def test_it_chats_taps_a_button_uploads_and_restores_after_a_reload(browser_page, try_base_url):
    from playwright.sync_api import expect

    page = browser_page
    open_chat(page, try_base_url)
    user = page.evaluate("localStorage.getItem('sapa.user')")
    assert user, "the page stores its simulator user id under sapa.user"
    assert "Sapa Dukcapil" in page.locator("h1").inner_text()

    # "halo" gets a greeting with reply buttons.
    page.get_by_test_id("composer-input").fill("halo")
    page.get_by_test_id("composer-input").press("Enter")
    page.wait_for_selector("[data-testid=reply-button]:enabled")
    wait_for_answer(page)
    assert page.get_by_test_id("message-in").last.inner_text().startswith("halo")
    assert page.get_by_test_id("composer-input").input_value() == ""

    # Tapping a button shows its title as the user's message and brings a new bot message.
    chip = page.locator("[data-testid=reply-button]:enabled").first.element_handle()
    title = chip.inner_text().strip()
    outs = count(page, "message-out")
    chip.click()
    wait_for_more(page, "message-out", outs)
    wait_for_answer(page)
    assert title in page.get_by_test_id("message-in").last.inner_text()
    assert chip.is_disabled(), "an answered button cannot be tapped again"

    # A typed answer (send button this time) gets some reply: the next question or a re-ask.
    outs = count(page, "message-out")
    page.get_by_test_id("composer-input").fill("Budi Santoso")
    page.get_by_test_id("composer-send").click()
    wait_for_more(page, "message-out", outs)
    wait_for_answer(page)

    # A photo goes up as multipart: the user's bubble names it and shows a local thumbnail;
    # the server answers with a reply (or, if it refuses this file, with a red error note).
    answers = count(page, "message-out") + count(page, "message-error")
    page.get_by_test_id("file-input").set_input_files(
        {"name": "foto-surat-lahir.png", "mimeType": "image/png", "buffer": tiny_png()}
    )
    upload = page.get_by_test_id("message-in").last
    assert "📎 foto-surat-lahir.png" in upload.inner_text()
    assert upload.locator("img").get_attribute("src").startswith("blob:")
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=message-out], [data-testid=message-error]').length > n",
        arg=answers,
    )
    wait_for_answer(page)

    # A reload keeps the same user and draws the stored transcript again.
    texts_before = page.get_by_test_id("message-in").all_inner_texts()
    page.reload()
    page.wait_for_selector("[data-testid=composer-input]:enabled")
    assert page.evaluate("localStorage.getItem('sapa.user')") == user
    transcript = page.request.get(f"{try_base_url}/try/api/messages", params={"user": user}).json()
    directions = [m["direction"] for m in transcript["messages"]]
    expect(page.get_by_test_id("message-in")).to_have_count(directions.count("in"))
    expect(page.get_by_test_id("message-out")).to_have_count(directions.count("out"))
    texts_after = page.get_by_test_id("message-in").all_inner_texts()
    for said in ("halo", title, "Budi Santoso"):
        assert any(said in t for t in texts_before)
        assert any(said in t for t in texts_after), f"{said!r} is missing after the reload"
    greeting_chips = page.locator("[data-testid=message-out]:has([data-testid=reply-button])").first
    assert greeting_chips.locator("[data-testid=reply-button]:enabled").count() == 0
    assert page.js_errors == []


def test_it_renders_documents_markup_and_errors(browser_page, try_base_url):
    """The page's own rendering, with the API answered by the test (the flow need not reach a PDF)."""
    page = browser_page
    posted: list[dict] = []
    answers = iter([
        (200, {"replies": [
            {"text": "Akta *sudah terbit*.\nBaris dua <script>window.hacked=1</script>",
             "document": {"url": "/static/try.css", "filename": "akta-AKL-0001.pdf",
                          "content_type": "application/pdf"}},
            {"text": "Ada lagi?", "buttons": [{"id": "menu", "title": "Menu"}]},
        ]}),
        (400, {"error": "Pesan terlalu panjang."}),
        None,  # the network drops
    ])

    def fake_api(route):
        """Answer the simulator API from the script above; the transcript starts empty."""
        if route.request.method == "GET":
            route.fulfill(status=200, content_type="application/json", body='{"messages": []}')
            return
        posted.append(route.request.post_data_json)
        answer = next(answers)
        if answer is None:
            route.abort("internetdisconnected")
            return
        status, body = answer
        route.fulfill(status=status, content_type="application/json", body=json.dumps(body))

    page.route("**/try/api/messages*", fake_api)
    open_chat(page, try_base_url)
    user = page.evaluate("localStorage.getItem('sapa.user')")

    page.get_by_test_id("composer-input").fill("dokumen saya")
    page.get_by_test_id("composer-input").press("Enter")
    link = page.get_by_test_id("document-link")
    link.wait_for()
    assert posted[0] == {"user": user, "text": "dokumen saya"}
    assert link.get_attribute("download") == "akta-AKL-0001.pdf"
    assert link.get_attribute("href").endswith("/static/try.css")
    reply = page.get_by_test_id("message-out").first
    assert reply.locator("strong").inner_text() == "sudah terbit"
    assert "Baris dua <script>window.hacked=1</script>" in reply.inner_text()
    assert page.evaluate("window.hacked") is None
    assert page.locator("#log script").count() == 0

    # A 4xx answer is shown in red, in the server's words.
    page.get_by_test_id("composer-input").fill("x" * 50)
    page.get_by_test_id("composer-send").click()
    page.get_by_test_id("message-error").filter(has_text="Pesan terlalu panjang.").wait_for()

    # A dropped connection says so and gives the typed text back.
    page.get_by_test_id("composer-input").fill("kirim lagi nanti")
    page.get_by_test_id("composer-input").press("Enter")
    page.get_by_test_id("message-error").filter(has_text="Koneksi terputus, coba kirim lagi.").wait_for()
    assert page.get_by_test_id("composer-input").input_value() == "kirim lagi nanti"
    assert page.get_by_role("button", name="Menu").is_enabled(), "the unanswered question still stands"
    assert page.js_errors == []


class Person:
    """Someone using /try: types, taps buttons by their titles, sends photos, waits for replies."""

    def __init__(self, page):
        self.page = page

    def _act(self, action) -> None:
        """Do something and wait for the assistant's answer to it."""
        outs = count(self.page, "message-out")
        action()
        wait_for_more(self.page, "message-out", outs)
        wait_for_answer(self.page)

    def say(self, text: str) -> None:
        """Type a message and press Enter."""
        def act():
            self.page.get_by_test_id("composer-input").fill(text)
            self.page.get_by_test_id("composer-input").press("Enter")
        self._act(act)

    def tap(self, title: str) -> None:
        """Tap the open reply button with this title."""
        self._act(lambda: self.page.locator("[data-testid=reply-button]:enabled", has_text=title).first.click())

    def send_photo(self, name: str) -> None:
        """Attach a photo through the 📎 file input."""
        self._act(lambda: self.page.get_by_test_id("file-input").set_input_files(
            {"name": name, "mimeType": "image/png", "buffer": tiny_png()}))

    def last_reply(self) -> str:
        """The text of the newest message from the assistant."""
        return self.page.get_by_test_id("message-out").last.inner_text()


@pytest.fixture
def restartable_server(sqlite_app):
    """The real app on a fixed local port, with a way to stop it and start a new process-like app."""
    import threading

    from werkzeug.serving import make_server

    from bot import create_app

    state = {}

    def start(app, port=0):
        server = make_server("127.0.0.1", port, whole_files(app), threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        state.update(server=server, thread=thread, app=app)
        return server.server_port

    def restart():
        state["server"].shutdown()
        state["thread"].join(timeout=5)
        port = state["server"].server_port
        state["server"].server_close()
        # A new app object on the same database: nothing survives but what was stored.
        start(create_app(dict(sqlite_app.config)), port)

    port = start(sqlite_app)
    yield f"http://127.0.0.1:{port}", restart
    state["server"].shutdown()
    state["server"].server_close()
    if state["app"] is not sqlite_app:
        dispose_db(state["app"])


def test_a_person_files_a_birth_request_on_the_page_across_a_server_restart(browser_page, restartable_server):
    page = browser_page
    base_url, restart = restartable_server
    person = Person(page)
    open_chat(page, base_url)
    person.say("halo")
    person.tap("Akta Kelahiran")
    person.tap("Ayah si anak")
    person.tap("Setuju")
    person.say("Putri Ayu Lestari")
    person.tap("Perempuan")
    person.say("5 Januari 2026")
    person.say("14.30")
    person.tap("Puskesmas")
    person.say("Puskesmas Sangatta Utara")
    person.say("Sangatta, Kutai Timur")
    person.tap("Tunggal")
    person.say("2")
    person.tap("Islam")
    person.tap("Bidan / perawat")
    for answer in ["3200", "49", "Budi Santoso"]:
        person.say(answer)
    person.tap("WNI")
    person.say("6408 0117 0890 001")  # one digit short
    assert "NIK harus 16 angka, yang Bapak/Ibu kirim 15 angka" in person.last_reply()
    person.say("6408011708900001")
    assert "Di mana ayah lahir?" in person.last_reply()

    restart()  # the server stops and starts again mid-request
    page.reload()
    page.wait_for_selector("[data-testid=composer-input]:enabled")
    assert "Di mana ayah lahir?" in person.last_reply()

    person.say("Samarinda")
    person.say("17/8/1990")
    person.say("Siti Aminah")
    person.tap("WNI")
    for answer in ["6408014302930002", "Balikpapan", "3-2-1993", "6408011501200003", "Swarga Bara"]:
        person.say(answer)
    person.tap("Ya")
    person.send_photo("surat-lahir.png")
    person.tap("Ya")
    person.send_photo("buku-nikah.png")
    person.send_photo("kk.png")
    person.send_photo("ktp-ayah.png")
    person.tap("Belum ada")
    person.tap("Lewati")
    assert "Mohon periksa kembali" in person.last_reply()
    said_by_bot = "\n".join(page.get_by_test_id("message-out").all_inner_texts())
    assert "6408011708900001" not in said_by_bot and "6408********0001" in said_by_bot  # masked

    person.tap("Kirim")
    page.get_by_test_id("document-link").wait_for()
    import re
    assert re.search(r"AKL-\d{4}", page.locator("#log").inner_text())
    href = page.get_by_test_id("document-link").get_attribute("href")
    pdf = page.request.get(href if href.startswith("http") else base_url + href)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    assert page.js_errors == []
