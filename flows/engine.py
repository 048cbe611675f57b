"""The dialogue engine: walks a citizen through a flow, one question at a time.

The engine is given the conversation row and one Event, changes the row, and returns the
replies; the caller commits both together with the outbox, so state never lives in memory.
"""
import re
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.core.models import Conversation, Outbox, audit
from flows import aftercare, booking, checks, records, understand
from flows.aftercare.common import flow_or_none, request_named
from flows.definition import (
    Flow,
    Step,
    applies,
    available_flows,
    condition_holds,
    is_unknown,
    live_answers,
    load_flow,
    texts,
)
from flows.inputs import clean, parse_answer
from flows.messages import Event, Reply
from flows.modes import AFTERCARE, IN_FLOW, SIDE_STATES, Mode, State
from flows.office import DAYS, hours_text, office_tz, placeholder_values
from flows.placeholders import fill
from flows.submit import submit
from flows.summary import answered_steps, format_value, sections, summary_lines
from flows.validators import Invalid, NoNumber, NotAName, Propose, format_date_id, parse_nik
from nlu import FAQ_INTENTS, SERVICE_INTENTS, Parse, faq
from nlu.entities import SALAM
from nlu.regions import area_note

COMMANDS = {
    "cancel": {"batal", "batalkan", "cancel", "stop", "batal saja", "gak jadi", "ga jadi", "tidak jadi"},
    "back": {"kembali", "back", "balik", "sebelumnya", "mundur"},
    "edit": {"ubah", "ganti", "edit", "ubah data", "ubah jawaban", "koreksi"},
    "menu": {"menu", "menu utama", "home", "beranda"},
    "help": {"bantuan", "help", "bantu", "tolong", "?", "cara"},
}
SUBMIT_WORDS = {"kirim", "submit", "ya", "iya", "benar", "sudah benar", "betul", "ok", "oke", "setuju"}
# A greeting alone, typed while a question is open: greeted back, never taken as the answer.
GREETINGS = {"halo", "hallo", "helo", "hai", "hay", "hi", "hello", "p", "pagi", "siang", "sore", "malam",
             "selamat pagi", "selamat siang", "selamat sore", "selamat malam", "permisi", "halo kak",
             "halo min", "halo admin", "hai kak", "pagi kak", "punten", "tes", "test"}
YES_WORDS = {"ya", "iya", "y", "yes", "benar", "betul", "ya benar", "iya benar", "ok", "oke", "propose_yes"}
NO_WORDS = {"bukan", "tidak", "tdk", "no", "salah", "propose_no", "bukan itu"}
# Typed while waiting for an officer: go on with the bot instead (the chat leaves the officers' queue).
WAIT_OVER = {"lanjut", "lanjutkan", "lanjut saja", "lanjut aja", "lanjut dengan bot", "tidak jadi menunggu"}
# Who a citizen asks for when they want a person: at a free-text question, a request for an officer
# must name one ("sama" alone reads as the human intent to the model, and is an answer).
PERSON_WORDS = re.compile(r"\b(?:petugas|admin|operator|pegawai|staf|staff|manusia|orang|cs)\b", re.IGNORECASE)
# "yg no 8", "nomor 8", "no. 8": the answer number typed at *ubah*.
PICKED_NUMBER = re.compile(r"^(?:(?:yg|yang)\s+)?(?:(?:no|nomor|nmr|nomer)\.?\s*)?(\d{1,3})$")


class Engine:
    """Handles one event for one conversation and returns what to say back."""

    def __init__(self, session, conv: Conversation, office: dict, now: datetime,
                 resume_after: timedelta = timedelta(hours=1), previous_inbound: datetime | None = None,
                 reminders_reach: frozenset = frozenset()):
        self.s = session
        self.conv = conv
        self.office = office
        self.now = now
        self.today = now.astimezone(office_tz(office)).date()
        self.resume_after = resume_after
        self.previous_inbound = previous_inbound
        # Which visit reminders sent later reach this chat (delivery.reminders.reach: "reminder",
        # "confirm"): only those does a booking's confirmation promise.
        self.reminders_reach = reminders_reach
        self.windows = {}  # the days each service can be booked today, once asked (flows/booking.window)
        self.t = texts()

    # ---- entry point -------------------------------------------------------------------
    def handle(self, event: Event) -> list[Reply]:
        """Advance the conversation by one inbound event: the handler of its mode answers it."""
        if self.conv.owner == "officer":
            return []  # an officer has the conversation; the bot stays silent (handoff)
        command = self._command(event)
        if self.conv.needs_human:
            waiting = self._waiting(event, command)
            if waiting is not None:
                return waiting
        state = State.read(self.conv.mode)
        if not self.conv.flow and state.mode not in AFTERCARE:
            state = State(Mode.IDLE)  # every mode but idle and aftercare's needs a flow in progress
        elif state.mode in IN_FLOW and self._long_gap() and command is None \
                and not self._answers_a_photo_step(event, state):
            return self._offer_resume(state)
        return HANDLERS[state.mode](self, event, command, state)

    def _enter(self, mode: Mode, back_to: Mode = Mode.COLLECT, service: str | None = None) -> None:
        """Put the conversation in a mode (stored as its string, see flows/modes.py)."""
        self.conv.mode = State(mode, back_to, service).stored()

    # ---- idle: menu, services, status, help ----------------------------------------------
    def _idle(self, event: Event, command: str | None, state: State | None = None) -> list[Reply]:
        """No request in progress: understand what the citizen wants."""
        after = aftercare.idle(self, event, command)  # a filed request: a late photo, fixes, status...
        if after is not None:
            return after
        if event.kind not in ("text", "button"):
            return [self._bad_kind_reply(event)] + [self._menu_reply()]
        if command == "help":
            return [Reply(self._fmt(self.t["help_idle"]))]
        if event.kind == "button":
            return self._idle_button(event.button or "")
        if command == "menu":
            return [self._menu_reply()]
        if not (event.text or "").strip():
            return [Reply(self.t["empty_message"]), self._menu_reply()]
        parse = understand.interpret(event.text, self.today)
        if not understand.confident(parse):
            return self._clarify(parse)
        return self._on_intent(parse, None)

    def _idle_button(self, button: str) -> list[Reply]:
        """A menu button: a service, resuming a draft, status or help."""
        kind, _, arg = button.partition(":")
        if kind == "svc":
            return self._choose_service(arg)
        if kind == "resume":
            return self._resume_paused(arg)
        if kind == "follow":
            return self._follow_up(*arg.partition(":")[::2])
        if button == "status":
            return [records.status_reply(self.s, self.conv.contact_id, None, self.office)]
        if button == "help":
            return [Reply(self._fmt(self.t["help_idle"]))]
        if kind == "intent":
            return self._on_intent(Parse("", arg, 1.0, [], []), None) or [self._menu_reply()]
        return [self._menu_reply()]

    def _menu_reply(self) -> Reply:
        """The main menu, with 'continue' first when a request is unfinished."""
        buttons, text, b = [], self.t["menu"], self.t["buttons"]
        for draft in self.conv.paused or []:
            title = load_flow(draft["flow"]).title
            buttons.append({"id": f"resume:{draft['flow']}", "title": fill(b["resume_flow"], title=title)})
            text = fill(self.t["menu_resume"], title=title) + "\n" + text
        for key, svc in self.office.get("services", {}).items():
            buttons.append({"id": f"svc:{key}", "title": svc.get("short", svc["title"])})
        buttons.append({"id": "status", "title": b["status"]})
        return Reply(text, buttons)

    def _choose_service(self, key: str) -> list[Reply]:
        """Start (or resume) the service's flow, or explain how it is served."""
        svc = self.office.get("services", {}).get(key)
        if svc is None:
            return [self._menu_reply()]
        flow_name = svc.get("flow")
        if flow_name and flow_name in available_flows():
            if any(d["flow"] == flow_name for d in self.conv.paused or []):
                return self._resume_paused(flow_name)
            return self._start_flow(load_flow(flow_name))
        requirements = "\n".join(f"• {r}" for r in svc.get("requirements", []))
        template = self.t["service_offline"] if not svc.get("online") else self.t["service_not_in_chat_yet"]
        return [Reply(self._fmt(template, title=svc["title"], requirements=requirements,
                                duration=svc.get("duration", "-")))]

    def _start_flow(self, flow: Flow, preset: dict | None = None, prefix: str = "") -> list[Reply]:
        """Begin a flow from its first question not already answered by `preset` (a follow-up's or a
        redirect's answers, kept only for the steps this flow has)."""
        c = self.conv
        ids = {s.id for s in flow.steps}
        answers = {k: v for k, v in (preset or {}).items() if k in ids or k in ("_linked", booking.RESCHEDULE)}
        c.flow, c.answers, c.started_at = flow.name, answers, self.now
        c.history = [s.id for s in flow.steps if s.id in answers]
        audit(self.s, self._actor(), "flow_started", c, flow=flow.name)
        return [Reply(self._fmt(flow.intro))] + self._advance(flow, prefix=prefix)

    def _follow_up(self, index: str, ticket: str) -> list[Reply]:
        """A follow-up button after a ticket (the offer's place in the flow's list): start that
        service with the answers it carries over."""
        req = request_named(self, ticket)
        filed = flow_or_none(req, self.office) if req is not None else None
        offers = filed.follow_ups if filed is not None else ()
        offer = offers[int(index)] if index.isdigit() and int(index) < len(offers) else None
        source = req.answers or {} if req is not None else {}
        flow_name = self.office.get("services", {}).get(offer.service, {}).get("flow") if offer else None
        if offer is None or not flow_name or flow_name not in available_flows() \
                or not (offer.when is None or condition_holds(offer.when, source, self.today)):
            return [Reply(self.t["follow_up_none"]), self._menu_reply()]
        if self.conv.flow:
            self._pause(load_flow(self.conv.flow))
        # A 'tidak tahu' is not carried: the next flow may need the answer (and may not allow unknown).
        preset = {target: source[step] for target, step in offer.carry.items()
                  if step in source and not is_unknown(source[step])}
        preset.update(offer.preset)
        preset["_linked"] = req.ticket
        flow = load_flow(flow_name)
        return self._start_flow(flow, preset, prefix=fill(self.t["follow_up_started"], title=flow.title,
                                                          ticket=req.ticket))

    # ---- inside a flow -------------------------------------------------------------------
    def _in_flow(self, event: Event, command: str | None, state: State) -> list[Reply]:
        """collect / confirm: commands first, then the answer to the current step or the summary."""
        flow = load_flow(self.conv.flow)
        visit = aftercare.visit_button(event)
        if visit is not None:  # a visit reminder's button, pressed in the middle of a request
            if visit[0] == "bconfirm":
                return [aftercare.appointments.confirm(self, visit[1]), self._current_prompt(flow)]
            self._pause(flow)  # the draft is kept and offered again, as with *menu*
            return [Reply(fill(self.t["paused"], title=flow.title))] + aftercare.appointments.button(self, *visit)
        if command == "cancel":
            self._enter(Mode.CANCEL_CONFIRM, back_to=state.mode)
            return [self._cancel_ask(flow)]
        if command == "menu":
            self._pause(flow)
            return [Reply(fill(self.t["paused"], title=flow.title)), self._menu_reply()]
        if command == "help":
            return [Reply(fill(self.t["help_flow"], title=flow.title)), self._current_prompt(flow)]
        if command == "back":
            return self._back(flow)
        if command == "edit":
            return self._edit_list(flow, state)
        visits = aftercare.visits_in_flow(self, flow, event)  # *jadwal saya*, at a question or the summary
        if visits is not None:
            return visits
        if state.mode is Mode.CONFIRM:
            return self._on_confirm(flow, event)
        if event.kind not in ("text", "button", "file"):
            return [self._bad_kind_reply(event, flow.step(self.conv.step))]
        if event.kind == "text" and state.mode is Mode.COLLECT and self._greeting(flow.step(self.conv.step), event):
            said = self.t["salam_in_flow"] if SALAM.match(clean(event.text)) else self.t["greeting_in_flow"]
            # (salam_in_flow, greeting_in_flow: flows/texts.yml; the idle greeting answers through nlu/faq.yml)
            return [self._current_prompt(flow, prefix=said + "\n" + fill(self.t["back_to_flow"], title=flow.title))]
        if event.kind == "text" and (event.text or "").strip():
            about_filed = aftercare.in_flow(self, flow, event)
            if about_filed is not None:
                return about_filed
            interrupted = self._interruption(flow, flow.step(self.conv.step), event)
            if interrupted is not None:
                return interrupted
        return self._answer(flow, flow.step(self.conv.step), event)

    def _answer(self, flow: Flow, step: Step, event: Event) -> list[Reply]:
        """Validate the answer; store it and ask the next question, or re-ask with the reason."""
        if event.kind == "text" and not (event.text or "").strip():
            return [self._ask(flow, step, prefix=self.t["empty_message"])]
        try:
            value = self._parse(step, event)
        except NoNumber as err:
            back = step.options.get("if_none")
            if err.reason == "none" and back and back in (self.conv.answers or {}):
                return self._back_to(flow, flow.step(back), self.t["no_number_back"])
            return [self._ask(flow, step, prefix=err.message)]
        except Invalid as err:
            return [self._ask(flow, step, prefix=err.message)]
        except Propose as guess:
            return self._propose(flow, step, guess)
        return self._take(flow, step, value)

    def _take(self, flow: Flow, step: Step, value) -> list[Reply]:
        """Store a valid answer (after the flow's cross-field checks) and go on."""
        answers = {**self.conv.answers, step.id: value}
        wrong = [c for c in checks.failed(flow, answers, self.today, step.id) if not c.soft]
        if wrong:
            return [self._ask(flow, step, prefix=self._fmt(wrong[0].message, **self._answer_values(answers)))]
        redirect = (step.options.get("redirect") or {}).get(value) if step.kind == "choice" else None
        if redirect is not None:
            return self._redirect(flow, redirect)
        if step.kind == "consent":
            audit(self.s, self._actor(), "consent_given" if value else "consent_declined",
                  self.conv, flow=flow.name, step=step.id)
            if not value:
                return self._declined(flow, step)
        notes = self._notes_after(flow, step, value)
        self.conv.answers = {**self.conv.answers, step.id: value}
        if step.kind in booking.KINDS:
            booking.after_take(self, flow, step)
        if not self.conv.history or self.conv.history[-1] != step.id:
            self.conv.history = [*self.conv.history, step.id]
        if step.kind == "photo" and value.get("upload_id"):
            records.attach_upload(self.s, value["upload_id"], step.id)
            audit(self.s, self._actor(), "document_received", self.conv, step=step.id)
        books = booking.window(self, flow)
        forms = [Reply(document={"kind": "form", "form": a["attach"]}) for a in step.after
                 if a.get("attach") and (a.get("when") is None or condition_holds(a["when"], answers, self.today, books))]
        if forms:  # the note that announces the form, the form, then the next question
            return [Reply("\n".join(notes))] + forms + self._advance(flow)
        return self._advance(flow, prefix="\n".join(notes))

    def _back_to(self, flow: Flow, step: Step, why: str) -> list[Reply]:
        """Ask an earlier question again ("tidak punya NIK, WNA" at the NIK: the citizenship)."""
        answers = dict(self.conv.answers)
        old = answers.pop(step.id)
        self.conv.answers, self.conv.step = answers, step.id
        self._enter(Mode.COLLECT)
        return [self._ask(flow, step, prefix=why + "\n" + fill(self.t["back_previous"], previous=format_value(step, old)))]

    def _parse(self, step: Step, event: Event):
        """The answer an event gives a step (a visit step reads the office's calendar)."""
        if step.kind in booking.KINDS:
            return booking.parse(self, load_flow(self.conv.flow), step, event)
        return parse_answer(step, event, self.today)

    def _propose(self, flow: Flow, step: Step, guess: Propose) -> list[Reply]:
        """An answer read as something else: ask the citizen to confirm it before it is kept."""
        self.conv.answers = {**self.conv.answers,
                             "_propose": {"step": step.id, "value": guess.value, "fallback": guess.fallback}}
        self._enter(Mode.PROPOSE, back_to=Mode.COLLECT)
        b = self.t["buttons"]
        return [Reply(guess.message, [{"id": "propose_yes", "title": b["propose_yes"]},
                                      {"id": "propose_no", "title": b["propose_no"]}])]

    def _on_propose(self, event: Event, command: str | None, state: State) -> list[Reply]:
        """propose: Ya keeps the reading, Bukan the text as typed (or asks again); anything else is a new answer."""
        flow = load_flow(self.conv.flow)
        answers = dict(self.conv.answers)
        guess = answers.pop("_propose", None) or {}
        self.conv.answers = answers
        self._enter(Mode.COLLECT)
        if not guess or guess.get("step") != self.conv.step:
            return [self._current_prompt(flow)]
        step = flow.step(guess["step"])
        said = clean(event.button if event.kind == "button" else event.text)
        if said in YES_WORDS:
            return self._take(flow, step, guess["value"])
        if said in NO_WORDS:
            if guess.get("fallback") is not None:
                taken = self._take(flow, step, guess["fallback"])
                return [Reply(self.t["propose_no_kept"])] + taken
            return [self._ask(flow, step)]
        return self._in_flow(event, command, State(Mode.COLLECT))

    def _redirect(self, flow: Flow, spec: dict) -> list[Reply]:
        """An answer that belongs to another service: say why, drop this draft, start that one."""
        audit(self.s, self._actor(), "flow_redirected", self.conv, flow=flow.name, to=spec.get("service"))
        # The text may quote the answers (a child's name) and the booking's dates: read before they are dropped.
        values = {**self._answer_values(self.conv.answers), **booking.redirect_values(self, flow)}
        self._clear()
        replies = [Reply(self._fmt(spec["text"], **values))]
        target = self.office.get("services", {}).get(spec.get("service") or "", {}).get("flow")
        if target and target in available_flows():
            return replies + self._start_flow(load_flow(target), preset=spec.get("preset") or {})[1:]
        return replies + [self._menu_reply()]

    def _greeting(self, step: Step, event: Event) -> bool:
        """A greeting alone ("halo", "assalamualaikum") where it is no answer: at a free-text question
        (a name "Halo" would be kept) or where it does not read as an answer ("P" is Perempuan)."""
        said = clean(event.text)
        if not (said in GREETINGS or (SALAM.match(said) and len(said) <= 40)):
            return False
        if step.kind in ("name", "text", "place"):
            return True
        try:
            self._parse(step, event)
        except (Invalid, Propose):
            return True
        return False

    def _advance(self, flow: Flow, prefix: str = "") -> list[Reply]:
        """Ask the next unanswered question, or show the summary when there is none."""
        nxt = self._next_step(flow)
        if nxt is None:
            self.conv.step = None
            self._enter(Mode.CONFIRM)
            replies = [Reply(prefix)] if prefix else []
            answers = dict(self.conv.answers)
            edited = answers.pop("_edited", None)
            self.conv.answers = answers
            return replies + [self._summary(flow, section=edited)]
        self.conv.step = nxt.id
        self._enter(Mode.COLLECT)
        return [self._ask(flow, nxt, prefix=prefix)]

    def _next_step(self, flow: Flow) -> Step | None:
        """The first step that applies and has no answer yet."""
        answers = self.conv.answers or {}
        books = booking.window(self, flow)
        live = live_answers(flow.steps, answers, self.today, books)
        return next((s for s in flow.steps if s.id not in answers and applies(s, live, self.today, books)
                     and not (s.kind in booking.KINDS and booking.skipped(self, flow, s))), None)

    def _notes_after(self, flow: Flow, step: Step, value) -> list[str]:
        """Acknowledgements and soft warnings to show once an answer is taken."""
        notes = []
        answers = {**self.conv.answers, step.id: value}
        if step.kind == "photo":
            notes.append(self.t["photo_received"] if value.get("upload_id")
                         else fill(self.t["missing_recorded"], document=step.document or step.label))
        for after in step.after:
            if after.get("when") is None or condition_holds(after["when"], answers, self.today,
                                                            booking.window(self, flow)):
                notes.append(self._fmt(after["text"], **self._answer_values(answers)))
        for deadline in flow.deadlines:
            if deadline.step == step.id and deadline.note and deadline.passed(answers, self.today):
                notes.append(self._fmt(deadline.note, days=deadline.days, **self._answer_values(answers)))
        if is_unknown(value):
            return notes
        if step.kind in ("nik", "kk"):
            note = area_note(value, step.kind)
            if note:
                notes.append(note)
        if step.kind == "nik" and step.options.get("expect_sex"):
            info = parse_nik(value, today=self.today)
            if info.sex != step.options["expect_sex"]:
                notes.append(fill(self.t["nik_sex_note"], sex=self.t["sex"][info.sex]))
        for check in checks.failed(flow, answers, self.today, step.id):
            notes.append(self._fmt(check.message, **self._answer_values(answers)))  # only soft ones get here
        if step.kind == "date" and isinstance(answers.get(step.options.get("compare_nik")), str):
            info = parse_nik(answers[step.options["compare_nik"]], today=self.today)
            if info.birth_date.isoformat() != value:
                notes.append(self.t["nik_date_note"])
        return notes

    def _declined(self, flow: Flow, step: Step) -> list[Reply]:
        """Consent refused: pause the draft or end the flow, as the step says."""
        if step.options.get("on_decline") == "pause":
            self._pause(flow)
        else:
            self._clear()
        return [Reply(self._fmt(step.decline or fill(self.t["cancelled"], title=flow.title)))]

    def _back(self, flow: Flow) -> list[Reply]:
        """Go back one question, showing the answer given before."""
        history = list(self.conv.history or [])
        while history and history[-1] not in (self.conv.answers or {}):
            history.pop()
        if not history:
            return [self._current_prompt(flow, prefix=self.t["back_none"])]
        prev = history.pop()
        answers = dict(self.conv.answers)
        old = answers.pop(prev)
        step = flow.step(prev)
        self.conv.history, self.conv.answers, self.conv.step = history, answers, prev
        self._enter(Mode.COLLECT)
        return [self._ask(flow, step, prefix=fill(self.t["back_previous"], previous=format_value(step, old)))]

    def _edit_list(self, flow: Flow, state: State) -> list[Reply]:
        """Ask which answer to change: at the summary (just shown, numbered) by its number or its
        section's name; in the middle of the questions, with the numbered answers so far."""
        answers = self.conv.answers or {}
        books = booking.window(self, flow)
        lines = summary_lines(flow, answers, self.today, window=books)
        if not lines:
            return [self._current_prompt(flow, prefix=self.t["nothing_to_edit"])]
        self._enter(Mode.EDIT_PICK, back_to=state.mode)
        named = sections(flow, answers, self.today, books)
        if state.mode is Mode.CONFIRM and len(named) > 1:
            text = fill(self.t["edit_pick_section"], sections=", ".join(f"*{name}*" for name, _ in named))
            return [Reply(text, [self._cancel_edit_button()])]
        return [Reply("\n".join(lines) + "\n\n" + self.t["edit_pick"], [self._cancel_edit_button()])]

    def _cancel_edit_button(self) -> dict:
        """'Tidak jadi' while picking an answer to change."""
        return {"id": "cmd:cancel_edit", "title": self.t["buttons"]["cancel_edit"]}

    def _on_edit_pick(self, event: Event, command: str | None, state: State) -> list[Reply]:
        """edit_pick: the citizen names the answer to change by its number."""
        flow = load_flow(self.conv.flow)
        books = booking.window(self, flow)
        steps = answered_steps(flow, self.conv.answers or {}, self.today, books)
        said = clean(event.button if event.kind == "button" else event.text)
        if said in ("cmd:cancel_edit", "tidak jadi", "batal") or command in ("cancel", "back"):
            self._enter(state.back_to)
            return [self._current_prompt(flow)]
        number = PICKED_NUMBER.match(said)
        if number and 1 <= int(number.group(1)) <= len(steps):
            step = steps[int(number.group(1)) - 1]
            self.conv.step = step.id
            self.conv.answers = {**self.conv.answers, "_edited": step.section}
            self._enter(Mode.COLLECT)
            old = format_value(step, self.conv.answers[step.id])
            return [self._ask(flow, step, prefix=fill(self.t["back_previous"], previous=old))]
        section = next((name for name, _ in sections(flow, self.conv.answers or {}, self.today, books)
                        if clean(name) == said or (len(said) >= 3 and clean(name).startswith(said))), None)
        if section is not None:
            lines = summary_lines(flow, self.conv.answers, self.today, section=section, window=books)
            return [Reply("\n".join(lines) + "\n\n" + self.t["edit_pick"], [self._cancel_edit_button()])]
        return [Reply(fill(self.t["edit_bad_number"], count=len(steps)), [self._cancel_edit_button()])]

    def _summary(self, flow: Flow, section: str | None = None) -> Reply:
        """Everything collected, for the citizen to confirm before it is sent; after a change made
        with *ubah*, only the section that changed (the rest was shown already)."""
        books = booking.window(self, flow)
        lines = summary_lines(flow, self.conv.answers, self.today, section=section, window=books)
        head = fill(self.t["summary_section_updated"], section=section) if section and lines \
            else fill(self.t["summary_head"], title=flow.title)
        if not lines:
            lines = summary_lines(flow, self.conv.answers, self.today, window=books)
        b = self.t["buttons"]
        text = "\n".join([head, *lines, "", self.t["summary_foot"]])
        return Reply(text, [{"id": "submit", "title": b["submit"]}, {"id": "cmd:edit", "title": b["edit"]},
                            {"id": "cmd:cancel", "title": b["cancel"]}])

    def _on_confirm(self, flow: Flow, event: Event) -> list[Reply]:
        """At the summary: send it, or say what the buttons do."""
        said = clean(event.button if event.kind == "button" else event.text)
        if said in ("submit",) or said in SUBMIT_WORDS:
            return booking.book(self, flow) if flow.booking else submit(self, flow)
        if event.kind == "text" and said:
            parse = understand.interpret(event.text, self.today)
            if parse.intent in understand.INTERRUPTIONS and understand.confident(parse):
                return self._on_intent(parse, flow)
        b = self.t["buttons"]
        return [Reply(self.t["confirm_reask"], [{"id": "submit", "title": b["submit"]},
                                                {"id": "cmd:edit", "title": b["edit"]},
                                                {"id": "cmd:cancel", "title": b["cancel"]}])]

    def _cancel_ask(self, flow: Flow) -> Reply:
        """'Really cancel?' with yes/no buttons."""
        b = self.t["buttons"]
        return Reply(fill(self.t["cancel_ask"], title=flow.title),
                     [{"id": "cancel_yes", "title": b["cancel_yes"]}, {"id": "cancel_no", "title": b["cancel_no"]}])

    def _on_cancel_confirm(self, event: Event, command: str | None, state: State) -> list[Reply]:
        """cancel_confirm: 'really cancel?' answered."""
        flow = load_flow(self.conv.flow)
        said = clean(event.button if event.kind == "button" else event.text)
        if said in ("cancel_yes", "ya", "iya", "ya, batalkan", "batal", "batalkan", "y", "yes"):
            audit(self.s, self._actor(), "flow_cancelled", self.conv, flow=flow.name)
            self._clear()
            return [Reply(fill(self.t["cancelled"], title=flow.title))]
        self._enter(state.back_to)
        return [self._current_prompt(flow, prefix=self.t["cancel_kept"])]

    # ---- free text: questions, other requests, a human ----------------------------------------
    def _interruption(self, flow: Flow, step: Step, event: Event) -> list[Reply] | None:
        """A question or another request typed in the middle of a flow, or None for an answer."""
        sentence = False
        try:
            self._parse(step, event)
            valid = True
        except NotAName:
            valid = sentence = True  # a sentence about the person ("bapaknya udah meninggal") answers it
        except (Propose, booking.Unavailable):
            valid = True  # a day that is full or a holiday is an answer to refuse, not a question
        except Invalid:
            valid = False
        free_text = step.kind in ("name", "text")
        if valid and not (free_text and understand.looks_like_question(event.text)):
            # Free text answers anything, but "saya mau bicara dengan petugas" is no name or address.
            return self._person_asked(flow, event) if free_text or sentence else None
        parse = understand.interpret(event.text, self.today)
        if parse.intent not in understand.INTERRUPTIONS:
            return None
        if parse.intent == "check_status" and not (parse.first("ticket") or "status" in event.text.lower()):
            return None  # "sudah saya kirim kemarin" at a photo step is about the photo, not a ticket
        if SERVICE_INTENTS.get(parse.intent) == flow.service:
            return None  # "pindah" at the KK flow's "what changed" is an answer to explain, not a new request
        needed = understand.QUESTION_CONFIDENCE if valid else understand.CONFIDENCE_THRESHOLD
        return self._on_intent(parse, flow) if parse.confidence >= needed else None

    def _person_asked(self, flow: Flow, event: Event) -> list[Reply] | None:
        """An answer to a free-text question that clearly asks for an officer: the handoff."""
        if not PERSON_WORDS.search(event.text or ""):
            return None
        parse = understand.interpret(event.text, self.today)
        if parse.intent != "human" or parse.confidence < understand.QUESTION_CONFIDENCE:
            return None
        return self._on_intent(parse, flow)

    def _on_intent(self, parse: Parse, flow: Flow | None) -> list[Reply] | None:
        """Answer what the citizen asked; inside a flow, then repeat where we were."""
        intent = parse.intent
        if intent in FAQ_INTENTS:
            replies = [Reply(faq.answer(intent, parse.entities, self.office, self.now))]
        elif intent in SERVICE_INTENTS:
            key = SERVICE_INTENTS[intent]
            if flow is None:
                # Moving house is a KK change here, but the surat pindah itself is not made in the chat.
                moving = [Reply(self.t["moving_note"])] if parse.first("topic") == "pindah" else []
                return moving + self._choose_service(key)
            if flow.service != key:
                return self._offer_switch(flow, key)
            replies = [Reply(fill(self.t["same_service"], title=flow.title))]
        elif intent == "check_status":
            replies = [records.status_reply(self.s, self.conv.contact_id, parse.first("ticket"), self.office)]
        elif intent in ("human", "complaint"):
            # A person is coming: the bot asks nothing more of its own until they hand back.
            return self._handoff(intent, flow)
        elif flow is not None:
            return None
        elif intent == "greet":
            salam = faq.answer_greeting(parse.entities)
            return ([Reply(salam)] if salam else []) + [Reply(self._fmt(self.t["welcome"])), self._menu_reply()]
        elif intent == "thank":
            return [Reply(self.t["thanks"])]
        elif intent == "affirm" and self.conv.paused:
            return self._resume_paused(self.conv.paused[-1]["flow"])
        elif intent == "cancel":
            return [Reply(self.t["no_request_to_cancel"]), self._menu_reply()]
        else:
            return [self._menu_reply()]
        if flow is not None:
            replies.append(self._current_prompt(flow, prefix=fill(self.t["back_to_flow"], title=flow.title)))
        return replies

    def _clarify(self, parse: Parse) -> list[Reply]:
        """A short question naming the two likeliest meanings, instead of a guess; the menu when
        no meaning is likely enough to offer."""
        choices = understand.likely_choices(parse)
        if not choices:
            return [Reply(self.t["clarify_none"]), self._menu_reply()]
        menu = {"id": "cmd:menu", "title": self.t["buttons"]["menu"]}
        if len(choices) == 2:
            text = fill(self.t["clarify_two"], first=choices[0]["title"], second=choices[1]["title"])
            return [Reply(text, choices + [menu])]
        return [Reply(self.t["clarify"], choices + [menu])]

    def _handoff(self, intent: str, flow: Flow | None = None) -> list[Reply]:
        """Put the conversation in the officers' queue and say when someone will answer (and, in
        the middle of a request, that its answers are kept: no question of the bot's follows)."""
        self.conv.needs_human, self.conv.handoff_requested_at = True, self.now
        # The flow under way (if any) lets the dashboard count the handoff under its service.
        audit(self.s, self._actor(), "handoff_requested", self.conv, reason=intent,
              **({"flow": self.conv.flow} if self.conv.flow else {}))
        replies = [Reply(self.t["complaint_ack"])] if intent == "complaint" else []
        kept = "\n\n" + fill(self.t["handoff_draft_kept"], title=flow.title) if flow is not None else ""
        if faq.is_open(self.now, self.office):
            return replies + [Reply(self.t["handoff_open"] + kept)]
        opens = faq.next_opening(self.now, self.office)
        when = self.t["next_opening_unknown"]
        if opens is not None:
            when = fill(self.t["next_opening"], day=DAYS[opens.weekday()], date=format_date_id(opens.date()),
                        time=f"{opens:%H.%M}")
        return replies + [Reply(fill(self.t["handoff_closed"], hours=hours_text(self.office), next_open=when) + kept)]

    def _waiting(self, event: Event, command: str | None) -> list[Reply] | None:
        """Waiting for an officer: the bot asks nothing. *lanjut* (or *menu*, or a button of the
        bot's pressed) takes the chat back from the queue and goes on; anything else is kept for
        the officer, with a short note the first time (None: handle the event as usual)."""
        said = clean(event.text) if event.kind == "text" else ""
        if said in WAIT_OVER or command == "menu" or event.kind == "button":
            self.conv.needs_human, self.conv.handoff_requested_at = False, None
            audit(self.s, self._actor(), "handoff_withdrawn", self.conv)
            if said not in WAIT_OVER:
                return None  # *menu* or a button: the usual answer to it
            if self.conv.flow:
                flow = load_flow(self.conv.flow)
                return [self._current_prompt(flow, prefix=fill(self.t["back_to_flow"], title=flow.title))]
            return [self._menu_reply()]
        hint = fill(self.t["handoff_wait_flow"], title=load_flow(self.conv.flow).title) if self.conv.flow \
            else self.t["handoff_wait_idle"]
        note = self.t["officer_handling"] + " " + hint
        if self._last_said() == note:
            return []  # said once already: the citizen's further messages wait quietly for the officer
        return [Reply(note)]

    def _last_said(self) -> str | None:
        """The text of the last message owed or sent to this citizen (the outbox's newest row)."""
        payload = self.s.execute(select(Outbox.payload).where(Outbox.contact_id == self.conv.contact_id,
                                                             Outbox.kind == "reply")
                                 .order_by(Outbox.id.desc()).limit(1)).scalar_one_or_none()
        return (payload or {}).get("text")

    def hand_back(self) -> list[Reply]:
        """An officer handed the chat back: say so, and go on with the unfinished request where it
        stood (its question asked again, the draft as it was); without one, how to go on."""
        self.conv.needs_human = False
        if not self.conv.flow:
            return [Reply(self.t["handoff_returned"])]
        flow = load_flow(self.conv.flow)
        state = State.read(self.conv.mode)
        if state.mode not in IN_FLOW:
            # A side question left open (cancel?, which answer to change?): back to the question itself.
            answers = dict(self.conv.answers or {})
            answers.pop("_propose", None)
            self.conv.answers = answers
            self._enter(state.back_to if state.mode in SIDE_STATES else Mode.COLLECT)
        if self.conv.step is None and State.read(self.conv.mode).mode is Mode.COLLECT:
            return self._advance(flow, prefix=fill(self.t["handoff_resumed"], title=flow.title))
        return [self._current_prompt(flow, prefix=fill(self.t["handoff_resumed"], title=flow.title))]

    def _offer_switch(self, flow: Flow, key: str) -> list[Reply]:
        """Another request asked for mid-flow: finish this one first, or keep it and switch?"""
        new = self.office["services"][key]
        self._enter(Mode.SWITCH_OFFER, back_to=State.read(self.conv.mode).mode, service=key)
        b = self.t["buttons"]
        return [Reply(fill(self.t["switch_offer"], title=flow.title, new=new["title"]),
                      [{"id": "switch_stay", "title": fill(b["switch_stay"], title=flow.title)},
                       {"id": "switch_go", "title": fill(b["switch_go"], service=new.get("short", new["title"]))}])]

    def _on_switch_offer(self, event: Event, command: str | None, state: State) -> list[Reply]:
        """switch_offer: keep going with the current request, or keep it aside and start the other one."""
        flow = load_flow(self.conv.flow)
        self._enter(state.back_to)
        said = clean(event.button if event.kind == "button" else event.text)
        if said == "switch_go" or said.startswith("urus"):
            self._pause(flow)
            return [Reply(fill(self.t["paused"], title=flow.title))] + self._choose_service(state.service or "")
        return [self._current_prompt(flow, prefix=fill(self.t["back_to_flow"], title=flow.title))]

    # ---- unfinished requests ---------------------------------------------------------------
    def _long_gap(self) -> bool:
        """Whether the citizen has been away long enough that we should ask before going on."""
        return self.previous_inbound is not None and self.now - self.previous_inbound > self.resume_after

    def _answers_a_photo_step(self, event: Event, state: State) -> bool:
        """A photo sent for a photo step is an answer even after a long gap: never drop it."""
        if event.kind != "file" or state.mode is not Mode.COLLECT or not self.conv.step:
            return False
        return load_flow(self.conv.flow).step(self.conv.step).kind == "photo"

    def _offer_resume(self, state: State) -> list[Reply]:
        """Offer the unfinished request again after a long absence."""
        flow = load_flow(self.conv.flow)
        self._enter(Mode.RESUME_OFFER, back_to=state.mode)
        total = sum(1 for s in flow.steps if applies(s, self.conv.answers, self.today, booking.window(self, flow)))
        b = self.t["buttons"]
        text = fill(self.t["resume_offer"], title=flow.title, done=len(self.conv.answers), total=total)
        return [Reply(text, [{"id": "resume", "title": b["resume"]}, {"id": "restart", "title": b["restart"]},
                             {"id": "cmd:menu", "title": b["menu"]}])]

    def _on_resume_offer(self, event: Event, command: str | None, state: State) -> list[Reply]:
        """resume_offer: continue, start over, or go to the menu."""
        flow = load_flow(self.conv.flow)
        said = clean(event.button if event.kind == "button" else event.text)
        self._enter(state.back_to)
        if said == "restart" or said in ("mulai dari awal", "mulai baru", "ulang"):
            self._clear()
            return [Reply(self.t["started_over"])] + self._start_flow(flow)[1:]
        if command == "menu":
            self._pause(flow)
            return [Reply(fill(self.t["paused"], title=flow.title)), self._menu_reply()]
        if command == "cancel":
            self._enter(Mode.CANCEL_CONFIRM, back_to=state.back_to)
            return [self._cancel_ask(flow)]
        return [self._current_prompt(flow, prefix=fill(self.t["resumed"], title=flow.title))]

    def _pause(self, flow: Flow) -> None:
        """Keep the draft aside (menu, a declined step) so it can be resumed later."""
        c = self.conv
        draft = {"flow": flow.name, "step": c.step, "mode": State.read(c.mode).mode.value,
                 "answers": c.answers, "history": c.history,
                 "started_at": c.started_at.isoformat() if c.started_at else None}
        c.paused = [d for d in (c.paused or []) if d["flow"] != flow.name] + [draft]
        c.flow, c.step, c.answers, c.history = None, None, {}, []
        self._enter(Mode.IDLE)

    def _resume_paused(self, flow_name: str) -> list[Reply]:
        """Bring a kept draft back and ask where it stopped."""
        draft = next((d for d in self.conv.paused or [] if d["flow"] == flow_name), None)
        if draft is None:
            return [self._menu_reply()]
        if self.conv.flow:
            self._pause(load_flow(self.conv.flow))
        c = self.conv
        c.paused = [d for d in c.paused if d["flow"] != flow_name]
        c.flow, c.answers, c.history = flow_name, draft["answers"], draft["history"]
        c.started_at = datetime.fromisoformat(draft["started_at"]) if draft.get("started_at") else self.now
        flow = load_flow(flow_name)
        return self._advance(flow, prefix=fill(self.t["resumed"], title=flow.title))

    def _clear(self) -> None:
        """Forget the current flow and its answers."""
        c = self.conv
        c.flow, c.step, c.answers, c.history, c.started_at = None, None, {}, [], None
        self._enter(Mode.IDLE)

    # ---- asking ------------------------------------------------------------------------------
    def _current_prompt(self, flow: Flow, prefix: str = "") -> Reply:
        """Re-ask the current question, or re-show the summary."""
        if self.conv.step:
            return self._ask(flow, flow.step(self.conv.step), prefix=prefix)
        summary = self._summary(flow)
        if prefix:
            summary.text = prefix + "\n\n" + summary.text
        return summary

    def _ask(self, flow: Flow, step: Step, prefix: str = "", answers: dict | None = None) -> Reply:
        """The question for a step, with its buttons, after an optional reason or note (`answers`:
        a filed request's, for its placeholders, when a fix item is asked again)."""
        b = self.t["buttons"]
        text = self._fmt(step.ask, **self._answer_values(answers))
        buttons, numbered = [], ""
        if step.kind == "choice":
            buttons = [{"id": str(c["id"]), "title": c["title"]} for c in step.choices]
        elif step.kind == "multi_choice":
            numbered = "\n".join(fill(self.t["validation"]["choice_option"], number=i, title=c["title"])
                                  for i, c in enumerate(step.choices, 1))
            text += "\n" + fill(self.t["validation"]["multi_hint"], options=numbered)
        elif step.kind == "yes_no":
            buttons = [{"id": "yes", "title": b["yes"]}, {"id": "no", "title": b["no"]}]
        elif step.kind == "consent":
            buttons = [{"id": "agree", "title": b["agree"]}, {"id": "disagree", "title": b["disagree"]}]
        elif step.kind == "photo" and step.missing_ok:
            buttons = [{"id": f"missing:{step.id}", "title": b["missing"]}]
        elif step.kind in booking.KINDS:
            text, buttons, numbered = booking.ask(self, flow, step, text)
        listed = len(buttons)
        if step.options.get("unknown_ok"):
            buttons.append({"id": f"unknown:{step.id}", "title": b["unknown"]})
        if step.optional:
            buttons.append({"id": f"skip:{step.id}", "title": b["skip"]})
        lead = prefix + "\n\n" if prefix else ""
        # The numbered text lists exactly the question's own buttons: not once more were added.
        return Reply(lead + text, buttons, numbered_text=lead + numbered if numbered and listed == len(buttons) else "")

    def _bad_kind_reply(self, event: Event, step: Step | None = None) -> Reply:
        """A sticker, voice note, refused file or empty message: say so, and re-ask."""
        if event.kind == "rejected_file":
            reason = event.reason or self.t["unsupported"]
        else:
            reason = self.t.get("empty_message" if event.kind == "empty" else event.kind, self.t["unsupported"])
        if step is None:
            return Reply(reason)
        return self._ask(load_flow(self.conv.flow), step, prefix=reason)

    def _fmt(self, template: str, **extra) -> str:
        """Fill {placeholders} from the office, the answers and extra values; unknown ones stay."""
        return fill(template, {**placeholder_values(self.office), **self._answer_values(self.conv.answers),
                               **extra})

    @staticmethod
    def _answer_values(answers: dict | None) -> dict:
        """The answers a text may quote by step id (text and numbers, not photos)."""
        unknown = texts()["values"]["unknown"].lower()
        return {k: unknown if is_unknown(v) else v for k, v in (answers or {}).items()
                if isinstance(v, (str, int)) or is_unknown(v)}

    def _command(self, event: Event) -> str | None:
        """batal / kembali / ubah / menu / bantuan, typed or pressed."""
        if event.kind == "button" and (event.button or "").startswith("cmd:"):
            name = event.button[4:]
            return name if name in COMMANDS else None
        if event.kind != "text":
            return None
        said = clean(event.text)
        name = next((name for name, words in COMMANDS.items() if said in words), None)
        if name is not None and name != "cancel" and self._names_an_option(said):
            return None  # "koreksi" where *Koreksi data* is a choice of the open question is the answer
        return name

    def _names_an_option(self, said: str) -> bool:
        """Whether a word is one of the open question's choices (its title, id or a match word)."""
        if not (self.conv.flow and self.conv.step and State.read(self.conv.mode).mode is Mode.COLLECT):
            return False
        step = load_flow(self.conv.flow).step(self.conv.step)
        if step.kind not in ("choice", "multi_choice"):
            return False
        words = {clean(w) for c in step.choices for w in [c["title"], str(c["id"]), *c.get("match", [])]}
        return said in words

    def _actor(self) -> str:
        """Audit actor for the citizen of this conversation."""
        return f"citizen:{self.conv.contact_id}"


# One handler per mode (flows/modes.py); handle() dispatches on the conversation's stored mode.
HANDLERS = {
    Mode.IDLE: Engine._idle,
    Mode.COLLECT: Engine._in_flow,
    Mode.CONFIRM: Engine._in_flow,
    Mode.CANCEL_CONFIRM: Engine._on_cancel_confirm,
    Mode.RESUME_OFFER: Engine._on_resume_offer,
    Mode.EDIT_PICK: Engine._on_edit_pick,
    Mode.SWITCH_OFFER: Engine._on_switch_offer,
    Mode.PROPOSE: Engine._on_propose,
    Mode.DOC_OFFER: aftercare.on_doc_offer,
    Mode.FIXING: aftercare.on_fixing,
    Mode.REQUEST_CANCEL: aftercare.on_request_cancel,
    Mode.BOOKING_CANCEL: aftercare.on_booking_cancel,
}
