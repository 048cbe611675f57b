"""Signed, short-lived links to our PDFs (the simulator shows them; Twilio fetches them)."""
from flask import current_app
from itsdangerous import URLSafeTimedSerializer


def serializer() -> URLSafeTimedSerializer:
    """Signs document ids with the app's secret key."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="document-link")


def link_for(document_id: int) -> str:
    """The path of a signed download link for a document (served by bot.web.files)."""
    return f"/files/{serializer().dumps(document_id)}"
