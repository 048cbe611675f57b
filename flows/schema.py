"""What a flow file (and texts.yml) may say, checked before the engine sees it.

Each problem is one line naming the file, the step and the key, e.g.
    flows/<service>.yml: step 'child_name': unknown key 'missing_okk'
`check_file` returns the problems of one file, `check_all` those of every file in flows/;
definition.load_flow raises FlowError (carrying them all) instead of loading a bad flow.

The options each step kind allows are the ones the code reads: definition.py builds the step,
flows/inputs.py parses the answer (max_length, earliest, allow_future, low, high, unit,
missing_ok, choices), engine.py asks and comments on it (expect_sex, compare_nik, decline,
on_decline, document) and summary.py shows it (unit, document).
"""
import re
from datetime import date
from pathlib import Path

import yaml

from bot.core import text_check
from bot.core.forms_catalog import FORM_NAMES

from flows import repeats
from flows.placeholders import OFFICE_PLACEHOLDERS, names as placeholder_names

FLOW_DIR = Path(__file__).resolve().parent
ROOT = FLOW_DIR.parent
TEXTS_FILE = "texts.yml"
STEP_ID = re.compile(r"^[a-z_][a-z0-9_]*$")


class FlowError(ValueError):
    """A flow file that must not be loaded; .problems lists every problem found in it."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# ---- the flow file --------------------------------------------------------------------------
FLOW_KEYS = {"service", "title", "intro", "steps", "submit", "done", "deadlines", "receipt", "checks", "follow_ups",
             "booking"}
# A flow that ends in a visit booked (flows/booking.py): its `booking:` section, the visit step
# kinds it needs, and what its `done` text may quote.
BOOKING_KEYS = {"prefix", "bring", "before_age", "from_age"}
BRING_KEYS = {"text", "when"}
VISIT_KINDS = ("visit_place", "visit_day", "visit_slot")
BOOKING_DONE_PLACEHOLDERS = {"code", "queue", "place", "address", "date", "slot", "bring"}
FLOW_REQUIRED = {"service", "title", "intro", "steps", "submit", "done"}
SUBMIT_KEYS = {"subject_label", "subject", "subject_nik", "applicant_by", "applicant", "contact_email"}
SUBMIT_REQUIRED = {"subject_label", "subject"}
APPLICANT_KEYS = {"name", "nik", "relation"}
DEADLINE_KEYS = {"from", "days", "note", "flag"}
RECEIPT_KEYS = {"next_steps", "notes"}
DONE_PLACEHOLDERS = {"ticket", "duration", "email_note"}
DEADLINE_PLACEHOLDERS = {"days"}

# Keys every step has or may have, whatever its kind.
STEP_KEYS = {"id", "kind", "ask", "label", "when", "when_any", "after", "section"}
STEP_REQUIRED = ("id", "kind", "ask")
# Kind-specific options: key -> the check of its value. `optional` ("lewati") is not offered for
# photos (missing_ok is their way), consents (skipping is not agreeing) and yes/no (SKIP_WORDS
# has "tidak", which would be taken as skipping instead of "no").
KIND_OPTIONS = {
    "text": {"optional": "bool", "max_length": "positive_int", "unknown_ok": "text"},
    "name": {"optional": "bool", "unknown_ok": "text"},
    "date": {"optional": "bool", "earliest": "iso_date", "allow_future": "bool", "compare_nik": "step:nik",
             "unknown_ok": "text"},
    "time": {"optional": "bool", "unknown_ok": "text"},
    "nik": {"optional": "bool", "expect_sex": ("L", "P"), "unknown_ok": "text", "if_none": "step:choice"},
    "kk": {"optional": "bool", "unknown_ok": "text"},
    "choice": {"optional": "bool", "choices": "choices", "redirect": "redirect"},
    "multi_choice": {"optional": "bool", "choices": "choices"},
    "place": {"optional": "bool", "unknown_ok": "text", "scope": ("any", "regency")},
    "yes_no": {},
    "photo": {"document": "text", "missing_ok": "bool"},
    "email": {"optional": "bool"},
    "phone": {"optional": "bool"},
    "number": {"optional": "bool", "low": "int", "high": "int", "unit": "text", "unknown_ok": "text"},
    "consent": {"decline": "text", "on_decline": ("pause", "end")},
    "visit_place": {},
    "visit_day": {},
    "visit_slot": {},
}
KIND_REQUIRED = {"choice": {"choices"}, "multi_choice": {"choices"}, "photo": {"document"}}
KINDS = frozenset(KIND_OPTIONS)
CHOICE_KEYS = {"id", "title", "match"}
AFTER_KEYS = {"when", "text", "attach"}
OPERATORS = {"older_than_days", "age_by_last_visit_day", "not", "has", "known"}
# The blank official forms a step may send as a PDF (`after: attach:`), built by delivery/forms/.
FORMS = set(FORM_NAMES)
CHECK_RULES = {"later": {"rule", "step", "than", "than_nik", "years", "min_days", "message", "soft", "flag"},
               "different": {"rule", "steps", "message", "soft", "flag"}}
FOLLOW_UP_KEYS = {"service", "title", "text", "when", "carry", "preset"}
REDIRECT_KEYS = {"service", "text", "preset"}
# What a redirect's text may quote in a flow with `booking: from_age:` (flows/booking.redirect_values).
REDIRECT_FROM_AGE_PLACEHOLDERS = {"booking_opens"}

# ---- texts.yml: every key the code reads, and the placeholders each may use -------------------------
_OFFICE = set(OFFICE_PLACEHOLDERS)
_SERVICE_INFO = _OFFICE | {"title", "requirements", "duration"}
TEXTS = {
    "welcome": _OFFICE, "menu": set(), "menu_resume": {"title"}, "help_idle": _OFFICE, "help_flow": {"title"},
    "cancel_ask": {"title"}, "cancelled": {"title"}, "cancel_kept": set(), "back_none": set(),
    "back_previous": {"previous"}, "resume_offer": {"title", "done", "total"}, "resumed": {"title"},
    "started_over": set(), "paused": {"title"}, "summary_head": {"title"}, "summary_foot": set(),
    "edit_pick": set(), "edit_bad_number": {"count"}, "nothing_to_edit": set(), "confirm_reask": set(),
    "skip_words_hint": set(), "not_a_photo": set(), "missing_recorded": {"document"}, "photo_received": set(),
    "file_not_expected": set(), "empty_message": set(), "sticker": set(), "audio": set(), "video": set(),
    "location": set(), "unsupported": set(), "officer_handling": set(), "status_none": set(),
    "status_head": set(), "status_not_found": {"ticket"}, "service_offline": _SERVICE_INFO,
    "service_not_in_chat_yet": _SERVICE_INFO, "submit_failed": set(), "nik_sex_note": {"sex"},
    "nik_date_note": set(), "internal_error": set(), "back_to_flow": {"title"}, "same_service": {"title"},
    "switch_offer": {"title", "new"}, "handoff_open": set(), "handoff_returned": set(),
    "handoff_draft_kept": {"title"}, "handoff_wait_flow": {"title"}, "handoff_wait_idle": set(),
    "handoff_resumed": {"title"},
    "handoff_closed": {"hours", "next_open"}, "complaint_ack": set(), "clarify": set(),
    "clarify_two": {"first", "second"}, "clarify_none": set(), "moving_note": set(),
    "no_request_to_cancel": set(), "thanks": set(), "next_opening": {"day", "date", "time"},
    "next_opening_unknown": set(), "done_email_note": set(), "duration_unknown": set(),
    "office_hours_span": {"days", "start", "end"}, "office_hours_none": set(),
    "message_cut": {"kept", "sent"}, "flood_notice": set(), "summary_section": {"section"},
    "edit_pick_section": {"sections"}, "summary_section_updated": {"section"}, "greeting_in_flow": set(),
    "salam_in_flow": set(),
    "propose_no_kept": set(), "dpo_unset": set(), "skip_not_allowed": set(), "skip_say_unknown": set(), "no_number_back": set(), "follow_up_started": {"title", "ticket"}, "follow_up_none": set(),
}
TEXT_GROUPS = {
    "buttons": {"yes": set(), "no": set(), "agree": set(), "disagree": set(), "submit": set(), "edit": set(),
                "cancel": set(), "cancel_yes": set(), "cancel_no": set(), "resume": set(), "restart": set(),
                "menu": set(), "skip": set(), "missing": set(), "resume_flow": {"title"}, "status": set(),
                "cancel_edit": set(), "switch_stay": {"title"}, "switch_go": {"service"},
                "unknown": set(), "propose_yes": set(), "propose_no": set()},
    "values": {"none": set(), "yes": set(), "no": set(), "photo_missing": set(), "photo_received": set(),
               "with_unit": {"value", "unit"}, "unknown": set()},
    "sex": {"L": set(), "P": set()},
    "status_labels": {"submitted": set(), "in_review": set(), "needs_fix": set(), "approved": set(),
                      "issued": set(), "delivered": set(), "rejected": set(), "cancelled": set()},
    "data_rights": {
        "export_asked": {"how"}, "by_email": set(), "at_office": set(), "erase_confirm": set(),
        "erase_yes": set(), "erase_no": set(), "erase_asked": set(), "erase_kept": set(),
        "already_waiting": set(), "export_sent_email": set(), "export_at_office": {"office"},
        "refused_export": {"reason"}, "refused_erase": {"reason"}, "email_subject": set(),
        "email_body": {"office"}},
    "request_updates": {
        "in_review": {"ticket", "service"}, "needs_fix_head": {"ticket", "service"},
        "fix_document": {"title", "note"}, "fix_answer": {"title", "note"}, "note_line": {"note"},
        "needs_fix_foot": {"ticket"}, "fixed": {"ticket"},
        "approved": {"ticket", "service", "email_note"}, "rejected": {"ticket", "service", "reason"},
        "issued": {"ticket", "service", "number", "email_note"}, "resent": {"ticket", "service"},
        "corrected": {"ticket", "service", "number", "reason", "email_note"},
        "email_note": set(), "email_subject": {"ticket", "service"},
        "email_issued": {"ticket", "service", "number", "office"}, "email_update": {"text", "office"}},
    # After the ticket (flows/aftercare.py).
    "aftercare": {
        "missing_head": set(), "missing_line": {"document"}, "missing_foot": set(),
        "offer_document": {"document", "ticket"}, "offer_request": set(),
        "offer_request_line": {"ticket", "documents"}, "document_taken": {"document", "ticket"},
        "still_missing": {"ticket", "documents"}, "all_documents_in": {"ticket"},
        "still_to_fix": {"ticket", "documents"}, "not_attached": set(), "send_photo_here": set(),
        "fix_none": {"ticket", "status"}, "fix_none_any": set(), "fix_pick": set(),
        "fix_start": {"ticket", "count"}, "fix_note": {"note"}, "fix_saved": set(), "fix_stopped": {"ticket"},
        "finish_flow_first": {"title", "said"}, "cancel_ask": {"ticket", "service"}, "cancel_done": {"ticket"},
        "cancel_kept": {"ticket"}, "cancel_refused": {"ticket", "status"}, "cancel_pick": set(),
        "cancel_none": set(), "resend_text": {"ticket", "service", "number"},
        "resend_not_issued": {"ticket", "status"}, "resend_none": set(), "resend_preparing": {"ticket"},
        "resend_purged": {"ticket"},
        "verify_genuine": {"document", "number", "name", "date"},
        "verify_superseded": {"document", "number", "name"}, "verify_revoked": {"document", "number", "name"},
        "verify_unknown": set(), "verify_no_qr": set(), "verify_ask": set(), "receipt_name": {"ticket"},
        "status_missing": {"documents"}, "status_fix_item": {"title", "note"}, "status_reason": {"reason"},
        "next_fix": {"ticket"}, "next_missing": set(), "next_resend": {"ticket"},
        "yes": set(), "not_this": set(), "later": set(), "cancel_yes": set(), "cancel_no": set(),
        "fix_button": {"ticket"}, "resend_button": {"ticket"}},
    "slip": {"title": set(), "document_title": {"code"}, "document_subject": {"service"}, "code": set(),
             "queue": set(), "place": set(), "day": set(), "slot": set(), "name": set(), "nik": set(),
             "booked_at": set(), "qr_caption": set(), "bring": set(), "footer": {"code"},
             "verify_kind": {"service"}, "verify_ticket": set(), "verify_status": set()},
    # An officer's change to a booked day, told to the citizens booked there (delivery/appointment_changes.py).
    "appointment_changes": {"closed": {"service", "place", "date", "code", "reason"}, "closed_reason": {"reason"},
                            "reopened": {"service", "place", "date", "code", "queue"}, "change_button": set(),
                            "cancel_button": set()},
    # Visits booked in the chat (flows/booking.py).
    "booking": {
        "place_line": {"number", "name", "address"}, "place_unknown": set(), "place_none": _OFFICE,
        "day_head": {"place"}, "day_line": {"number", "date", "left"}, "day_hint": {"example"},
        "day_hint_numbered": {"example"}, "pick_numbered": set(),
        "day_none": {"last", "place"}, "day_button": {"weekday", "day", "month"}, "day_unreadable": set(),
        "day_past": {"date"}, "day_today": set(), "day_too_far": {"last"}, "day_holiday": {"date", "holiday"},
        "day_not_open": {"place", "weekday"}, "day_closed": {"place", "date"}, "day_full": {"date", "place"},
        "day_age": {"date", "years", "birthday"}, "day_age_none": {"years", "birthday"},
        "day_from_age": {"date", "years", "birthday"}, "day_from_age_note": {"years", "birthday"},
        "day_from_age_none": {"years", "birthday", "last", "place"},
        "race_lost": {"date"}, "day_passed_meanwhile": {"date"}, "day_closed_meanwhile": {"date", "place"},
        "slot_head": {"date"}, "slot_line": {"number", "label", "left"},
        "slot_label": {"start", "end", "zone"}, "slot_unknown": set(), "slot_full": {"label", "date"},
        "bring_line": {"item"}, "rescheduled": {"code"}, "list_head": set(),
        "list_line": {"code", "service", "date", "slot", "place", "queue"}, "list_slot": {"slot"},
        "list_foot": set(), "list_none": {"services"}, "not_found": {"code"}, "not_active": {"code", "status"},
        "pick_cancel": set(), "pick_change": set(), "cancel_ask": {"code", "service", "date"},
        "cancel_done": {"code"}, "cancel_kept": {"code"}, "cancel_yes": set(), "cancel_no": set(),
        "change_start": {"code"}, "book_which": {"services"}, "book_others": _OFFICE | {"others"},
        "status_booked": set(), "status_cancelled": set(), "status_checked_in": set(), "status_served": set(),
        "status_no_show": set(), "reminder_note": {"when"}, "reminder_eve": {"time"},
        "reminder_morning": {"time"}, "reminder_both": {"eve", "morning"}, "confirm_note": {"count"},
        "remind_eve": {"service", "details"}, "remind_eve_confirm": {"service", "details"},
        "remind_morning": {"service", "details"},
        "remind_details": {"code", "place", "address", "date", "slot", "queue", "bring"}, "remind_slot": {"slot"},
        "remind_bring_join": set(), "remind_confirm_button": set(), "remind_cancel_button": set(),
        "remind_change_button": set(), "confirm_done": {"code", "date"}},
    "officer_flags": {"unknown_nik": {"label", "nik"}, "missing_document": {"document"}},
    "uploads": {"empty": {"accepted"}, "wrong_type": {"what", "accepted"},
                "wrong_type_renamed": {"what", "extension", "accepted"}, "tip_heic": set(), "tip_word": set(),
                "tip_unknown": set(), "too_big": {"size", "limit"}, "request_too_large": {"limit"},
                "download_failed": set(), "accepted_photos_and_pdf": {"types"}, "accepted_photos": {"types"},
                "accepted_pdf": set(), "unknown_type": set(), "image_too_large": {"limit"},
                "image_unreadable": set(), "pdf_unreadable": set(), "pdf_locked": set(), "pdf_active": set(),
                "not_kept_before_consent": set()},
    # Every content type bot.core.uploads recognises (its _EXTENSIONS, but the unknown octet-stream).
    "upload_file_types": {t: set() for t in (
        "image/jpeg", "image/png", "image/webp", "application/pdf", "image/gif", "image/heic", "image/avif",
        "image/bmp", "image/tiff", "application/zip", "application/x-rar-compressed",
        "application/x-7z-compressed", "application/x-msdownload", "application/x-executable", "audio/ogg",
        "audio/mpeg", "audio/wav", "audio/amr", "audio/mp4", "video/mp4", "video/quicktime", "video/3gpp",
        "video/webm", "text/plain", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/msword")},
    "email": {"subject": set(), "document_only": set(), "footer": set()},
    "simulator": {"bad_json": set(), "user_required": {"max"}, "not_text": set(), "empty": set(),
                  "too_long": {"max"}, "file": set(), "rejected_file": {"file_name"},
                  "rejected_file_unnamed": set(), "too_many": set(), "not_yours": set(),
                  "still_working": set()},
    "pdf": {"footer_note": set(), "page_of": {"page", "pages"}, "continued": {"section"},
            "phone": {"phone"}, "whatsapp": {"whatsapp"}, "email": {"email"}},
    "receipt": {"title": set(), "document_title": {"ticket"}, "document_subject": {"service"},
                "ticket": set(), "submitted_at": set(), "channel": set(), "applicant_name": set(),
                "applicant_nik": set(), "applicant_relation": set(), "subject": set(), "linked": set(), "qr_caption": set(),
                "received": set(), "received_none": set(), "missing": set(), "missing_none": set(),
                "next_steps": set(), "duration": set(), "notes": set(), "footer": {"ticket"}},
    # Why an answer is asked again (flows/validators.py, flows/inputs.py).
    "validation": {
        "id_nik": set(), "id_kk": set(), "id_nik_where": set(), "id_kk_where": set(),
        "id_recheck": {"what", "where"}, "id_missing": {"what", "where"}, "id_not_digits": {"what"},
        "id_several": {"what"}, "id_length": {"what", "where", "count"},
        "id_province": {"what", "code", "recheck"}, "id_regency": {"what", "recheck"},
        "id_district": {"what", "recheck"}, "nik_birth_date": {"recheck"}, "nik_serial_zero": {"recheck"},
        "kk_date": {"recheck"}, "kk_serial_zero": {"recheck"},
        "id_none": {"what", "where"}, "id_forgot": {"what", "where"},
        "date_missing": {"example", "year"}, "date_bad_month": {"month", "example", "year"},
        "date_short_year": {"example", "year"}, "date_no_such_day": {"day", "month", "year", "last"},
        "date_unknown_month": {"month", "example", "year"}, "date_no_year": {"example", "year"},
        "date_unreadable": {"example", "year"}, "date_future": {"date", "example", "year"},
        "date_too_early": {"date", "earliest"},
        "date_about": {"said", "date", "example"}, "date_weekday": {"weekday", "date", "example"},
        "date_hijri": {"example", "year"}, "date_hijri_propose": {"hijri", "date", "example", "year"},
        "time_example": set(), "time_missing": {"example"}, "time_unreadable": {"example"},
        "time_no_such": {"time", "example"},
        "name_ask": set(), "name_empty": {"ask"}, "name_digits": {"ask"}, "name_only_symbols": {"ask"},
        "name_odd_characters": {"ask"}, "name_too_short": {"ask"}, "name_punctuation": {"ask"},
        "name_too_long": {"length", "ask"},
        "name_sentence": {"ask"}, "name_title_only": {"ask"}, "name_without_title": {"name"},
        "email_example": set(), "email_missing": {"example"}, "email_spaces": {"example"},
        "email_no_at": {"example"}, "email_many_at": {"example"}, "email_no_local": {"example"},
        "email_bad_local": {"example"}, "email_bad_domain": {"domain", "example"},
        "email_typo": {"address", "example"},
        "phone_example": set(), "phone_missing": {"example"}, "phone_not_digits": {"example"},
        "phone_foreign": {"example"}, "phone_too_short": {"count", "example"},
        "phone_too_long": {"count", "example"}, "phone_landline_length": {"count", "example"},
        "phone_unknown": {"example"},
        "number_range": {"low", "high"}, "number_with_unit": {"value", "unit"},
        "number_missing": {"wanted"}, "number_several": {"wanted"}, "number_unreadable": {"wanted"},
        "number_not_digits": {"wanted"}, "number_not_whole": {"wanted"}, "number_out_of_range": {"wanted", "sent"},
        "yes_no_ask": set(), "yes_no_both": {"ask"}, "yes_no_unknown": {"ask"},
        "choice_option": {"number", "title"}, "choice_reask": {"options"},
        "multi_hint": {"options"}, "multi_reask": {"options", "count"}, "multi_out_of_range": {"numbers", "count"},
        "multi_unknown": {"said", "options", "count"}, "place_propose": {"place"}, "place_unknown": {"place"},
        "text_too_short": set(), "text_too_long": set(),
    },
    # The clarifying question's buttons: one per intent flows/understand.py may offer.
    "intent_labels": {name: set() for name in (
        "birth_certificate", "death_certificate", "divorce_certificate", "family_card", "ktp_print", "kia",
        "ktp_recording", "marriage_certificate", "check_status", "ask_requirements", "ask_hours",
        "ask_location", "ask_cost", "ask_print", "ask_duration", "ask_lost_document", "human", "complaint")},
}


# ---- reading YAML, noticing keys written twice ----------------------------------------------------
class _Loader(yaml.SafeLoader):
    """safe_load that records a key written twice in one mapping (YAML silently keeps the last)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (str, int, bool)) and key in seen:
                self.duplicates.append(f"line {key_node.start_mark.line + 1}: key {key!r} is written twice")
            seen.add(key)
        return super().construct_mapping(node, deep)


def read_yaml(path: Path) -> tuple[object, list[str]]:
    """The file's data and the problems met reading it (YAML syntax, keys written twice)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        return None, [f"cannot read: {err.strerror or err}"]
    loader = _Loader(text)
    loader.duplicates = []
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as err:
        return None, ["YAML error: " + " ".join(str(err).split())]
    finally:
        loader.dispose()
    return data, loader.duplicates


def display_name(path: Path) -> str:
    """The path as problems name it: relative to the repository when inside it."""
    path = Path(path)
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


# ---- entry points ---------------------------------------------------------------------------------
def check_file(path: Path) -> list[str]:
    """Every problem in one file (texts.yml by its name, any other file as a flow)."""
    data, problems = read_yaml(path)
    if data is not None or not problems:
        problems += check_texts(data) if Path(path).name == TEXTS_FILE else check_flow(data)
    name = display_name(path)
    return [f"{name}: {p}" for p in problems]


def flow_files() -> list[Path]:
    """Every flow file in flows/ (texts.yml is not a flow)."""
    return sorted(p for p in FLOW_DIR.glob("*.yml") if p.name != TEXTS_FILE)


def check_all() -> list[str]:
    """The problems of every flow file and of texts.yml; empty when all is well.

    The app factory calls this at start and refuses to start when it returns anything."""
    problems = []
    for path in [*flow_files(), FLOW_DIR / TEXTS_FILE]:
        problems += check_file(path)
    if not problems:
        problems += check_links({p.stem: repeats.expand(read_yaml(p)[0])[0] for p in flow_files()})
    return problems


# ---- checking one flow ------------------------------------------------------------------------------


def _is_text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _FlowChecker:
    """Collects the problems of one flow file's data."""

    def __init__(self, data):
        self.data = data
        self.problems: list[str] = []
        self.steps: dict[str, dict] = {}     # id -> raw step, for the valid ones
        self.order: list[str] = []           # ids in flow order
        self.index_of: dict[str, int] = {}   # id -> position of its (first) step

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    # -- the whole file
    def run(self) -> list[str]:
        data = self.data
        if not isinstance(data, dict):
            self.add("", "the file must be a mapping (service:, title:, intro:, steps:, submit:, done:)")
            return self.problems
        for key in data:
            if key not in FLOW_KEYS:
                self.add("", text_check.unknown(key, FLOW_KEYS))
        for key in sorted(FLOW_REQUIRED - set(data)):
            self.add("", f"missing required key '{key}'")
        service = data.get("service")
        if "service" in data and not (isinstance(service, str) and STEP_ID.match(service)):
            self.add("", "key 'service' must be a service key such as akta_lahir (lower case, digits, _)")
        for key in ("title", "intro", "done"):
            if key in data and not _is_text(data[key]):
                self.add("", f"key '{key}' must be a non-empty text")
        self._placeholders("", "intro", data.get("intro"), set())
        steps = data.get("steps")
        if "steps" in data and not (isinstance(steps, list) and steps):
            self.add("", "key 'steps' must be a non-empty list of steps")
            steps = []
        self._collect_ids(steps or [])
        for index, raw in enumerate(steps or []):
            if isinstance(raw, dict):
                self._step(index, raw)
        booked = BOOKING_DONE_PLACEHOLDERS if "booking" in data else set()
        self._placeholders("", "done", data.get("done"), set(self.order) | DONE_PLACEHOLDERS | booked)
        self._booking(data.get("booking"), "booking" in data)
        if "submit" in data:
            self._submit(data["submit"])
        if "deadlines" in data:
            self._deadlines(data["deadlines"])
        if "receipt" in data:
            self._receipt(data["receipt"])
        if "checks" in data:
            self._checks(data["checks"])
        if "follow_ups" in data:
            self._follow_ups(data["follow_ups"])
        return self.problems

    def _collect_ids(self, steps: list) -> None:
        """Step ids in order; steps without a usable id and ids used twice are problems."""
        for index, raw in enumerate(steps):
            where = f"step #{index + 1}"
            if not isinstance(raw, dict):
                self.add(where, "a step must be a mapping (id:, kind:, ask:, ...)")
                continue
            sid = raw.get("id")
            if sid is None:
                continue  # reported with the step's other problems
            if not (isinstance(sid, str) and STEP_ID.match(sid)):
                self.add(where, f"key 'id' must be lower case letters, digits and _ (got {sid!r})")
                continue
            if sid in self.index_of:
                self.add(f"step '{sid}'", f"duplicate step id (steps #{self.index_of[sid] + 1} and #{index + 1})")
                continue
            self.index_of[sid] = index
            self.steps[sid] = raw
            self.order.append(sid)

    # -- one step
    def _step(self, index: int, raw: dict) -> None:
        self.current = raw  # the step whose options are being checked (a redirect names its choices)
        sid = raw.get("id")
        where = f"step '{sid}'" if isinstance(sid, str) and sid else f"step #{index + 1}"
        kind = raw.get("kind")
        known_kind = isinstance(kind, str) and kind in KINDS
        if "kind" in raw and not known_kind:
            self.add(where, f"key 'kind': unknown kind {kind!r} (one of: {', '.join(sorted(KINDS))})")
        for key in STEP_REQUIRED:
            if key not in raw:
                self.add(where, f"missing required key '{key}'")
        if known_kind:
            for key in sorted(KIND_REQUIRED.get(kind, set()) - set(raw)):
                self.add(where, f"missing required key '{key}' (a {kind} step needs it)")
        options = KIND_OPTIONS.get(kind, {}) if known_kind else {}
        any_option = set().union(*KIND_OPTIONS.values())
        for key, value in raw.items():
            if key in STEP_KEYS:
                continue
            if key in options:
                self._option(where, key, options[key], value)
            elif key in any_option and known_kind:
                kinds = sorted(k for k, opts in KIND_OPTIONS.items() if key in opts)
                self.add(where, f"key '{key}' is not allowed on a {kind} step (only on: {', '.join(kinds)})")
            elif key not in any_option:
                self.add(where, text_check.unknown(key, STEP_KEYS | any_option))
        before = {s for s, i in self.index_of.items() if i < index}
        for key in ("ask", "label"):
            if key in raw and not _is_text(raw[key]):
                self.add(where, f"key '{key}' must be a non-empty text")
        self._placeholders(where, "ask", raw.get("ask"), before)
        if kind == "consent":
            self._placeholders(where, "decline", raw.get("decline"), before)
        if "when" in raw:
            self._condition(where, "when", raw["when"], before)
        if "when_any" in raw:
            conds = raw["when_any"]
            if not (isinstance(conds, list) and conds):
                self.add(where, "key 'when_any' must be a non-empty list of conditions")
            else:
                for i, cond in enumerate(conds):
                    self._condition(where, f"when_any[{i}]", cond, before)
        if "after" in raw:
            self._after(where, raw["after"], before | ({sid} if isinstance(sid, str) else set()))
        if known_kind and kind == "number" and _is_int(raw.get("low")) and _is_int(raw.get("high")) \
                and raw["low"] > raw["high"]:
            self.add(where, "key 'low' is greater than key 'high'")

    def _option(self, where: str, key: str, rule, value) -> None:
        """One kind-specific option's value."""
        if isinstance(rule, tuple):
            if value not in rule:
                self.add(where, f"key '{key}' must be one of: {', '.join(rule)} (got {value!r})")
        elif rule == "bool":
            if not isinstance(value, bool):
                self.add(where, f"key '{key}' must be true or false (got {value!r})")
        elif rule == "int":
            if not _is_int(value):
                self.add(where, f"key '{key}' must be a whole number (got {value!r})")
        elif rule == "positive_int":
            if not (_is_int(value) and value > 0):
                self.add(where, f"key '{key}' must be a whole number above 0 (got {value!r})")
        elif rule == "text":
            if not _is_text(value):
                self.add(where, f"key '{key}' must be a non-empty text")
        elif rule == "iso_date":
            try:
                date.fromisoformat(value)
            except (TypeError, ValueError):
                self.add(where, f"key '{key}' must be a date in quotes, e.g. \"1900-01-01\" (got {value!r})")
        elif rule.startswith("step:"):
            self._step_ref(where, key, value, rule.partition(":")[2])
        elif rule == "choices":
            self._choices(where, value)
        elif rule == "redirect":
            self._redirect(where, value)

    def _step_ref(self, where: str, key: str, value, kind: str | None = None) -> bool:
        """A key naming another step (of a given kind); True when it does."""
        if not isinstance(value, str) or value not in self.steps:
            self.add(where, f"key '{key}' names unknown step {value!r}")
            return False
        if kind and self.steps[value].get("kind") != kind:
            self.add(where, f"key '{key}' must name a {kind} step, '{value}' is a {self.steps[value].get('kind')} step")
            return False
        return True

    def _choices(self, where: str, value) -> None:
        if not (isinstance(value, list) and value):
            self.add(where, "key 'choices' must be a non-empty list of {id, title}")
            return
        seen = set()
        for i, choice in enumerate(value):
            at = f"{where}: choices[{i}]"
            if not isinstance(choice, dict):
                self.problems.append(f"{at}: a choice must be a mapping {{id, title}}")
                continue
            for key in choice:
                if key not in CHOICE_KEYS:
                    self.problems.append(f"{at}: {text_check.unknown(key, CHOICE_KEYS)}")
            for key in ("id", "title"):
                if key not in choice:
                    self.problems.append(f"{at}: missing required key '{key}'")
            cid = choice.get("id")
            if "id" in choice and not _is_text(cid):
                self.problems.append(f"{at}: key 'id' must be a text (got {cid!r}; quote it)")
            elif cid in seen:
                self.problems.append(f"{at}: choice id '{cid}' is used twice")
            seen.add(cid)
            if "title" in choice and not _is_text(choice["title"]):
                self.problems.append(f"{at}: key 'title' must be a non-empty text")
            match = choice.get("match", [])
            if not (isinstance(match, list) and all(_is_text(m) for m in match)):
                self.problems.append(f"{at}: key 'match' must be a list of words")

    # -- conditions
    def _condition(self, where: str, key: str, cond, before: set) -> None:
        """A `when` mapping: step -> expected answer(s), or {older_than_days: N} / {not: ...}."""
        if not (isinstance(cond, dict) and cond):
            self.add(where, f"key '{key}' must be a mapping of step: expected answer")
            return
        for ref, expected in cond.items():
            if ref not in self.steps:
                self.add(where, f"{key}: unknown step '{ref}'")
                continue
            if ref not in before:
                self.add(where, f"{key}: step '{ref}' is not asked before this one, so it has no answer yet")
            target = self.steps[ref]
            if isinstance(expected, dict):
                for op, arg in expected.items():
                    if op not in OPERATORS:
                        self.add(where, f"{key}: '{ref}': {text_check.unknown(op, OPERATORS)} (operators: "
                                        f"{', '.join(sorted(OPERATORS))})")
                    elif op == "has":
                        if target.get("kind") != "multi_choice":
                            self.add(where, f"{key}: '{ref}': has needs a multi_choice step")
                        for v in arg if isinstance(arg, list) else [arg]:
                            self._expected(where, key, ref, {**target, "kind": "choice"}, v)
                    elif op == "known":
                        if not isinstance(arg, bool):
                            self.add(where, f"{key}: '{ref}': known must be true or false")
                        elif "unknown_ok" not in target:
                            self.add(where, f"{key}: '{ref}': known needs a step with unknown_ok")
                    elif op == "older_than_days":
                        if target.get("kind") != "date":
                            self.add(where, f"{key}: '{ref}': older_than_days needs a date step")
                        elif not (_is_int(arg) and arg >= 0):
                            self.add(where, f"{key}: '{ref}': older_than_days must be a whole number of days")
                    elif op == "age_by_last_visit_day":
                        if target.get("kind") != "date":
                            self.add(where, f"{key}: '{ref}': age_by_last_visit_day needs a date step")
                        elif not (_is_int(arg) and 0 < arg < 150):
                            self.add(where, f"{key}: '{ref}': age_by_last_visit_day must be whole years")
                        elif "booking" not in self.data:
                            self.add(where, f"{key}: '{ref}': age_by_last_visit_day needs the flow's 'booking:' "
                                            "section (it reads the days that can be booked)")
                    else:
                        for v in arg if isinstance(arg, list) else [arg]:
                            self._expected(where, key, ref, target, v)
            else:
                for v in expected if isinstance(expected, list) else [expected]:
                    self._expected(where, key, ref, target, v)

    def _expected(self, where: str, key: str, ref: str, target: dict, value) -> None:
        """One value a condition compares an answer with, of the kind that step answers."""
        kind = target.get("kind")
        if kind == "multi_choice":
            self.add(where, f"{key}: '{ref}' has several answers; compare with {{has: ...}}")
        elif kind == "choice":
            ids = [c.get("id") for c in target.get("choices") or [] if isinstance(c, dict)]
            if value not in ids:
                self.add(where, f"{key}: '{ref}' has no choice {value!r} (choices: {', '.join(map(str, ids))})")
        elif kind in ("yes_no", "consent"):
            if not isinstance(value, bool):
                self.add(where, f"{key}: '{ref}' is answered true or false, not {value!r}")
        elif kind == "number":
            if not _is_int(value):
                self.add(where, f"{key}: '{ref}' is answered with a number, not {value!r}")
        elif kind == "photo":
            self.add(where, f"{key}: '{ref}' is a photo step; conditions cannot compare its answer")
        elif not isinstance(value, str):
            self.add(where, f"{key}: '{ref}' is answered with text, not {value!r}")

    def _after(self, where: str, after, known: set) -> None:
        if not isinstance(after, list):
            self.add(where, "key 'after' must be a list of {when, text}")
            return
        for i, note in enumerate(after):
            at = f"after[{i}]"
            if not isinstance(note, dict):
                self.add(where, f"{at}: must be a mapping {{when, text}}")
                continue
            for key in note:
                if key not in AFTER_KEYS:
                    self.add(where, f"{at}: {text_check.unknown(key, AFTER_KEYS)}")
            if not _is_text(note.get("text")):
                self.add(where, f"{at}: missing required key 'text'")
            else:
                self._placeholders(where, f"{at}.text", note["text"], known)
            if "when" in note:
                self._condition(where, f"{at}.when", note["when"], known)
            if "attach" in note and note["attach"] not in FORMS:
                self.add(where, f"{at}: key 'attach': unknown form {note['attach']!r} (forms: {', '.join(sorted(FORMS))})")

    def _placeholders(self, where: str, key: str, text, known: set) -> None:
        """Every {name} in a text must be something the engine fills at that point."""
        if not isinstance(text, str):
            return
        for name in sorted(placeholder_names(text) - known - OFFICE_PLACEHOLDERS):
            why = "a later step" if name in self.steps else "unknown"
            self.add(where, f"key '{key}': placeholder {{{name}}} is {why}")

    # -- a visit booked instead of a request filed
    def _booking(self, spec, present: bool) -> None:
        where = "booking"
        kinds = [self.steps[sid].get("kind") for sid in self.order]
        if not present:
            for sid in self.order:
                if self.steps[sid].get("kind") in VISIT_KINDS:
                    self.add(f"step '{sid}'", "a visit step needs the flow's 'booking:' section")
            return
        if not isinstance(spec, dict):
            self.add(where, "must be a mapping (prefix:, bring:)")
            return
        for key in spec:
            if key not in BOOKING_KEYS:
                self.add(where, text_check.unknown(key, BOOKING_KEYS))
        if "prefix" in spec and not (isinstance(spec["prefix"], str) and re.fullmatch(r"[A-Z]{2,5}", spec["prefix"])):
            self.add(where, "key 'prefix' must be 2 to 5 capital letters (the code is PREFIX-0001)")
        for kind in VISIT_KINDS:
            count = kinds.count(kind)
            if count > 1 or (count == 0 and kind != "visit_slot"):
                self.add(where, f"the flow needs exactly one step of kind '{kind}'"
                         + (" (or none)" if kind == "visit_slot" else "") + f" (found {count})")
        order = [k for k in kinds if k in VISIT_KINDS]
        if order != sorted(order, key=VISIT_KINDS.index):
            self.add(where, "the visit steps must come in the order place, day, slot")
        age = spec.get("before_age")
        if age is not None and not (isinstance(age, dict) and set(age) == {"born", "years"}
                                    and self.steps.get(age["born"], {}).get("kind") == "date"
                                    and isinstance(age["years"], int) and 0 < age["years"] < 150):
            self.add(where, "key 'before_age' must be {born: <a date step>, years: <whole years>}")
        age = spec.get("from_age")
        if age is not None and not (isinstance(age, dict) and {"born", "years"} <= set(age) <= {"born", "years", "when"}
                                    and self.steps.get(age["born"], {}).get("kind") == "date"
                                    and isinstance(age["years"], int) and 0 < age["years"] < 150):
            self.add(where, "key 'from_age' must be {born: <a date step>, years: <whole years>, when: <optional>}")
        elif age is not None and "when" in age:
            self._condition(where, "from_age.when", age["when"], set(self.order))
        bring = spec.get("bring", [])
        if not isinstance(bring, list):
            self.add(where, "key 'bring' must be a list of {text, when}")
            return
        for i, item in enumerate(bring, 1):
            at = f"bring #{i}"
            if not isinstance(item, dict) or not _is_text(item.get("text")):
                self.add(where, f"{at}: must be a mapping with a non-empty 'text'")
                continue
            for key in item:
                if key not in BRING_KEYS:
                    self.add(where, f"{at}: " + text_check.unknown(key, BRING_KEYS))
            if "when" in item:
                self._condition(where, f"{at}.when", item["when"], set(self.order))

    # -- submission, deadlines, receipt
    def _submit(self, spec) -> None:
        where = "submit"
        if not isinstance(spec, dict):
            self.add(where, "must be a mapping (subject_label:, subject:, ...)")
            return
        for key in spec:
            if key not in SUBMIT_KEYS:
                self.add(where, text_check.unknown(key, SUBMIT_KEYS))
        for key in sorted(SUBMIT_REQUIRED - set(spec)):
            self.add(where, f"missing required key '{key}'")
        if "subject_label" in spec and not _is_text(spec["subject_label"]):
            self.add(where, "key 'subject_label' must be a non-empty text")
        for key, kind in (("subject", None), ("subject_nik", "nik"), ("contact_email", "email")):
            if key in spec:
                self._step_ref(where, key, spec[key], kind)
        choice_ids = None
        if "applicant_by" in spec and self._step_ref(where, "applicant_by", spec["applicant_by"], "choice"):
            choice_ids = [c.get("id") for c in self.steps[spec["applicant_by"]].get("choices") or []
                          if isinstance(c, dict)]
        if "applicant" in spec:
            self._applicant(spec["applicant"], choice_ids, "applicant_by" in spec)

    def _applicant(self, applicant, choice_ids, has_by: bool) -> None:
        where = "submit: applicant"
        if not has_by:
            self.add("submit", "key 'applicant' needs 'applicant_by' (the choice step it depends on)")
        if not isinstance(applicant, dict):
            self.add(where, "must be a mapping of choice id: {name, nik, relation}")
            return
        for cid, who in applicant.items():
            at = f"{where}: '{cid}'"
            if choice_ids is not None and cid not in choice_ids:
                self.add(at, f"no such choice in applicant_by (choices: {', '.join(map(str, choice_ids))})")
            if not isinstance(who, dict):
                self.add(at, "must be a mapping {name, nik, relation}")
                continue
            for key in who:
                if key not in APPLICANT_KEYS:
                    self.add(at, text_check.unknown(key, APPLICANT_KEYS))
            if "name" in who:
                self._step_ref(at, "name", who["name"])
            if "nik" in who:
                self._step_ref(at, "nik", who["nik"], "nik")
            if not _is_text(who.get("relation")):
                self.add(at, "missing required key 'relation'")
        for cid in choice_ids or []:
            if cid not in applicant:
                self.add(where, f"no entry for choice '{cid}'")

    def _deadlines(self, deadlines) -> None:
        if not isinstance(deadlines, list):
            self.add("deadlines", "must be a list of {from, days, note, flag}")
            return
        for i, rule in enumerate(deadlines):
            where = f"deadlines[{i}]"
            if not isinstance(rule, dict):
                self.add(where, "must be a mapping {from, days, note, flag}")
                continue
            if isinstance(rule.get("from"), str):
                where += f" (step '{rule['from']}')"
            for key in rule:
                if key not in DEADLINE_KEYS:
                    self.add(where, text_check.unknown(key, DEADLINE_KEYS))
            for key in ("from", "days", "flag"):
                if key not in rule:
                    self.add(where, f"missing required key '{key}'")
            if "from" in rule:
                self._step_ref(where, "from", rule["from"], "date")
            if "days" in rule and not (_is_int(rule["days"]) and rule["days"] > 0):
                self.add(where, f"key 'days' must be a whole number above 0 (got {rule['days']!r})")
            for key in ("note", "flag"):
                if key in rule and not _is_text(rule[key]):
                    self.add(where, f"key '{key}' must be a non-empty text")
            upto = self.order[:self.order.index(rule["from"]) + 1] if rule.get("from") in self.steps else []
            self._placeholders(where, "note", rule.get("note"), set(upto) | DEADLINE_PLACEHOLDERS)
            self._placeholders(where, "flag", rule.get("flag"), DEADLINE_PLACEHOLDERS)

    def _receipt(self, receipt) -> None:
        if not isinstance(receipt, dict):
            self.add("receipt", "must be a mapping {next_steps, notes}")
            return
        for key, value in receipt.items():
            if key not in RECEIPT_KEYS:
                self.add("receipt", text_check.unknown(key, RECEIPT_KEYS))
            elif not (isinstance(value, list) and all(_is_text(v) for v in value)):
                self.add("receipt", f"key '{key}' must be a list of texts")


    # -- cross-field checks, follow-ups, redirects
    def _checks(self, checks) -> None:
        if not isinstance(checks, list):
            self.add("checks", "must be a list of {rule, ...}")
            return
        for i, rule in enumerate(checks):
            where = f"checks[{i}]"
            if not isinstance(rule, dict) or rule.get("rule") not in CHECK_RULES:
                self.add(where, f"must be a mapping with rule: one of {', '.join(sorted(CHECK_RULES))}")
                continue
            for key in rule:
                if key not in CHECK_RULES[rule["rule"]]:
                    self.add(where, text_check.unknown(key, CHECK_RULES[rule["rule"]]))
            if not _is_text(rule.get("message")):
                self.add(where, "missing required key 'message'")
            else:
                self._placeholders(where, "message", rule["message"], set(self.order))
            if rule.get("soft") and not _is_text(rule.get("flag")):
                self.add(where, "a soft check needs 'flag' (what the officer is told)")
            if rule["rule"] == "later":
                self._step_ref(where, "step", rule.get("step"), "date")
                if ("than" in rule) == ("than_nik" in rule):
                    self.add(where, "needs exactly one of 'than' (a date step) or 'than_nik' (a nik step)")
                elif "than" in rule:
                    self._step_ref(where, "than", rule["than"], "date")
                else:
                    self._step_ref(where, "than_nik", rule["than_nik"], "nik")
                for key in ("years", "min_days"):
                    if key in rule and not (_is_int(rule[key]) and rule[key] >= 0):
                        self.add(where, f"key '{key}' must be a whole number, 0 or more")
            else:
                steps = rule.get("steps")
                if not (isinstance(steps, list) and len(steps) >= 2):
                    self.add(where, "key 'steps' must list at least two steps")
                else:
                    for ref in steps:
                        self._step_ref(where, "steps", ref)

    def _follow_ups(self, follow_ups) -> None:
        if not isinstance(follow_ups, list):
            self.add("follow_ups", "must be a list of {service, title, text, ...}")
            return
        for i, offer in enumerate(follow_ups):
            where = f"follow_ups[{i}]"
            if not isinstance(offer, dict):
                self.add(where, "must be a mapping {service, title, text, ...}")
                continue
            for key in offer:
                if key not in FOLLOW_UP_KEYS:
                    self.add(where, text_check.unknown(key, FOLLOW_UP_KEYS))
            for key in ("service", "title", "text"):
                if not _is_text(offer.get(key)):
                    self.add(where, f"missing required key '{key}'")
            if _is_text(offer.get("title")) and len(offer["title"]) > 20:
                self.add(where, "key 'title' is a button: 20 characters at most")
            if "when" in offer:
                self._condition(where, "when", offer["when"], set(self.order))
            carry = offer.get("carry", {})
            if not isinstance(carry, dict):
                self.add(where, "key 'carry' must be a mapping of target step: step of this flow")
            else:
                for source in carry.values():
                    self._step_ref(where, "carry", source)
            if not isinstance(offer.get("preset", {}), dict):
                self.add(where, "key 'preset' must be a mapping of target step: value")

    def _redirect(self, where: str, value) -> None:
        if not isinstance(value, dict):
            self.add(where, "key 'redirect' must be a mapping of choice id: {service, text, preset}")
            return
        ids = [c.get("id") for c in self.current.get("choices") or [] if isinstance(c, dict)]
        for cid, spec in value.items():
            at = f"{where}: redirect '{cid}'"
            if ids and cid not in ids:
                self.add(at, f"no such choice (choices: {', '.join(map(str, ids))})")
            if not isinstance(spec, dict):
                self.add(at, "must be a mapping {service, text, preset}")
                continue
            for key in spec:
                if key not in REDIRECT_KEYS:
                    self.add(at, text_check.unknown(key, REDIRECT_KEYS))
            if not _is_text(spec.get("text")):
                self.add(at, "missing required key 'text'")
            else:
                self._placeholders(at, "text", spec["text"], self._before_current() | self._redirect_booking_values())
            if not isinstance(spec.get("preset", {}), dict):
                self.add(at, "key 'preset' must be a mapping of target step: value")

    def _before_current(self) -> set:
        """The steps asked before the current one: a redirect's text may quote their answers."""
        index = self.index_of.get(self.current.get("id"), len(self.order))
        return {s for s, i in self.index_of.items() if i < index}

    def _redirect_booking_values(self) -> set:
        """The booking's values a redirect's text may quote (a flow with `booking: from_age:`)."""
        spec = self.data.get("booking")
        return REDIRECT_FROM_AGE_PLACEHOLDERS if isinstance(spec, dict) and spec.get("from_age") else set()


def check_flow(data) -> list[str]:
    """The problems of one flow file's parsed data (without the file name); repeat blocks are expanded first."""
    data, problems = repeats.expand(data)
    return problems + _FlowChecker(data).run()


def check_links(flows: dict) -> list[str]:
    """Follow-ups and redirects that name a flow or a step that does not exist: {name: expanded data}."""
    problems = []
    by_service = {data.get("service"): data for data in flows.values() if isinstance(data, dict)}
    for name, data in flows.items():
        if not isinstance(data, dict):
            continue
        links = [(f"follow_ups[{i}]", o) for i, o in enumerate(data.get("follow_ups") or []) if isinstance(o, dict)]
        for step in data.get("steps") or []:
            if isinstance(step, dict) and isinstance(step.get("redirect"), dict):
                links += [(f"step '{step.get('id')}': redirect '{cid}'", spec)
                          for cid, spec in step["redirect"].items() if isinstance(spec, dict)]
        for where, link in links:
            target = link.get("service")
            if target is None and where.startswith("step"):
                continue
            if target not in by_service:
                problems.append(f"flows/{name}.yml: {where}: no flow for service {target!r}")
                continue
            ids = {s.get("id") for s in by_service[target].get("steps") or [] if isinstance(s, dict)}
            for key in [*(link.get("carry") or {}), *(link.get("preset") or {})]:
                if key not in ids:
                    problems.append(f"flows/{name}.yml: {where}: flow {target!r} has no step {key!r}")
    return problems


# ---- checking texts.yml -----------------------------------------------------------------------------
def check_texts(data) -> list[str]:
    """The problems of texts.yml's parsed data: unknown and missing keys, non-texts, stray placeholders."""
    return text_check.check_texts(data, TEXTS, TEXT_GROUPS)
