"""The request lifecycle: one table of allowed status changes, enforced here and nowhere else.

    submitted ─assign─▶ in_review ─ask_fix─▶ needs_fix ─fixed (citizen)─▶ in_review
    in_review ─approve─▶ approved ─issue─▶ issued ─delivered (system)─▶ delivered
    submitted | in_review | needs_fix | approved ─reject─▶ rejected
    submitted | in_review | needs_fix ─cancel (citizen)─▶ cancelled
    issued | delivered ─reissue (a correction)─▶ issued ─delivered─▶ delivered

An officer assigns a request to themself before acting on it (OpenCRVS); only the assigned
officer acts, another must `take_over` first. Every change is audited with who, when and why;
telling the citizen is the caller's part (delivery/review.py), since it needs the office's words.
"""
import re
from dataclasses import dataclass

from bot.core.models import Officer, Request, audit, utcnow

STATUSES = ("submitted", "in_review", "needs_fix", "approved", "issued", "delivered",
            "rejected", "cancelled")
# Closed requests: nothing more happens to them but resending and, later, deleting their files.
CLOSED = frozenset({"delivered", "rejected", "cancelled"})
OPEN = frozenset(STATUSES) - CLOSED - {"issued"}
HOLDERS = frozenset({"in_review", "needs_fix", "approved", "issued", "delivered"})  # someone is assigned

ANY_OFFICER = frozenset({"operator", "verifier", "admin"})
# An officer's account, made by `flask officer create` or by an admin in the inbox.
USERNAME = re.compile(r"[a-z0-9._-]{3,80}")
MIN_PASSWORD = 10
DECIDERS = frozenset({"verifier", "admin"})  # approve, reject and issue are a verifier's acts


@dataclass(frozen=True)
class Rule:
    """One action: from which statuses, to which (None keeps it), by whom."""
    sources: frozenset
    target: str | None
    roles: frozenset            # officer roles; "citizen" and "system" are actors of their own
    needs_assignee: bool = True  # only the assigned officer may do it


TABLE: dict[str, Rule] = {
    "assign": Rule(frozenset({"submitted"}) | HOLDERS, None, ANY_OFFICER, needs_assignee=False),
    "take_over": Rule(HOLDERS, None, ANY_OFFICER, needs_assignee=False),
    "ask_fix": Rule(frozenset({"in_review", "needs_fix"}), "needs_fix", ANY_OFFICER),
    "approve": Rule(frozenset({"in_review"}), "approved", DECIDERS),
    "reject": Rule(frozenset({"submitted", "in_review", "needs_fix", "approved"}), "rejected", DECIDERS,
                   needs_assignee=False),
    "issue": Rule(frozenset({"approved"}), "issued", DECIDERS),
    "resend": Rule(frozenset({"issued", "delivered"}), None, ANY_OFFICER),
    # A correction: a new document replaces the issued one (which /v then calls superseded).
    "reissue": Rule(frozenset({"issued", "delivered"}), "issued", DECIDERS),
    # Not an officer's: the citizen's fixes are all in, the provider took the document, the
    # citizen cancels.
    "fixed": Rule(frozenset({"needs_fix"}), "in_review", frozenset({"citizen", "system"}), False),
    "delivered": Rule(frozenset({"issued"}), "delivered", frozenset({"system"}), False),
    "cancel": Rule(frozenset({"submitted", "in_review", "needs_fix"}), "cancelled",
                   frozenset({"citizen"}), False),
}
OFFICER_ACTIONS = tuple(a for a, r in TABLE.items() if r.roles & ANY_OFFICER)


class Refused(Exception):
    """An action the table or the roles do not allow; `code` is 403 (role) or 409 (state)."""

    def __init__(self, code: int, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason


@dataclass(frozen=True)
class Actor:
    """Who acts: an officer (with role), the citizen who filed, or the system."""
    kind: str                     # officer | citizen | system
    officer: Officer | None = None

    @property
    def role(self) -> str:
        return self.officer.role if self.officer else self.kind

    @property
    def label(self) -> str:
        """How the audit log names the actor."""
        return f"officer:{self.officer.id}" if self.officer else self.kind


SYSTEM = Actor("system")


def check(req: Request, action: str, actor: Actor) -> Rule:
    """The rule for this action, or Refused saying why (in the officers' language)."""
    rule = TABLE.get(action)
    if rule is None:
        raise Refused(400, f"Tindakan tidak dikenal: {action}")
    if actor.role not in rule.roles:
        raise Refused(403, f"Peran {actor.role} tidak boleh melakukan '{action}'.")
    if req.status not in rule.sources:
        raise Refused(409, f"Permohonan {req.ticket} berstatus '{req.status}'; '{action}' tidak "
                           f"diizinkan dari status itu.")
    if actor.officer is not None:
        mine = req.assigned_to == actor.officer.id
        if action == "assign" and req.assigned_to is not None and not mine:
            raise Refused(409, f"Permohonan {req.ticket} sedang ditangani petugas lain; "
                               "ambil alih dulu bila perlu.")
        if action == "take_over" and (req.assigned_to is None or mine):
            raise Refused(409, f"Permohonan {req.ticket} tidak sedang ditangani petugas lain.")
        if rule.needs_assignee and not mine:
            raise Refused(409, f"Permohonan {req.ticket} belum ditugaskan kepada Anda; "
                               "tugaskan ke diri sendiri atau ambil alih dulu.")
    return rule


def apply(s, req: Request, action: str, actor: Actor, **why) -> str:
    """Check and make one change, audited with who, what and why; returns the status before."""
    rule = check(req, action, actor)
    before = req.status
    if action in ("assign", "take_over"):
        previous = req.assigned_to
        req.assigned_to = actor.officer.id
        why = {**why, "previous_officer": previous} if previous else why
        if req.status == "submitted":
            req.status = "in_review"
    elif rule.target:
        req.status = rule.target
    if req.status in CLOSED and req.closed_at is None:
        req.closed_at = utcnow()
    elif req.status not in CLOSED:
        req.closed_at = None  # open again (a correction): retention counts from the new close
    req.updated_at = utcnow()
    audit(s, actor.label, f"request_{action}", req, ticket=req.ticket, status_from=before,
          status_to=req.status, **why)
    return before


def allowed_actions(req: Request, actor: Actor) -> list[str]:
    """The officer actions this actor may take on the request now (for buttons and the API)."""
    allowed = []
    for action in OFFICER_ACTIONS:
        try:
            check(req, action, actor)
        except Refused:
            continue
        allowed.append(action)
    return allowed
