"""Blank official forms the assistant sends as a PDF in the chat (flow files: `after: … attach: <name>`).

One module per form, each with render(office) -> PDF bytes; FORMS maps the names of
bot.core.forms_catalog (what flows/ may name) to them. build(name, office) is the entry point;
a name not in the catalog is UnknownForm.
"""
import json
import threading

from bot.core.forms_catalog import FORM_NAMES, caption, filename  # noqa: F401  (the package's API)
from delivery.forms import f2_01, f2_03, f2_04, sptjm_akta_hilang, surat_kuasa

FORMS = {
    "f2_01": f2_01.render,
    "f2_03": f2_03.render,
    "f2_04": f2_04.render,
    "surat_kuasa": surat_kuasa.render,
    "sptjm_akta_hilang": sptjm_akta_hilang.render,
}


# Built forms by (name, office details): the sender asks for a form each time it sends one, and
# drawing it costs ~0.1 s. A changed office (a new address) is a new key; bounded all the same.
_BUILT: dict[tuple[str, str], bytes] = {}
_BUILT_MAX = 50
_lock = threading.Lock()


class UnknownForm(KeyError):
    """No form of this name exists."""


def build(name: str, office: dict) -> bytes:
    """The blank form `name` with the office's letterhead, as PDF bytes (the same bytes every time
    for the same office details)."""
    try:
        render = FORMS[name]
    except (KeyError, TypeError):
        raise UnknownForm(name) from None
    key = (name, json.dumps(office, sort_keys=True, default=str))
    pdf = _BUILT.get(key)
    if pdf is None:
        pdf = render(office)
        with _lock:
            if len(_BUILT) >= _BUILT_MAX:
                _BUILT.clear()
            _BUILT[key] = pdf
    return pdf
