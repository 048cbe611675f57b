"""Fitting our texts into each channel's limits: one splitter, one caption rule, one title
shortener, one template filler. Every adapter uses these, so every channel cuts the same way."""
import re


def split_text(text: str, limit: int) -> list[str]:
    """Split a long text into parts of at most `limit` characters, at paragraphs when possible."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    parts, current = [], ""
    for piece in _pieces(text, limit):
        joiner = "\n\n" if current else ""
        if len(current) + len(joiner) + len(piece) <= limit:
            current += joiner + piece
        else:
            parts.append(current)
            current = piece
    if current:
        parts.append(current)
    return parts


def _pieces(text: str, limit: int) -> list[str]:
    """Paragraphs, with any paragraph longer than `limit` cut at lines, then words, then hard."""
    out = []
    for para in re.split(r"\n[ \t]*\n", text):
        para = para.strip()
        while len(para) > limit:
            cut = para.rfind("\n", 0, limit + 1)
            if cut <= 0:
                cut = para.rfind(" ", 0, limit + 1)
            if cut <= 0:
                cut = limit
            out.append(para[:cut].rstrip())
            para = para[cut:].lstrip()
        if para:
            out.append(para)
    return out


def caption_rule(text: str, buttons: list | None, caption_max: int) -> tuple[str, str | None]:
    """(text to send before the document, the document's caption). The text rides as the caption
    when the channel has captions, it fits and there are no buttons; otherwise it goes first."""
    if text and not buttons and 0 < len(text) <= caption_max:
        return "", text
    return text, None


def shorten(title: str, limit: int) -> str:
    """A button or row title cut at a word boundary to fit `limit`, ending in an ellipsis."""
    title = " ".join(str(title).split())
    if len(title) <= limit:
        return title
    cut = title[:limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[:cut.rindex(" ")]  # keep whole words where that still leaves most of the title
    return cut.rstrip(" ,.;:-/(") + "…"


def unique_titles(titles: list[str]) -> list[str]:
    """Make shortened titles distinct (WhatsApp refuses two buttons with the same title)."""
    seen, out = {}, []
    for title in titles:
        n = seen.get(title, 0)
        seen[title] = n + 1
        out.append(title if n == 0 else f"{title[:-2]} {n + 1}" if len(title) > 2 else f"{title}{n + 1}")
    return out
