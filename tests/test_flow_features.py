"""The flow-file features services are built from: sections, several choices, repeated blocks,
'tidak tahu', cross-field checks, proposals, blank forms, redirects and follow-ups.

Each is exercised through a small flow written for the test into a temporary flows directory, on
the simulator, the way a citizen meets it."""
import textwrap

import pytest

from flows import definition, schema
from flows.definition import read_flow
from flows.schema import check_flow
import yaml

FLOW = textwrap.dedent("""
    service: akta_kelahiran
    title: Uji Fitur
    intro: Mulai uji.
    steps:
      - id: nama
        kind: name
        section: Orang
        label: Nama
        ask: Nama?
      - id: lahir
        kind: date
        section: Orang
        label: Tanggal lahir
        unknown_ok: "Tanggal lahir {label} tidak diketahui"
        ask: Tanggal lahir? (ketik *tidak tahu* bila tidak tahu)
      - id: peristiwa
        kind: date
        section: Peristiwa
        label: Tanggal peristiwa
        ask: Tanggal peristiwa?
      - id: ubah
        kind: multi_choice
        section: Peristiwa
        label: Perubahan
        ask: Apa yang berubah?
        choices:
          - {id: tambah, title: Tambah anggota}
          - {id: kurang, title: Kurangi anggota}
          - {id: koreksi, title: Koreksi data}
      - repeat: anggota
        max: 3
        more: Ada anggota lain?
        section: Anggota {n}
        when: {ubah: {has: tambah}}
        steps:
          - {id: nama, kind: name, label: Nama, ask: "Nama anggota ke-{n}?"}
          - {id: nik, kind: nik, label: NIK, ask: "NIK {anggota_nama}?", unknown_ok: "NIK anggota belum ada"}
      - id: nik_saya
        kind: nik
        section: Orang
        label: NIK saya
        ask: NIK Bapak/Ibu?
      - id: kota
        kind: place
        section: Orang
        label: Kota
        ask: Kota?
    checks:
      - {rule: later, step: peristiwa, than: lahir, years: 10, message: "Peristiwa harus 10 tahun setelah lahir."}
      - {rule: different, steps: [nik_saya, anggota_1_nik], message: "NIK Bapak/Ibu sama dengan NIK anggota."}
    submit:
      subject_label: Nama
      subject: nama
    done: "Terkirim {ticket}."
    """)


@pytest.fixture
def feature_flow(monkeypatch):
    """Serve FLOW as the birth-certificate flow of this test's app."""
    flow = read_flow_text(FLOW)
    real = definition.load_flow
    monkeypatch.setattr("flows.engine.load_flow", lambda name: flow if name == "akta_kelahiran" else real(name))
    return flow


def read_flow_text(text: str):
    """Check and load a flow written in the test."""
    data = yaml.safe_load(text)
    assert check_flow(data) == []
    import tempfile, pathlib
    with tempfile.TemporaryDirectory() as d:
        path = pathlib.Path(d) / "akta_kelahiran.yml"
        path.write_text(text)
        return read_flow(path, "akta_kelahiran")


def test_a_repeat_block_expands_into_numbered_copies_with_the_question_between():
    flow = read_flow_text(FLOW)
    ids = [s.id for s in flow.steps]
    assert ids[ids.index("anggota_1_nama"):ids.index("nik_saya")] == [
        "anggota_1_nama", "anggota_1_nik", "anggota_1_lagi", "anggota_2_nama", "anggota_2_nik", "anggota_2_lagi",
        "anggota_3_nama", "anggota_3_nik"]
    assert flow.step("anggota_2_nama").when == {"ubah": {"has": "tambah"}, "anggota_1_lagi": True}
    assert flow.step("anggota_2_nik").ask == "NIK {anggota_2_nama}?"
    assert flow.step("anggota_2_nama").ask == "Nama anggota ke-2?"
    assert flow.step("anggota_2_nama").section == "Anggota 2"


def test_the_checker_names_what_is_wrong_with_the_new_keys():
    data = yaml.safe_load(FLOW)
    data["steps"][3]["choices"].append({"id": "tambah", "title": "Dua kali"})
    data["checks"].append({"rule": "later", "step": "nama", "than": "lahir", "message": "x"})
    data["steps"][0]["after"] = [{"text": "x", "attach": "formulir_x"}]
    problems = check_flow(data)
    assert any("choice id 'tambah' is used twice" in p for p in problems)
    assert any("key 'step' must name a date step" in p for p in problems)
    assert any("unknown form 'formulir_x'" in p for p in problems)
    bad_block = yaml.safe_load(FLOW)
    del bad_block["steps"][4]["more"]
    assert any("missing required key 'more'" in p for p in check_flow(bad_block))


@pytest.fixture
def chat(inline_chat):
    """These tests serve a flow written in the test (monkeypatched in this process), so the
    conversation must run here: the SQLite app with its jobs inline, never a separate worker."""
    return inline_chat


def _start(chat):
    chat.say("halo")
    chat.press("svc:akta_kelahiran")


def test_sections_several_choices_repeats_unknowns_and_checks_on_the_simulator(chat, feature_flow):
    _start(chat)
    chat.say("Budi Santoso")
    assert "unknown:lahir" in chat.buttons
    chat.press("unknown:lahir")
    chat.say("5 Januari 2026")
    assert "1. Tambah anggota" in chat.text and "boleh lebih dari satu" in chat.text
    chat.say("1, 7")
    assert "Nomor 7 tidak ada di pilihan" in chat.text
    chat.say("1 dan 3")
    assert "Nama anggota ke-1?" in chat.text
    chat.say("Ani")
    chat.say("tidak tahu")
    assert "Ada anggota lain?" in chat.text
    chat.press("yes")
    chat.say("Rudi")
    chat.say("6408014505850006")
    chat.press("no")
    assert "NIK Bapak/Ibu?" in chat.text
    chat.say("6408014505850006")
    assert "NIK Bapak/Ibu sama dengan NIK anggota." not in chat.text  # compared with member 1, unknown
    chat.say("sangata")
    assert "Maksud Bapak/Ibu *Sangatta" in chat.text
    chat.press("propose_yes")
    text = chat.text
    assert "*Orang*" in text and "*Anggota 2*" in text and "Tidak diketahui" in text
    assert "Tambah anggota, Koreksi data" in text
    assert "Sangatta, Kutai Timur" in text
    chat.press("cmd:edit")
    assert "*Orang*" in chat.text and "*Anggota 1*" in chat.text  # the sections to pick from
    chat.say("anggota 2")
    assert "Rudi" in chat.text and "Budi" not in chat.text
    chat.say("yg no 10")
    chat.say("Rudy")
    assert "Bagian *Anggota 2* sudah diperbarui" in chat.text and "Rudy" in chat.text
    assert "Budi" not in chat.text


def test_a_date_check_refuses_with_the_flows_message_and_keeps_the_rest(chat, feature_flow):
    _start(chat)
    chat.say("Budi Santoso")
    chat.say("1/1/2020")
    chat.say("5/1/2026")
    assert "Peristiwa harus 10 tahun setelah lahir." in chat.text
    assert "Tanggal peristiwa?" in chat.text


def test_a_greeting_mid_flow_is_greeted_back_not_stored_as_the_name(chat, feature_flow):
    _start(chat)
    chat.say("halo")
    assert "Halo juga" in chat.text and "Nama?" in chat.text
    chat.say("Assalamualaikum")
    assert "Waalaikumsalam" in chat.text and "Nama?" in chat.text


LINKED = FLOW.replace('done: "Terkirim {ticket}."', textwrap.dedent("""\
    done: "Terkirim {ticket}."
    follow_ups:
      - service: akta_kelahiran
        title: Ajukan kembarannya
        text: "Bila ada kembarannya, tekan *Ajukan kembarannya*."
        carry: {kota: kota, nik_saya: nik_saya}
        preset: {ubah: [koreksi]}""")).replace("""steps:
  - id: nama""", """steps:
  - id: jalur
    kind: choice
    section: Orang
    label: Jalur
    ask: Jalur?
    choices:
      - {id: biasa, title: Biasa}
      - {id: lain, title: Layanan lain}
    redirect:
      lain: {service: akta_kelahiran, text: "Itu diurus lewat layanan lain; kita mulai dari sana.", preset: {jalur: biasa, nama: Siti Aminah}}
  - id: nama""")


@pytest.fixture
def linked_flow(monkeypatch):
    """Serve LINKED (with a redirect and a follow-up) as the birth-certificate flow."""
    flow = read_flow_text(LINKED)
    real = definition.load_flow
    monkeypatch.setattr("flows.engine.load_flow", lambda name: flow if name == "akta_kelahiran" else real(name))
    monkeypatch.setattr("flows.engine.flow_or_none", lambda req, office: flow)
    return flow


def test_a_redirecting_answer_starts_the_other_service_with_its_presets(chat, linked_flow):
    _start(chat)
    chat.press("lain")
    assert "Itu diurus lewat layanan lain" in chat.text
    assert "Tanggal lahir?" in chat.text  # jalur and nama were preset, so the next question is asked


def test_a_follow_up_button_starts_the_next_request_linked_and_prefilled(chat, linked_flow, sqlite_app):
    from sqlalchemy import select

    from bot.core import db
    from bot.core.models import Request
    _start(chat)
    chat.press("biasa")
    for said in ["Budi Santoso", "1/1/1990", "5/1/2026", "3"]:
        chat.say(said)
    chat.say("6408014505850006")
    chat.say("Samarinda")
    chat.press("submit")
    first_ticket = chat.text.split("Terkirim ")[1].split(".")[0]
    assert "tekan *Ajukan kembarannya*" in chat.text
    chat.press(f"follow:0:{first_ticket}")
    assert f"permohonan *{first_ticket}*" in chat.text
    chat.press("biasa")
    for said in ["Budi Santosa", "1/1/1990", "5/1/2026"]:
        chat.say(said)
    assert "Koreksi data" in chat.text and "Samarinda" in chat.text  # the summary: preset and carried
    replies = chat.press("submit")
    import io

    from pypdf import PdfReader
    receipt = PdfReader(io.BytesIO(chat.client.get(replies[-1]["document"]["url"]).data))
    assert f"Lanjutan dari permohonan {first_ticket}" in "\n".join(p.extract_text() for p in receipt.pages)
    with sqlite_app.app_context():
        s = db.session()
        second = s.execute(select(Request).order_by(Request.id.desc())).scalars().first()
        first = s.execute(select(Request).where(Request.ticket == first_ticket)).scalar_one()
        assert second.linked_to == first.id and second.answers["kota"] == "Samarinda"


def test_an_attached_form_arrives_as_a_pdf_after_the_answer(chat, monkeypatch):
    text = FLOW.replace("""    label: Nama
    ask: Nama?""", """    label: Nama
    ask: Nama?
    after:
      - {text: "Formulir SPTJM kami kirim di bawah ini.", attach: f2_03}""")
    flow = read_flow_text(text)
    real = definition.load_flow
    monkeypatch.setattr("flows.engine.load_flow", lambda name: flow if name == "akta_kelahiran" else real(name))
    _start(chat)
    replies = chat.say("Budi Santoso")
    assert "Formulir SPTJM kami kirim di bawah ini." in replies[0]["text"]
    assert replies[1]["document"]["filename"] == "F-2.03-SPTJM-kelahiran.pdf" and "Tanggal lahir?" in replies[-1]["text"]


def test_a_nik_from_no_real_regency_is_noted_to_the_citizen_and_flagged_for_the_officer(chat, feature_flow, sqlite_app):
    from sqlalchemy import select

    from bot.core import db
    from bot.core.models import Request
    _start(chat)
    for said in ["Budi Santoso", "1/1/1990", "5/1/2026", "3"]:
        chat.say(said)
    chat.say("6499014505850006")  # 64.99 is no kabupaten/kota of Kalimantan Timur
    assert "Kode wilayah pada NIK ini (64.99) tidak kami kenali" in chat.text
    assert "6499014505850006" not in chat.text
    chat.say("samarinda")
    chat.press("submit")
    with sqlite_app.app_context():
        req = db.session().execute(select(Request)).scalar_one()
        assert "NIK saya: kode kabupaten/kota 64.99 tidak ada dalam daftar kode wilayah Kemendagri." in req.flags


def test_a_sentence_at_a_name_question_is_re_asked_not_taken_for_another_service(chat, feature_flow):
    _start(chat)
    chat.say("bapaknya udah meninggal")
    assert "bukan nama" in chat.text and "Nama?" in chat.text
    assert "Akta Kematian" not in chat.text


def test_no_nik_yet_is_unknown_where_the_step_allows_it(chat, feature_flow):
    _start(chat)
    for said in ["Budi Santoso", "1/1/1990", "5/1/2026", "1"]:
        chat.say(said)
    chat.say("Ani")
    chat.say("belum punya NIK")
    assert "Ada anggota lain?" in chat.text


def test_the_privacy_officer_contact_is_never_a_placeholder(sqlite_app):
    from flows.office import placeholder_values
    config = sqlite_app.config["OFFICE"]
    assert placeholder_values(config)["dpo_contact"] == "ketik *petugas* di chat ini"
    set_up = dict(config, privacy=dict(config["privacy"], dpo_contact="ppid@kutaitimurkab.go.id"))
    assert placeholder_values(set_up)["dpo_contact"] == "ppid@kutaitimurkab.go.id"


def test_lewati_at_a_question_that_must_be_answered_says_so(chat, feature_flow):
    _start(chat)
    chat.say("lewati")
    assert "Pertanyaan ini perlu dijawab, jadi tidak bisa dilewati." in chat.text and "Nama?" in chat.text
    chat.say("Budi Santoso")
    chat.say("lewati")
    assert "Bila memang tidak tahu, ketik *tidak tahu*." in chat.text  # this one may be unknown
