"""bench/mixed_day_bench.py's errands, each once over HTTP on the SQLite app (jobs inline), so the
bench's drivers keep walking the flows as they change; and its arguments and last line."""
import sys
from pathlib import Path

import httpx
from sqlalchemy import select

from bot.core import db
from bot.core.models import Appointment, Request

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import mixed_day_bench as bench  # noqa: E402


def request_status(app, ticket: str) -> str:
    with app.app_context(), db.new_session() as s:
        return s.execute(select(Request.status).where(Request.ticket == ticket)).scalar_one()


def test_each_errand_and_each_officer_action_works_once(sqlite_app, live_server_url):
    turns = []
    with httpx.Client(base_url=live_server_url, timeout=60) as client:
        def resident(user, errand):
            return bench.Resident(client, user, turns, errand, sqlite_app)

        birth = bench.file_birth(resident("warga-lahir", "birth"))
        death = bench.file_death(resident("warga-mati", "death"))
        code = bench.book_visit(resident("warga-ktp", "booking"))
        bench.check_status(resident("warga-lahir", "status"), birth)
        bench.ask_faq(resident("warga-tanya", "faq"), bench.FAQ[0])
    assert birth.startswith("AKL-") and death.startswith("AKM-")
    with sqlite_app.app_context(), db.new_session() as s:
        assert s.execute(select(Appointment.status).where(Appointment.code == code)).scalar_one() == "booked"
    assert {t[0] for t in turns} == set(bench.ERRANDS) and {t[1] for t in turns} == {"text", "button", "photo"}

    actions = []
    secret = bench.create_officer(sqlite_app, "petugas0")
    with httpx.Client(base_url=live_server_url, timeout=60, follow_redirects=False) as client:
        officer = bench.Officer(client, "petugas0", secret, actions)
        officer.sign_in()
        officer.review(birth, "6408-LT-0001")
        officer.review(death, "6408-KM-0001")
        officer.answer(birth, bench.REPLIES[0])
        officer.poll()
    # The issued documents were built, signed and sent to the citizens' chats (inline jobs).
    assert request_status(sqlite_app, birth) == request_status(sqlite_app, death) == "delivered"
    assert {a[0] for a in actions} >= {"sign-in", "list requests", "open request", "assign", "approve", "issue",
                                       "list conversations", "search by ticket", "open transcript", "take", "reply", "hand back",
                                       "poll badge", "poll list"}


def test_the_ledger_lends_a_citizen_to_one_at_a_time_and_only_its_own_thread_chats_as_it():
    ledger = bench.Ledger()
    ledger.add("u1", "AKL-1", owner=0)
    assert ledger.borrow(owner=1) is None
    lent = ledger.borrow()
    assert lent == ("u1", "AKL-1", 0) and ledger.borrow() is None
    ledger.give_back(*lent)
    assert ledger.borrow(owner=0) == lent
    for n in range(bench.Ledger.KEEP + 1):
        ledger.add(f"v{n}", f"AKL-{n}", owner=2)
    assert ledger.idle["v0"] == ("AKL-0", None)  # past the simulator cookie's window: officers only


def test_arguments_and_the_last_line():
    args = bench.parse_args(["--seconds", "5", "--repeat", "2", "--officers", "3"])
    assert (args.seconds, args.repeat, args.officers, args.citizens) == (5.0, 2, 3, 30)
    passes = [{"turns_per_second": t, "p50": 100.0, "p99": 900.0, "officer_per_second": 2.5,
               "officer": {"p99": 250.0}, "deliveries": 10, "requests": 20, "elapsed": 10.0} for t in (9.0, 5.0, 7.0)]
    assert bench.summary_line(passes) == ("mixed turns/s=7.0 p50_ms=100.0 p99_ms=900.0 officer_actions/s=2.5 "
                                          "officer_p99_ms=250.0 deliveries/s=1.00 requests/s=2.00")


def test_without_postgresql_it_says_what_it_needs(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.db")
    assert bench.main(["--seconds", "1"]) == 2
    assert "needs PostgreSQL and Redis" in capsys.readouterr().err

