"""Ticket and booking codes: AKL-0001, KTP-0001, one counter per prefix."""
from sqlalchemy import update

from bot.core.db import insert_for
from bot.core.models import TicketCounter


def next_ticket(s, prefix: str) -> str:
    """The next ticket number for a prefix, e.g. AKL-0001 (safe under concurrent submissions)."""
    s.execute(insert_for(s)(TicketCounter).values(prefix=prefix, value=0).on_conflict_do_nothing())
    value = s.execute(update(TicketCounter).where(TicketCounter.prefix == prefix)
                      .values(value=TicketCounter.value + 1).returning(TicketCounter.value)).scalar_one()
    return f"{prefix}-{value:04d}"
