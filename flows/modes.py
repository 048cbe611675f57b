"""The conversation's modes: where a citizen is, and the side-states a flow can step into and out of.

A conversation row stores its mode as one string (Conversation.mode). In a flow it is `collect`
(a question is open) or `confirm` (the summary is shown). A side-state remembers which of the
two to return to, and the switch offer also the service offered:

    idle | collect | confirm | doc_offer | fixing | request_cancel | booking_cancel
    cancel_confirm:<back> | resume_offer:<back> | edit_pick:<back> | propose:<back>
    switch_offer:<back>:<service>

That is the format rows have always had, so State.read takes every stored value there is.
"""
from dataclasses import dataclass
from enum import Enum


class Mode(str, Enum):
    """Every mode a conversation can be in; the engine has one handler per mode."""
    IDLE = "idle"                       # no request open: menu, questions, status
    COLLECT = "collect"                 # a flow's question is waiting for its answer
    CONFIRM = "confirm"                 # the summary is shown: Kirim / Ubah / Batal
    CANCEL_CONFIRM = "cancel_confirm"   # "really cancel?" after *batal*
    RESUME_OFFER = "resume_offer"       # back after a long gap: continue, start over or menu
    EDIT_PICK = "edit_pick"             # *ubah*: which numbered answer to change
    SWITCH_OFFER = "switch_offer"       # another service asked for mid-flow: stay or switch
    PROPOSE = "propose"                 # an answer read as something else: "Maksud Bapak/Ibu *Sangatta*?"
    # After the ticket (flows/aftercare.py); no flow is in progress, what they are about (the
    # ticket, a file's upload id) is kept in Conversation.answers, empty otherwise when idle.
    DOC_OFFER = "doc_offer"             # a file sent while idle: "for *KTP-el ibu* on AKL-0001?"
    FIXING = "fixing"                   # *lengkapi*: the officer's fix items, one at a time
    REQUEST_CANCEL = "request_cancel"   # "really cancel request AKL-0001?"
    BOOKING_CANCEL = "booking_cancel"   # "really cancel the visit KTP-0001?" (flows/aftercare/appointments.py)


IN_FLOW = frozenset({Mode.COLLECT, Mode.CONFIRM})
SIDE_STATES = frozenset({Mode.CANCEL_CONFIRM, Mode.RESUME_OFFER, Mode.EDIT_PICK, Mode.SWITCH_OFFER, Mode.PROPOSE})
AFTERCARE = frozenset({Mode.DOC_OFFER, Mode.FIXING, Mode.REQUEST_CANCEL, Mode.BOOKING_CANCEL})  # only while no flow is open


@dataclass(frozen=True)
class State:
    """A mode, and for a side-state the flow mode to go back to (and the service a switch offers)."""
    mode: Mode
    back_to: Mode = Mode.COLLECT
    service: str | None = None

    @classmethod
    def read(cls, stored: str | None) -> "State":
        """The state a stored Conversation.mode string stands for (unknown values read as idle)."""
        head, _, rest = (stored or Mode.IDLE.value).partition(":")
        try:
            mode = Mode(head)
        except ValueError:
            return cls(Mode.IDLE)
        if mode not in SIDE_STATES:
            return cls(mode)
        back, _, service = rest.partition(":")
        back_to = Mode(back) if back in {m.value for m in IN_FLOW} else Mode.COLLECT
        return cls(mode, back_to, (service or None) if mode is Mode.SWITCH_OFFER else None)

    def stored(self) -> str:
        """The string kept in Conversation.mode."""
        if self.mode not in SIDE_STATES:
            return self.mode.value
        if self.mode is Mode.SWITCH_OFFER:
            return f"{self.mode.value}:{self.back_to.value}:{self.service or ''}"
        return f"{self.mode.value}:{self.back_to.value}"


# For the diagram (python -m flows diagram): how the side-states are entered and left.
# "back" is the question or summary the citizen was at (State.back_to).
DIAGRAM_NODES = {
    "back": '(["Pertanyaan / ringkasan yang sedang berjalan"])',
    Mode.IDLE: '(["idle: menu (isian disimpan atau dihapus)"])',
    Mode.CANCEL_CONFIRM: '{{"cancel_confirm: Yakin ingin membatalkan?"}}',
    Mode.RESUME_OFFER: '{{"resume_offer: Lanjutkan / Mulai dari awal / Menu"}}',
    Mode.EDIT_PICK: '[/"edit_pick: Pilih nomor jawaban atau bagian"/]',
    Mode.PROPOSE: '{{"propose: Maksud Bapak/Ibu ...? Ya / Bukan"}}',
    Mode.SWITCH_OFFER: '{{"switch_offer: Selesaikan dulu / Urus layanan lain"}}',
    "first": '(["Pertanyaan pertama"])',
    "picked": '(["collect: pertanyaan yang dipilih, lalu ringkasan"])',
}
DIAGRAM_EDGES = (
    ("back", "batal", Mode.CANCEL_CONFIRM),
    (Mode.CANCEL_CONFIRM, "Ya, batalkan: isian dihapus", Mode.IDLE),
    (Mode.CANCEL_CONFIRM, "Tidak, lanjutkan", "back"),
    ("back", "pesan setelah lama tidak membalas", Mode.RESUME_OFFER),
    (Mode.RESUME_OFFER, "Lanjutkan", "back"),
    (Mode.RESUME_OFFER, "Mulai dari awal", "first"),
    (Mode.RESUME_OFFER, "Menu: isian disimpan", Mode.IDLE),
    (Mode.RESUME_OFFER, "batal", Mode.CANCEL_CONFIRM),
    ("back", "ubah", Mode.EDIT_PICK),
    (Mode.EDIT_PICK, "nomor jawaban", "picked"),
    (Mode.EDIT_PICK, "Tidak jadi", "back"),
    ("back", "jawaban yang perlu dipastikan", Mode.PROPOSE),
    (Mode.PROPOSE, "Ya / Bukan: jawaban disimpan", "back"),
    ("back", "minta layanan lain", Mode.SWITCH_OFFER),
    (Mode.SWITCH_OFFER, "Lanjutkan", "back"),
    (Mode.SWITCH_OFFER, "Urus layanan lain: isian disimpan", Mode.IDLE),
    ("back", "menu: isian disimpan", Mode.IDLE),
)
