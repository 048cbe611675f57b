"""Masking of personal numbers before they reach a chat, a log or a receipt: the two masks."""
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
