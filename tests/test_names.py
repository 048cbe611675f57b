"""Names as citizens type them (issue 12 item 4): a sentence is not a name, a greeting is not part
of it, and real Indonesian names — including ones made of everyday words — pass untouched."""
import pytest

from flows.validators import Invalid, NotAName, Propose, parse_name
from tests.conftest import answer_child, start_as_father

SENTENCE = "Sepertinya itu kalimat, bukan nama."


def refuses(text: str) -> str:
    """The re-ask reason parse_name gives for `text`."""
    with pytest.raises(Invalid) as caught:
        parse_name(text)
    return caught.value.message


def proposes(text: str) -> Propose:
    """The proposal parse_name makes for `text`."""
    with pytest.raises(Propose) as caught:
        parse_name(text)
    return caught.value


@pytest.mark.parametrize("typed", [
    "bapaknya udah meninggal",
    "tidak tahu namanya",
    "ayahnya sudah tidak ada",
    "belum dikasih nama",
    "Bapaknya sudah meninggal dunia",
    "ayah saya sudah meninggal",
    "sudah meninggal 2 tahun lalu",
    "ibunya kabur",
    "blm ada nama",
    "gak tau",
    "tidak tahu",
    "tidak",
    "belum",
    "namanya belum ada",
    "suaminya sudah pergi",
    "tdk tau siapa bapaknya",
])
def test_a_sentence_is_refused_with_its_own_reason(typed):
    with pytest.raises(NotAName) as caught:
        parse_name(typed)
    assert caught.value.message.startswith(SENTENCE)
    assert "Budi Santoso" in caught.value.message  # an example of what to write


# Real names, some made of words that also occur in sentences ("Ada", "Kasih", "Yang", "Sudah").
REAL_NAMES = [
    "Nur Ada", "Tidar", "Sudah", "Ada", "Kasih Ramadhani", "Yang Mei Ling", "Tan Malaka", "Lie Kim Hok",
    "Sonya Tanjung", "Anya Geraldine", "Dian Sastrowardoyo", "Ayu Ting Ting", "Putri Ayu Lestari",
    "I Wayan Sudarta", "Ni Luh Putu Ayu", "Made Wirawan", "Andi Mallarangeng", "La Ode Ida",
    "Wa Ode Nurhayati", "Daeng Naba", "Abdul Ghani bin Abdullah", "Siti Aminah binti Ahmad",
    "Nyoman Suarsana", "Ade Irma Suryani", "Agus Salim", "Rahmat Hidayat", "Hj. Nurhayati",
    "H. Abdul Rahman", "Haji Abdul Malik", "Hajjah Siti Khadijah", "Lestari Ningsih", "Sri Mulyani",
    "Joko Widodo", "Ma'ruf Amin", "Muhammad Rizky", "Siti Nurhaliza", "Dewi Sartika", "Budi Santoso",
    "Lagi Sumarni", "Mati Ayu", "Tahu Pratama", "Aji Santoso", "Tuti Alawiyah", "Dr. Ir. Bambang Sutrisno",
    "Drs. H. Abdul Rahman, S.Pd", "Kartini Dia", "Ria Ricis", "Rina Nose", "Dominikus Ga",
]


@pytest.mark.parametrize("name", REAL_NAMES)
def test_real_names_pass_unchanged(name):
    assert parse_name(name) == name


@pytest.mark.parametrize(("typed", "expected"), [
    ("nur ada", "Nur Ada"), ("budi santoso", "Budi Santoso"), ("SITI AMINAH", "Siti Aminah"),
    ("hj. siti aminah", "Hj. Siti Aminah"), ("h. rahman", "H. Rahman"),
])
def test_lowercase_and_capitals_are_title_cased_titles_kept(typed, expected):
    assert parse_name(typed) == expected


@pytest.mark.parametrize(("typed", "name"), [
    ("Pak Rahman", "Rahman"),
    ("pak rahman", "Rahman"),
    ("Bu Siti", "Siti"),
    ("Bpk. Ahmad", "Ahmad"),
    ("Bpk Ahmad", "Ahmad"),
    ("Ibu Sri", "Sri"),
    ("Almarhum Budi", "Budi"),
    ("Alm. Budi", "Budi"),
    ("Almarhumah Siti Aminah", "Siti Aminah"),
    ("Sdr. Joko", "Joko"),
    ("Alm. Bapak Budi Santoso", "Budi Santoso"),
    ("Pak H. Rahman", "H. Rahman"),
    ("Ibu Hj. Siti Aminah", "Hj. Siti Aminah"),
    ("Ny. Sri Wahyuni", "Sri Wahyuni"),
])
def test_a_greeting_before_the_name_is_proposed_without_it(typed, name):
    proposal = proposes(typed)
    assert proposal.value == name and proposal.fallback is None
    assert proposal.message == f"Nama ditulis *{name}* (tanpa sapaan)?"


@pytest.mark.parametrize(("typed", "name", "kept"), [
    ("Mas Joko", "Joko", "Mas Joko"),
    ("mbak rina", "Rina", "Mbak Rina"),
])
def test_a_greeting_that_some_names_start_with_is_kept_as_typed_on_bukan(typed, name, kept):
    proposal = proposes(typed)
    assert (proposal.value, proposal.fallback) == (name, kept)


@pytest.mark.parametrize("typed", ["Pak", "Ibu", "Alm.", "Bapak"])
def test_a_greeting_alone_asks_for_the_name(typed):
    assert refuses(typed).startswith("Yang terkirim baru sapaannya saja.")


@pytest.mark.parametrize(("typed", "expected"), [
    ("namanya budi santoso", "Budi Santoso"),
    ("nama saya: Siti Aminah", "Siti Aminah"),
    ("Nama: Budi", "Budi"),
    ("nama lengkapnya Putri Ayu Lestari", "Putri Ayu Lestari"),
])
def test_a_label_before_the_name_is_dropped(typed, expected):
    assert parse_name(typed) == expected


def test_a_label_and_a_greeting_propose_the_bare_name():
    assert proposes("nama ayah saya Pak Rahman").value == "Rahman"


def test_a_sentence_after_a_label_is_still_a_sentence():
    assert refuses("nama ayahnya sudah meninggal").startswith(SENTENCE)


# --- Through the chat ----------------------------------------------------------------------------
# On SQLite with the jobs inline (`inline_chat`): each checks one answer; the worker's path is
# walked, on PostgreSQL too, by the whole-flow tests.

def test_a_sentence_typed_as_the_childs_name_is_asked_again_with_the_reason(inline_chat):
    start_as_father(inline_chat)
    inline_chat.say("belum dikasih nama")
    assert SENTENCE in inline_chat.text
    assert inline_chat.where()["step"] == "anak_nama" and "anak_nama" not in inline_chat.where()["answers"]


def walk_to_the_fathers_name(chat) -> None:
    """Open the birth flow as the father and answer the child's questions, up to the father's name."""
    start_as_father(chat)
    answer_child(chat)
    assert chat.where()["step"] == "ayah_nama"


def test_a_greeting_before_the_fathers_name_is_confirmed_and_dropped(inline_chat):
    walk_to_the_fathers_name(inline_chat)
    inline_chat.say("Pak Budi Santoso")
    assert "Nama ditulis *Budi Santoso* (tanpa sapaan)?" in inline_chat.text
    assert inline_chat.buttons == ["propose_yes", "propose_no"]
    inline_chat.press("propose_yes")
    assert inline_chat.where()["answers"]["ayah_nama"] == "Budi Santoso"
    assert inline_chat.where()["step"] == "ayah_wn"


def test_bukan_to_the_name_without_greeting_asks_the_name_again(inline_chat):
    walk_to_the_fathers_name(inline_chat)
    inline_chat.say("Alm. Budi Santoso")
    inline_chat.press("propose_no")
    assert inline_chat.where()["step"] == "ayah_nama" and "ayah_nama" not in inline_chat.where()["answers"]
