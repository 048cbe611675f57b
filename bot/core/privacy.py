"""Masking of personal data before it reaches a chat, a log, a receipt or an officer's list."""
import re


def mask_nik(value: str | None) -> str:
    """Show only the area code and the last four digits of a NIK or KK number."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) < 8:
        return "*" * len(digits)
    # The first four (province + regency) say nothing personal; the birth date in the middle does.
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def mask_id(identifier: str | None) -> str:
    """A phone number or chat id for logs and stored errors: only its last four characters."""
    if not identifier:
        return "-"
    return "…" + str(identifier)[-4:]


def mask_email(address: str) -> str:
    """An address as officers' lists show it: 'b***@gmail.com' (enough to recognise, not to copy)."""
    local, at, domain = address.strip().rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"
