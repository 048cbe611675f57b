"""Helpers for the officers' inbox tests: an officer who can sign in, the sign-in form and the
CSRF token every inbox form carries."""
import re

from werkzeug.security import generate_password_hash

from bot.core import db
from bot.core.models import Officer

PASSWORD = "kata-sandi-uji-2026"


def add_officer(app, username: str = "siti", active: bool = True, role: str = "operator",
                name: str = "Siti Petugas") -> int:
    """An officer who can sign in with PASSWORD."""
    with app.app_context(), db.new_session() as s:
        officer = Officer(username=username, name=name, role=role, active=active,
                          password_hash=generate_password_hash(PASSWORD))
        s.add(officer)
        s.commit()
        return officer.id


def form_token(html: str) -> str:
    """The CSRF token of the first form on a page, as a browser would send it."""
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, username: str = "siti", password: str = PASSWORD, next_path: str = ""):
    """Fill in and submit the sign-in form."""
    page = client.get("/inbox/login")
    return client.post("/inbox/login", data={"csrf_token": form_token(page.get_data(as_text=True)),
                                             "username": username, "password": password, "next": next_path})


def file_birth_request(app, user: str = "citizen-1") -> str:
    """A citizen files a complete birth request through the simulator chat; its ticket."""
    import re

    from tests.conftest import Chat, answer_until_summary, png_bytes

    chat = Chat(app.test_client(), user)
    answer_until_summary(chat, png_bytes(8, 4))
    return re.search(r"[A-Z]{2,5}-[0-9]{4,}", chat.press("submit")[0]["text"]).group(0)


def small_pdf(text: str = "AKTA KELAHIRAN") -> bytes:
    """A one-page PDF, as an officer would export from SIAK."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text=text)
    return bytes(pdf.output())


def webcam_video(image, path, frames: int = 30) -> None:
    """A Y4M video (4:2:0, 640×480) of a still picture on white, as Chromium's fake webcam plays it
    (--use-file-for-fake-video-capture): what the office's webcam sees of a slip held up to it."""
    from PIL import Image

    frame = Image.new("RGB", (640, 480), "white")
    picture = image.convert("RGB")
    picture.thumbnail((400, 400), Image.NEAREST)
    frame.paste(picture, ((640 - picture.width) // 2, (480 - picture.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (320, 240)
    data = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with open(path, "wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F15:1 Ip A1:1 C420jpeg\n")
        for _ in range(frames):
            out.write(b"FRAME\n" + data)
