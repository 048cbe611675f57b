"""The inbox's blueprint, on its own so the page modules can register routes on it."""
from flask import Blueprint

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
