"""What a citizen means in free text: the nlu/ interpreter, as the dialogue uses it."""
import re
from datetime import date

from flask import current_app, has_app_context

from flows.definition import texts
from nlu import CONFIDENCE_THRESHOLD, FAQ_INTENTS, SERVICE_INTENTS, Parse, get_interpreter

# Above this, a message that could also be an answer ("berapa biayanya") is taken as a question.
QUESTION_CONFIDENCE = 0.75
# Below CONFIDENCE_THRESHOLD the dialogue asks which meaning was meant. A meaning offered as a
# choice needs at least this much: on the held-out files, when the top intent is wrong, the right
# one is the second likeliest and above 0.1 in most cases (docs/nlu.md); below it a button is noise.
CHOICE_FLOOR = 0.1
# Intents that interrupt a request in progress; the request resumes afterwards.
INTERRUPTIONS = FAQ_INTENTS | {"human", "complaint", "check_status"} | set(SERVICE_INTENTS)
QUESTION_WORDS = re.compile(r"\b(apa|apakah|berapa|brp|bagaimana|gimana|gmn|gmna|kapan|dimana|dmn|"
                            r"kenapa|knp|bisa|bs|boleh|syarat|syaratnya|biaya|jam|buka|alamat)\b")


def intent_labels() -> dict[str, str]:
    """How the clarifying question names each intent on its buttons (flows/texts.yml intent_labels)."""
    return texts()["intent_labels"]


def _interpreter():
    """The process's interpreter for this app's NLU settings."""
    settings = {}
    if has_app_context():
        settings = {"NLU_BACKEND": current_app.config.get("NLU_BACKEND"),
                    "RASA_URL": current_app.config.get("RASA_URL"),
                    "office": current_app.config["OFFICE"].get("office", {})}
    return get_interpreter(settings)


def interpret(text: str, today: date) -> Parse:
    """Intent, confidence and entities of one message (local model, or Rasa when configured)."""
    return _interpreter().parse(text, today=today)


def warm() -> None:
    """Load (or train) the model now, so no citizen waits for it on the first message."""
    interpreter = _interpreter()
    getattr(interpreter, "warm", lambda: None)()


def looks_like_question(text: str) -> bool:
    """A question mark or a question word: the citizen is asking, not answering."""
    lowered = (text or "").lower()
    return "?" in lowered or bool(QUESTION_WORDS.search(lowered))


def confident(parse: Parse) -> bool:
    """Whether the top intent is more than a guess."""
    return parse.confidence >= CONFIDENCE_THRESHOLD


def likely_choices(parse: Parse, limit: int = 2) -> list[dict]:
    """Buttons for the two likeliest meanings the clarifying question can offer; a meaning the
    model gives less than CHOICE_FLOOR is no choice (gibberish gets the menu instead)."""
    labels = intent_labels()
    choices = [{"id": f"intent:{name}", "title": labels[name]}
               for name, score in parse.ranking if name in labels and score >= CHOICE_FLOOR]
    return choices[:limit]
