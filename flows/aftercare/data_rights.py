"""*minta salinan data saya* and *hapus data saya*: recorded for an officer, who checks who is
asking before anything is handed over or erased (bot.core.citizen_data)."""
from bot.core import citizen_data
from flows.definition import texts
from flows.messages import Reply
from flows.placeholders import fill


def _t() -> dict:
    """This part's texts (flows/texts.yml `data_rights`)."""
    return texts()["data_rights"]


def start_export(engine) -> list[Reply]:
    """A copy of everything held: recorded for an officer (once while one waits)."""
    t = _t()
    if citizen_data.ask(engine.s, engine.conv.contact_id, "export") is None:
        return [Reply(t["already_waiting"])]
    how = t["by_email"] if engine.conv.contact.email else t["at_office"]
    return [Reply(fill(t["export_asked"], how=how))]


def start_erase(engine) -> list[Reply]:
    """Erasure: what it removes and what it keeps, asked once more with buttons."""
    t = _t()
    return [Reply(t["erase_confirm"], [{"id": "dataerase:yes", "title": t["erase_yes"]},
                                       {"id": "dataerase:no", "title": t["erase_no"]}])]


def on_erase_button(engine, answer: str) -> list[Reply]:
    """The answer to the erasure question."""
    t = _t()
    if answer != "yes":
        return [Reply(t["erase_kept"])]
    if citizen_data.ask(engine.s, engine.conv.contact_id, "erase") is None:
        return [Reply(t["already_waiting"])]
    return [Reply(t["erase_asked"])]
