"""Who the signed-in officer is to the lifecycle, and how the inbox names roles and actions."""
from bot.core.lifecycle import Actor
from bot.web.inbox.auth import current_officer

ROLE_LABELS = {"operator": "Operator", "verifier": "Verifikator", "admin": "Admin"}

# A status in a word or two, for the history's "from → to" column.
STATUS_SHORT = {"submitted": "diajukan", "in_review": "diperiksa", "needs_fix": "perlu perbaikan",
                "approved": "disetujui", "issued": "terbit", "delivered": "terkirim", "rejected": "ditolak",
                "cancelled": "dibatalkan"}

# What the history shows for an audited request action (bot.core.lifecycle, flows.request_items,
# delivery.review).
ACTION_LABELS = {
    "request_submitted": "Permohonan diajukan",
    "request_assign": "Ditugaskan",
    "request_take_over": "Diambil alih",
    "request_ask_fix": "Minta perbaikan",
    "request_approve": "Disetujui",
    "request_reject": "Ditolak",
    "request_issue": "Diterbitkan",
    "request_resend": "Dokumen dikirim ulang",
    "request_reissue": "Diterbitkan ulang (perbaikan)",
    "request_fixed": "Perbaikan lengkap, kembali ke petugas",
    "request_delivered": "Dokumen terkirim",
    "request_cancel": "Dibatalkan warga",
    "request_document_received": "Dokumen susulan diterima",
    "request_answer_corrected": "Jawaban diperbaiki warga",
    "request_viewed": "Dilihat",
}

# What a booked visit's history shows (flows/booking.py, flows/aftercare/appointments.py, the
# counter: bot/web/inbox/counter.py). Any signed-in officer works the counter, whatever the role.
APPOINTMENT_LABELS = {
    "appointment_booked": "Dijadwalkan warga",
    "appointment_change_started": "Warga mulai mengubah jadwal",
    "appointment_rescheduled": "Jadwal diubah warga",
    "appointment_cancelled": "Dibatalkan warga",
    "appointment_checked_in": "Hadir (check-in)",
    "appointment_served": "Dilayani",
    "appointment_no_show": "Tidak datang",
    "appointment_mark_undone": "Tanda dibatalkan petugas",
}
VIA_LABELS = {"number": "nomor antrean", "code": "kode booking", "qr": "QR bukti jadwal"}


def officer_actor() -> Actor:
    """The signed-in officer as the lifecycle's actor (their role decides what they may do)."""
    return Actor("officer", current_officer())


def is_admin(officer) -> bool:
    """Whether the officer is an administrator (may override another officer's hold)."""
    return officer is not None and officer.role == "admin"
