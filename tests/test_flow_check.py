"""`python -m flows check`: a mistake in a flow file is reported with its file, step and key, and never loaded."""
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from flows import schema
from flows.definition import FlowError, read_flow

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "flows" / "akta_kelahiran.yml"


def broken_copy(tmp_path: Path, old: str, new: str, name: str = "akta_rusak.yml") -> Path:
    """The shipped birth flow with one piece of text replaced (which must be there exactly once)."""
    text = SHIPPED.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"the shipped flow no longer has {old!r} exactly once"
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def run_check(*files) -> subprocess.CompletedProcess:
    """`python -m flows check FILE...` with the venv's python, from the repository."""
    return subprocess.run([sys.executable, "-m", "flows", "check", *map(str, files)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


ASK_CHILD_NAME = "    ask: Siapa *nama lengkap anak* yang akan ditulis di akta? Mohon tulis dengan ejaan yang benar.\n"
PERMISSION_WHEN = "    when: {hubungan: keluarga}\n"
MISTAKES = {
    "misspelt key": ("  - id: anak_nama\n", "  - id: anak_nama\n    missing_okk: true\n",
                     "anak_nama", "missing_okk"),
    "when names a missing step": (PERMISSION_WHEN, "    when: {hubungn: keluarga}\n", "izin_ortu", "hubungn"),
    "when names an unknown choice": (PERMISSION_WHEN, "    when: {hubungan: tetangga}\n", "izin_ortu", "tetangga"),
    "option the kind does not allow": ("  - id: anak_nama\n", "  - id: anak_nama\n    low: 2\n", "anak_nama", "low"),
    "choices on a date step": ("  - id: ayah_tgl_lahir\n",
                               "  - id: ayah_tgl_lahir\n    choices: [{id: a, title: A}]\n",
                               "ayah_tgl_lahir", "choices"),
    "missing question": (ASK_CHILD_NAME, "", "anak_nama", "ask"),
    "choice without a title": ("      - {id: L, title: Laki-laki, match: [laki, laki-laki, cowok, pria, lk, l]}\n",
                               "      - {id: L, match: [laki, laki-laki, cowok, pria, lk, l]}\n", "anak_jk", "title"),
    "wrong value type": ("    low: 300\n", "    low: tiga ratus\n", "anak_berat", "low"),
    "duplicate step id": ("  - id: ibu_wn\n", "  - id: ayah_wn\n", "ayah_wn", "duplicate"),
    "deadline from an unknown step": ("  - from: anak_tgl_lahir\n", "  - from: anak_tgl_lahirr\n",
                                      "anak_tgl_lahirr", "from"),
}


@pytest.mark.parametrize("mistake", MISTAKES, ids=list(MISTAKES))
def test_the_check_names_file_step_and_key(tmp_path, mistake):
    old, new, step, key = MISTAKES[mistake]
    path = broken_copy(tmp_path, old, new)
    result = run_check(path)
    assert result.returncode != 0, result.stdout
    lines = [line for line in result.stdout.splitlines() if step in line and key in line]
    assert lines, result.stdout
    assert all(line.startswith(str(path) + ": ") for line in result.stdout.splitlines())


def test_the_shipped_flows_check_clean():
    result = run_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok: ") and "flow file(s)" in result.stdout
    assert schema.check_all() == []


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    path = broken_copy(tmp_path, "  - id: anak_nama\n", "  - id: anak_nama\n    missing_okk: true\n    unit: cm\n")
    result = run_check(path)
    assert result.returncode == 1
    assert f"{path}: step 'anak_nama': unknown key 'missing_okk' (did you mean 'missing_ok'?)" in result.stdout
    assert f"{path}: step 'anak_nama': key 'unit' is not allowed on a name step (only on: number)" in result.stdout


def test_a_bad_file_is_not_loaded(tmp_path):
    path = broken_copy(tmp_path, PERMISSION_WHEN, "    when: {hubungn: keluarga}\n    missing_okk: true\n")
    with pytest.raises(FlowError) as err:
        read_flow(path)
    assert len(err.value.problems) == 2
    assert any("step 'izin_ortu'" in p and "hubungn" in p for p in err.value.problems)
    assert any("step 'izin_ortu'" in p and "missing_okk" in p for p in err.value.problems)


def test_a_when_on_a_later_step_is_reported(tmp_path):
    path = broken_copy(tmp_path, PERMISSION_WHEN, "    when: {anak_nama: Putri}\n")
    with pytest.raises(FlowError, match="step 'izin_ortu': when: step 'anak_nama' is not asked before"):
        read_flow(path)


def test_a_placeholder_naming_no_answer_is_reported(tmp_path):
    path = broken_copy(tmp_path, "    ask: Jenis kelamin {anak_nama}?\n", "    ask: Jenis kelamin {anak_namaa}?\n")
    with pytest.raises(FlowError, match=r"step 'anak_jk': key 'ask': placeholder \{anak_namaa\} is unknown"):
        read_flow(path)


def test_yaml_errors_and_keys_written_twice_are_problems_too(tmp_path):
    twice = broken_copy(tmp_path, "    label: Nama anak\n", "    label: Nama anak\n    label: Anak\n", "twice.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("service: x\nsteps: [\n", encoding="utf-8")
    result = run_check(twice, bad)
    assert result.returncode == 1
    assert "key 'label' is written twice" in result.stdout and f"{bad}: YAML error" in result.stdout


def test_texts_yml_is_checked_for_unknown_and_missing_keys(tmp_path):
    text = (ROOT / "flows" / "texts.yml").read_text(encoding="utf-8")
    path = tmp_path / "texts.yml"
    assert text.count("\nclarify:") == 1
    path.write_text(text.replace("\nclarify:", "\nclarfy:"), encoding="utf-8")
    result = run_check(path)
    assert result.returncode == 1
    assert f"{path}: unknown key 'clarfy' (did you mean 'clarify'?)" in result.stdout
    assert f"{path}: missing required key 'clarify'" in result.stdout


def test_check_all_finds_the_problems_of_every_file(tmp_path, monkeypatch):
    broken_copy(tmp_path, PERMISSION_WHEN, "    when: {hubungan: tetangga}\n", "akta_kelahiran.yml")
    (tmp_path / "texts.yml").write_text((ROOT / "flows" / "texts.yml").read_text(encoding="utf-8"),
                                        encoding="utf-8")
    monkeypatch.setattr(schema, "FLOW_DIR", tmp_path)
    problems = schema.check_all()
    assert len(problems) == 1 and "step 'izin_ortu': when: 'hubungan' has no choice 'tetangga'" in problems[0]


def flow_with(name: str, old: str, new: str) -> list[str]:
    """The problems of a shipped flow with one piece of text replaced (there exactly once)."""
    text = (ROOT / "flows" / f"{name}.yml").read_text(encoding="utf-8")
    assert text.count(old) == 1, f"flows/{name}.yml no longer has {old!r} exactly once"
    return schema.check_flow(yaml.safe_load(text.replace(old, new)))


NEAR_16 = "when: {tanggal_lahir: {age_by_last_visit_day: 16},"


def test_age_by_last_visit_day_needs_a_date_whole_years_and_a_flow_that_books():
    assert flow_with("perekaman_ktp", NEAR_16, NEAR_16) == []
    assert any("age_by_last_visit_day needs a date step" in p
               for p in flow_with("perekaman_ktp", NEAR_16, "when: {nik: {age_by_last_visit_day: 16},"))
    assert any("age_by_last_visit_day must be whole years" in p
               for p in flow_with("perekaman_ktp", NEAR_16, "when: {tanggal_lahir: {age_by_last_visit_day: 0},"))
    requested = flow_with("akta_kelahiran", "  - id: anak_tgl_lahir\n    kind: date\n",
                          "  - id: anak_tgl_lahir\n    kind: date\n  - id: dekat\n    kind: yes_no\n    ask: Dekat?\n"
                          "    when: {anak_tgl_lahir: {age_by_last_visit_day: 16}}\n")
    assert any("step 'dekat'" in p and "needs the flow's 'booking:' section" in p for p in requested), requested


def test_booking_opens_is_a_placeholder_only_where_the_booking_has_from_age():
    come_back = "      tujuh_belas:\n        text: |\n"
    problems = flow_with("kia", come_back, come_back + "          Kembali mulai {booking_opens}.\n"
                                                       "          Jadwal {nama_kiaa}.\n")
    assert any("redirect 'tujuh_belas'" in p and "placeholder {booking_opens} is unknown" in p for p in problems)
    assert any("placeholder {nama_kiaa} is unknown" in p for p in problems), problems
