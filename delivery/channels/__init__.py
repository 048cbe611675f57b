"""The channels, one folder each: `twilio/`, `whatsapp/` (Cloud API), `messenger/`, `simulator/`.

Each folder holds its webhook parsing (pure functions from the provider's request to our
events), its verification, its outbound adapter, its media fetch/delete and its policies, in a
`Channel` (base.py) registered in registry.py. Shared by all: base.py (the interfaces),
fields.py (reading a request's fields safely), text.py (splitting and fitting texts),
numbered.py (buttons as a numbered list and back), graph/ (what WhatsApp Cloud and Messenger share).
"""
