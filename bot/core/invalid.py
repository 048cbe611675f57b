"""The one exception for "the citizen's input can't be used", shared by validators and upload checks."""


class Invalid(ValueError):
    """The citizen's answer can't be used; .message is the Indonesian re-ask reason."""

    def __init__(self, message: str):
        """Keep the message both as the exception text and as `.message`."""
        super().__init__(message)
        self.message = message


class Propose(Exception):
    """An answer read as `value`, for the citizen to confirm with `message` (Ya / Bukan).

    On *Bukan* the engine keeps `fallback` when there is one (a place name as typed), else asks again."""

    def __init__(self, value, message: str, fallback=None):
        super().__init__(message)
        self.value, self.message, self.fallback = value, message, fallback
