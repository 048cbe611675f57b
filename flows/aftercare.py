"""After the ticket: documents sent later, the officer's fixes item by item, status in plain words,
cancelling a request, resending the issued document, and checking a document we issued.

The engine calls in here while no flow is in progress (Engine._idle), and dispatches the three
modes of its own (flows/modes.py AFTERCARE): doc_offer, fixing and request_cancel. What such a
mode is about (a ticket, the upload id of the file offered) is kept in Conversation.answers,
which is otherwise empty while idle; it is committed with the reply like every other state.
"""
import io
import re

from rapidfuzz import fuzz, process, utils
from sqlalchemy import select

from bot.core import lifecycle, storage, verification
from bot.core.lifecycle import Actor, Refused
from bot.core.models import Document, Request, Upload, as_utc, audit
from flows import records, request_items
from flows.definition import Flow, Step, texts
from flows.inputs import clean, parse_answer
from flows.messages import Event, Reply
from flows.modes import Mode
from flows.office import office_tz
from flows.placeholders import fill
from flows.validators import Invalid, format_date_id

TICKET = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2,5}-\d{4,}(?:-\d+)*)(?![A-Za-z0-9])")
# "lengkapi", "perbaiki AKL-0001", "mau lengkapi berkas"
FIX = re.compile(r"^(?:(?:saya |sy |mau |ingin |mo )?(?:lengkapi|lengkapin|melengkapi|perbaiki|perbaikin|"
                 r"memperbaiki))\b")
# "batalkan permohonan AKL-0001", "batal AKL-0001", "batalkan pengajuan saya"
CANCEL = re.compile(r"^(?:(?:saya |sy |mau |ingin |mo )?(?:batalkan|batal|batalin|membatalkan))\b")
CANCEL_WHAT = re.compile(r"\b(permohonan|pengajuan|permintaan|tiket)\b")
# "kirim ulang dokumen", "kirim ulang akta AKL-0001", "tolong kirim lagi aktanya"
# ... but not "kirim ulang fotonya": a photo is not the document. (Checked after the match, not
# by a lookahead, which would rescan the rest of the text at every match.)
RESEND = re.compile(r"\bkirim(?:kan)? (?:ulang|lagi)\b")
PHOTO = re.compile(r"\bfoto")
STATUS = re.compile(r"^(?:cek|status|lihat|check)\b")
# "mau cek keaslian akta", "apakah dokumen ini asli": send the PDF (or a photo of its QR code) here.
VERIFY = re.compile(r"\b(keaslian|keabsahan|asli|palsu|verifikasi)\b")
# A message about a photo or a document while the request waits for one ("ini bu foto ktp ...").
PHOTO_WORDS = re.compile(r"\b(foto|fotonya|poto|potonya|photo|gambar|gambarnya|scan|scannya|lampiran|"
                         r"dokumen|dokumennya|berkas|berkasnya)\b")
DOCUMENT_WORDS = re.compile(r"\b(ktp|ktpnya|ektp|e-ktp|kk|kk nya|kartu keluarga|buku nikah|surat nikah|"
                            r"akta nikah|akta perkawinan|surat lahir|surat keterangan lahir|sptjm)\b")
QUESTION = re.compile(r"\?|\b(apa|apakah|berapa|brp|bagaimana|gimana|gmn|kapan|dimana|kenapa|syarat|syaratnya|"
                      r"biaya|jam|alamat)\b")
YES = {"ya", "iya", "y", "yes", "benar", "betul", "ok", "oke", "iy", "yup", "ya benar", "betul sekali"}
NO = {"bukan", "tidak", "tdk", "no", "salah", "bukan itu", "gak", "ga", "nggak", "enggak"}
OPEN_FOR_DOCUMENTS = ("submitted", "in_review", "needs_fix")
BUTTONS_MAX = 3
# Buttons of other messages (the menu, a status reply, an offer), never an answer to a fix item.
ELSEWHERE = ("svc:", "resume:", "intent:", "status", "fix:", "resend:", "rcancel", "docreq:", "docfor:", "docno")


def _t() -> dict:
    return texts()["aftercare"]


# ---- the citizen's requests ----------------------------------------------------------------------
def _requests(engine, limit: int | None = None) -> list[Request]:
    query = select(Request).where(Request.contact_id == engine.conv.contact_id).order_by(Request.id.desc())
    return list(engine.s.execute(query.limit(limit) if limit else query).scalars())


def _request(engine, ticket: str) -> Request | None:
    return engine.s.execute(select(Request).where(Request.contact_id == engine.conv.contact_id,
                                                  Request.ticket == ticket.upper())).scalar_one_or_none()


def _flow(req: Request, office: dict) -> Flow | None:
    try:
        return request_items.flow_of(req, office)
    except (KeyError, FileNotFoundError):
        return None


def _service(req: Request, office: dict) -> str:
    return office.get("services", {}).get(req.service, {}).get("title", req.service)


def _status(req: Request) -> str:
    return texts()["status_labels"].get(req.status, req.status)


def _name(step: Step) -> str:
    return step.document or step.label


def _wanted(engine) -> list[tuple[Request, Flow, list[Step]]]:
    """This contact's requests a file sent now would complete, newest first."""
    found = []
    for req in _requests(engine):
        if req.status not in OPEN_FOR_DOCUMENTS:
            continue
        flow = _flow(req, engine.office)
        steps = request_items.wanted_documents(flow, req) if flow else []
        if steps:
            found.append((req, flow, steps))
    return found


def _keep(engine, mode: Mode, **data) -> None:
    engine.conv.answers = data
    engine._enter(mode)


def _drop(engine) -> None:
    engine.conv.answers = {}
    engine._enter(Mode.IDLE)


def _ticket_in(text: str | None) -> str | None:
    found = TICKET.search(text or "")
    return found.group(1).upper() if found else None


def _not_found(ticket: str) -> Reply:
    return Reply(fill(texts()["status_not_found"], ticket=ticket))


def missing_note(names: list[str]) -> str:
    """'Dokumen yang masih kurang: • … Kirim fotonya kapan saja …' (empty when nothing is missing)."""
    if not names:
        return ""
    t = _t()
    return "\n".join([t["missing_head"], *(fill(t["missing_line"], document=n) for n in names),
                      t["missing_foot"]])


# ---- idle: what is ours ---------------------------------------------------------------------------
def idle(engine, event: Event, command: str | None) -> list[Reply] | None:
    """A message while no flow is open: the replies when it is about a filed request, else None."""
    if event.kind == "file" and event.upload:
        return on_file(engine, event.upload["id"])
    if event.kind == "button":
        kind, _, arg = (event.button or "").partition(":")
        if kind == "fix":
            return start_fix(engine, arg or None)
        if kind == "resend":
            return resend(engine, arg or None)
        if kind == "rcancel":
            return start_cancel(engine, arg or None)
        return None
    if event.kind != "text" or command is not None:
        return None
    said = clean(event.text)
    found = command_in(said)
    if found is not None:
        replies = run(engine, found, _ticket_in(event.text))
        if replies is not None:
            return replies
    if (PHOTO_WORDS.search(said) or (DOCUMENT_WORDS.search(said) and not QUESTION.search(said))):
        wanted = _wanted(engine)
        if wanted:
            return [send_photo_help(wanted)]
    return None


def command_in(said: str) -> str | None:
    """fix | cancel | resend | status, when the (cleaned) text asks for one of them."""
    ticket = TICKET.search(said)
    if FIX.match(said):
        return "fix"
    if CANCEL.match(said) and (ticket or CANCEL_WHAT.search(said)):
        return "cancel"
    resend = RESEND.search(said)
    if resend and not PHOTO.search(said, resend.end()):
        return "resend"
    if VERIFY.search(said) and not ticket:
        return "verify"
    if ticket and (STATUS.match(said) or said == ticket.group(1)):
        return "status"
    return None


def run(engine, command: str, ticket: str | None) -> list[Reply] | None:
    if command == "fix":
        if not ticket and not any(r.status == "needs_fix" for r in _requests(engine)):
            # "perbaiki data KTP" may be a service asked for: ours only when a photo is awaited
            wanted = _wanted(engine)
            return [send_photo_help(wanted)] if wanted else None
        return start_fix(engine, ticket)
    if command == "verify":
        return [Reply(_t()["verify_ask"])]
    if command == "cancel":
        return start_cancel(engine, ticket)
    if command == "resend":
        return resend(engine, ticket)
    return [records.status_reply(engine.s, engine.conv.contact_id, ticket, engine.office)]


def in_flow(engine, flow: Flow, event: Event) -> list[Reply] | None:
    """Mid-flow, a request about a filed ticket: finish or keep the draft first (None: not one)."""
    said = clean(event.text)
    command = command_in(said)
    if command in (None, "status", "verify") or (command != "resend" and not TICKET.search(said)):
        return None  # "perbaiki" alone mid-flow may be about the draft; status is answered as before
    note = fill(_t()["finish_flow_first"], title=flow.title, said=(event.text or "").strip())
    return [engine._current_prompt(flow, prefix=note)]


def send_photo_help(wanted) -> Reply:
    """'Silakan kirim fotonya di sini' with what each request still waits for."""
    t = _t()
    lines = [t["send_photo_here"]]
    for req, _flow_, steps in wanted:
        lines.append(fill(t["offer_request_line"], ticket=req.ticket, documents=", ".join(_name(s) for s in steps)))
    return Reply("\n".join(lines))


# ---- a file while idle: a late document, or a document to check ------------------------------------
def on_file(engine, upload_id: int) -> list[Reply]:
    wanted = _wanted(engine)
    if not wanted:
        _drop(engine)
        return check_file(engine, upload_id, offered=False)
    if len(wanted) == 1:
        req, flow, steps = wanted[0]
        return _offer(engine, upload_id, req, steps)
    t = _t()
    _keep(engine, Mode.DOC_OFFER, upload_id=upload_id)
    lines = [t["offer_request"]] + [fill(t["offer_request_line"], ticket=r.ticket,
                                         documents=", ".join(_name(s) for s in steps)) for r, _f, steps in wanted]
    buttons = [{"id": f"docreq:{r.ticket}", "title": r.ticket} for r, _f, _s in wanted[:BUTTONS_MAX - 1]]
    return [Reply("\n".join(lines), buttons + [{"id": "docno", "title": t["not_this"]}])]


def _offer(engine, upload_id: int, req: Request, steps: list[Step]) -> list[Reply]:
    """'Foto ini untuk *KTP-el ibu* pada *AKL-0001*?' Ya / the next wanted document / Bukan."""
    t = _t()
    first = steps[0]
    _keep(engine, Mode.DOC_OFFER, upload_id=upload_id, ticket=req.ticket, step=first.id)
    buttons = [{"id": f"docfor:{first.id}", "title": t["yes"]}]
    buttons += [{"id": f"docfor:{s.id}", "title": _name(s)[:20]} for s in steps[1:BUTTONS_MAX - 1]]
    buttons.append({"id": "docno", "title": t["not_this"]})
    return [Reply(fill(t["offer_document"], document=_name(first), ticket=req.ticket), buttons)]


def on_doc_offer(engine, event: Event, command: str | None, state) -> list[Reply]:
    """doc_offer: which request and which document the file is for, or not one of them."""
    kept = dict(engine.conv.answers or {})
    upload_id = kept.get("upload_id")
    if event.kind == "file" and event.upload:
        return on_file(engine, event.upload["id"])
    said = clean(event.button if event.kind == "button" else event.text)
    if said == "docno" or said in NO or (event.kind == "text" and VERIFY.search(said)):
        _drop(engine)
        return check_file(engine, upload_id, offered=True)
    if command in ("cancel", "menu"):
        _drop(engine)
        return [Reply(_t()["not_attached"])] + ([engine._menu_reply()] if command == "menu" else [])
    wanted = {r.ticket: (r, f, steps) for r, f, steps in _wanted(engine)}
    ticket = kept.get("ticket")
    chosen = said[len("docreq:"):].upper() if said.startswith("docreq:") else _ticket_in(said)
    if chosen and chosen in wanted and upload_id:
        return _offer(engine, upload_id, wanted[chosen][0], wanted[chosen][2])
    if ticket in wanted and upload_id:
        req, flow, steps = wanted[ticket]
        step = None
        if said.startswith("docfor:"):
            step = next((s for s in steps if s.id == said[len("docfor:"):]), None)
        elif said in YES:
            step = next((s for s in steps if s.id == kept.get("step")), None)
        elif said:
            step = _step_named(steps, said)
        if step is not None:
            return take(engine, req, flow, step, upload_id)
    _drop(engine)
    return engine._idle(event, command)


def _step_named(steps: list[Step], said: str) -> Step | None:
    """A wanted document the citizen named by typing ("kk", "ktp ibu")."""
    names = {clean(_name(s)): s for s in steps}
    found = process.extractOne(said, list(names), scorer=fuzz.WRatio, processor=utils.default_process,
                               score_cutoff=80)
    return names[found[0]] if found else None


def take(engine, req: Request, flow: Flow, step: Step, upload_id: int) -> list[Reply]:
    """Attach the file to the request's step and say what is still needed."""
    t = _t()
    request_items.take_document(engine.s, flow, req, step, upload_id, engine._actor())
    _drop(engine)
    replies = [Reply(fill(t["document_taken"], document=_name(step), ticket=req.ticket))]
    return replies + _what_next(engine, req, flow)


def _what_next(engine, req: Request, flow: Flow) -> list[Reply]:
    """After a document or a fix: back to the officer when all is in, else what is still open."""
    t = _t()
    if req.status == "needs_fix":
        open_items = request_items.open_fix_items(req)
        if not open_items:
            request_items.finish_fixes(engine.s, req, Actor("citizen"))
            return [Reply(fill(texts()["request_updates"]["fixed"], ticket=req.ticket), email_for=req.id)]
        return [Reply(fill(t["still_to_fix"], ticket=req.ticket,
                           documents=", ".join(i["title"] for i in open_items)))]
    remaining = request_items.missing(flow, req)
    if remaining:
        return [Reply(fill(t["still_missing"], ticket=req.ticket,
                           documents=", ".join(m["title"] for m in remaining)))]
    return [Reply(fill(t["all_documents_in"], ticket=req.ticket))]


# ---- checking a document: a PDF we issued, or a photo of its QR code --------------------------------
def check_file(engine, upload_id: int | None, offered: bool) -> list[Reply]:
    """Is this file a document we issued? A PDF by its bytes, a photo by the code in its QR."""
    t = _t()
    upload = engine.s.get(Upload, upload_id) if upload_id else None
    if upload is None or upload.purged_at is not None:
        return [Reply(t["not_attached"])]
    data = storage.load(upload.storage_key)
    if upload.content_type == "application/pdf":
        return [verdict(engine, verification.by_content(engine.s, data), upload)]
    text = qr_text(data)
    code = verification.code_in(text) if text else None
    if code:
        return [verdict(engine, verification.by_code(engine.s, code), upload)]
    if text is not None:
        return [verdict(engine, verification.Finding(None), upload)]
    return [Reply(t["not_attached"] if offered else t["verify_no_qr"])]


def qr_text(data: bytes) -> str | None:
    """The text of the first QR code in a photo, or None (no code, or no decoder installed)."""
    try:
        import zxingcpp
        from PIL import Image
    except ImportError:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            found = zxingcpp.read_barcodes(image.convert("RGB"))
    except Exception:  # a photo Pillow cannot read is no QR code either
        return None
    return next((r.text for r in found if r.text), None)


def verdict(engine, finding, upload: Upload) -> Reply:
    """What the check found, in plain words (the holder's name partly hidden)."""
    t = _t()
    audit(engine.s, engine._actor(), "document_checked_in_chat", upload, genuine=finding.genuine,
          current=finding.current)
    if not finding.genuine:
        return Reply(t["verify_unknown"])
    doc, req = finding.document, finding.request
    what = _service(req, engine.office) if doc.kind == "issued" else fill(t["receipt_name"], ticket=req.ticket)
    values = {"document": what, "number": doc.number or req.ticket, "name": verification.masked_name(req.subject_name)}
    if finding.current:
        issued = as_utc(doc.created_at).astimezone(office_tz(engine.office)).date()
        return Reply(fill(t["verify_genuine"], **values, date=format_date_id(issued)))
    return Reply(fill(t["verify_superseded" if doc.status == "superseded" else "verify_revoked"], **values))


# ---- fixes, item by item -------------------------------------------------------------------------
def start_fix(engine, ticket: str | None) -> list[Reply]:
    """*lengkapi [tiket]*: the officer's open items of a request that needs fixing, one at a time."""
    t = _t()
    if ticket:
        req = _request(engine, ticket)
        if req is None:
            return [_not_found(ticket)]
        if req.status != "needs_fix":
            wanted = [w for w in _wanted(engine) if w[0].id == req.id]
            replies = [Reply(fill(t["fix_none"], ticket=req.ticket, status=_status(req)))]
            return replies + ([send_photo_help(wanted)] if wanted else [])
    else:
        waiting = [r for r in _requests(engine) if r.status == "needs_fix"]
        if not waiting:
            wanted = _wanted(engine)
            return [Reply(t["fix_none_any"])] + ([send_photo_help(wanted)] if wanted else [])
        if len(waiting) > 1:
            return [Reply(t["fix_pick"], [{"id": f"fix:{r.ticket}", "title": fill(t["fix_button"], ticket=r.ticket)}
                                          for r in waiting[:BUTTONS_MAX]])]
        req = waiting[0]
    flow = _flow(req, engine.office)
    items = request_items.open_fix_items(req)
    if flow is None or not items:
        return _what_next(engine, req, flow) if flow else [Reply(fill(t["fix_none"], ticket=req.ticket,
                                                                       status=_status(req)))]
    _keep(engine, Mode.FIXING, ticket=req.ticket)
    return [Reply(fill(t["fix_start"], ticket=req.ticket, count=len(items))), _ask_item(engine, flow, req, items[0])]


def _ask_item(engine, flow: Flow, req: Request, item: dict, prefix: str = "") -> Reply:
    """The step's own question (with the officer's note first); a photo step asks for the photo."""
    t = _t()
    step = request_items.fix_item_step(flow, item)
    parts = [p for p in (prefix, fill(t["fix_note"], note=item["note"]) if item.get("note") else "") if p]
    reply = engine._ask(flow, step, prefix="\n\n".join(parts), answers=req.answers)
    if step.kind == "photo":
        reply.buttons = []  # "Belum ada" is no answer to an officer's request
    if len(reply.buttons) < BUTTONS_MAX:
        reply.buttons.append({"id": "cmd:cancel", "title": t["later"]})
    return reply


def on_fixing(engine, event: Event, command: str | None, state) -> list[Reply]:
    """fixing: the answer to the current fix item, validated as the flow validates it."""
    t = _t()
    ticket = (engine.conv.answers or {}).get("ticket") or ""
    req = _request(engine, ticket) if ticket else None
    flow = _flow(req, engine.office) if req is not None else None
    if req is None or flow is None or req.status != "needs_fix":
        _drop(engine)
        return [Reply(fill(t["fix_none"], ticket=ticket, status=_status(req) if req else "-"))]
    items = request_items.open_fix_items(req)
    if not items:
        _drop(engine)
        return _what_next(engine, req, flow)
    item = items[0]
    step = request_items.fix_item_step(flow, item)
    if command in ("cancel", "menu"):
        _drop(engine)
        replies = [Reply(fill(t["fix_stopped"], ticket=req.ticket))]
        return replies + ([engine._menu_reply()] if command == "menu" else [])
    if event.kind == "button" and (event.button or "").startswith(ELSEWHERE):
        if event.button == f"fix:{req.ticket}":
            return [_ask_item(engine, flow, req, item)]
        _drop(engine)  # a menu or status button from an earlier message: leave fixing, progress kept
        return [Reply(fill(t["fix_stopped"], ticket=req.ticket))] + engine._idle(event, None)
    if command == "help" or event.kind not in ("text", "button", "file"):
        reason = engine._bad_kind_reply(event).text if command != "help" else ""
        return [_ask_item(engine, flow, req, item, prefix=reason)]
    if event.kind == "text" and not (event.text or "").strip():
        return [_ask_item(engine, flow, req, item, prefix=texts()["empty_message"])]
    if event.kind == "text" and command_in(clean(event.text)) in ("cancel", "resend", "status", "verify"):
        _drop(engine)  # a request about another ticket: leave fixing (progress is kept) and answer it
        return [Reply(fill(t["fix_stopped"], ticket=req.ticket))] + engine._idle(event, None)
    try:
        value = parse_answer(step, event, engine.today)
    except Invalid as err:
        return [_ask_item(engine, flow, req, item, prefix=err.message)]
    if step.kind == "photo":
        if not value.get("upload_id"):  # "belum ada": stop here, the photo can come later
            _drop(engine)
            return [Reply(fill(t["fix_stopped"], ticket=req.ticket))]
        request_items.take_document(engine.s, flow, req, step, value["upload_id"], engine._actor())
    else:
        request_items.take_answer(engine.s, flow, req, step, value, engine._actor())
    items = request_items.open_fix_items(req)
    if items:
        return [_ask_item(engine, flow, req, items[0], prefix=t["fix_saved"])]
    _drop(engine)
    return _what_next(engine, req, flow)


# ---- cancelling a filed request ----------------------------------------------------------------
CANCELLABLE = lifecycle.TABLE["cancel"].sources


def start_cancel(engine, ticket: str | None) -> list[Reply]:
    """*batalkan permohonan [tiket]*: ask to confirm, or say why it can no longer be cancelled."""
    t = _t()
    if ticket:
        req = _request(engine, ticket)
        if req is None:
            return [_not_found(ticket)]
        if req.status not in CANCELLABLE:
            return [Reply(fill(t["cancel_refused"], ticket=req.ticket, status=_status(req)))]
    else:
        open_ = [r for r in _requests(engine) if r.status in CANCELLABLE]
        if not open_:
            return [Reply(t["cancel_none"])]
        if len(open_) > 1:
            return [Reply(t["cancel_pick"], [{"id": f"rcancel:{r.ticket}", "title": r.ticket}
                                             for r in open_[:BUTTONS_MAX]])]
        req = open_[0]
    _keep(engine, Mode.REQUEST_CANCEL, ticket=req.ticket)
    return [Reply(fill(t["cancel_ask"], ticket=req.ticket, service=_service(req, engine.office)),
                  [{"id": "rcancel_yes", "title": t["cancel_yes"]}, {"id": "rcancel_no", "title": t["cancel_no"]}])]


def on_request_cancel(engine, event: Event, command: str | None, state) -> list[Reply]:
    """request_cancel: yes cancels the request (the lifecycle decides); anything else keeps it."""
    t = _t()
    ticket = (engine.conv.answers or {}).get("ticket") or ""
    _drop(engine)
    req = _request(engine, ticket) if ticket else None
    if req is None:
        return [_not_found(ticket or "-")]
    said = clean(event.button if event.kind == "button" else event.text)
    if said in ("rcancel_yes", "ya, batalkan", "batalkan") or said in YES:
        try:
            lifecycle.apply(engine.s, req, "cancel", Actor("citizen"), via="chat")
        except Refused:
            return [Reply(fill(t["cancel_refused"], ticket=req.ticket, status=_status(req)))]
        return [Reply(fill(t["cancel_done"], ticket=req.ticket), email_for=req.id)]
    kept = [Reply(fill(t["cancel_kept"], ticket=req.ticket))]
    if said in ("rcancel_no",) or said in NO or command == "cancel" or event.kind != "text":
        return kept
    return kept + engine._idle(event, command)


# ---- resending the issued document ------------------------------------------------------------
def resend(engine, ticket: str | None) -> list[Reply]:
    """*kirim ulang dokumen [tiket]*: the current issued PDF again, when its file is still kept."""
    t = _t()
    if ticket:
        req = _request(engine, ticket)
        if req is None:
            return [_not_found(ticket)]
    else:
        issued = [r for r in _requests(engine) if r.status in ("issued", "delivered")]
        if not issued:
            return [Reply(t["resend_none"])]
        req = issued[0]
    if req.status not in ("issued", "delivered"):
        return [Reply(fill(t["resend_not_issued"], ticket=req.ticket, status=_status(req)))]
    doc = engine.s.execute(select(Document).where(Document.request_id == req.id, Document.kind == "issued",
                                                  Document.status == "current")).scalar_one_or_none()
    if doc is None:
        return [Reply(fill(t["resend_preparing"], ticket=req.ticket))]
    if doc.purged_at is not None:
        return [Reply(fill(t["resend_purged"], ticket=req.ticket))]
    audit(engine.s, engine._actor(), "document_resent_on_request", doc, ticket=req.ticket)
    text = fill(t["resend_text"], ticket=req.ticket, service=_service(req, engine.office),
                number=doc.number or req.document_number or "-")
    return [Reply(text), Reply(document={"kind": "issued", "request_id": req.id, "document_id": doc.id,
                                         "filename": doc.filename, "content_type": doc.content_type})]
