"""Security headers on every response: the pages load only this site's scripts and styles, are
never framed, send no referrer elsewhere, and their content types are taken as given."""

# No inline script or style anywhere (templates link bot/web/static/); images may be this site's,
# or a blob: preview the simulator makes of a photo before it is sent.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob:",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
))

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def init_app(app) -> None:
    """Add the headers to every response, error pages and static files included."""
    https = str(app.config.get("PUBLIC_BASE_URL") or "").startswith("https://")

    ours = [*HEADERS.items(), *([("Strict-Transport-Security", "max-age=31536000")] if https else [])]
    # (Strict-Transport-Security: browsers that reached us over https keep to it for a year.)

    @app.after_request
    def _security_headers(response):
        own = response.headers.get("Content-Security-Policy")
        if own:  # a view's own (stricter) policy keeps its sources and gains what it left out
            response.headers["Content-Security-Policy"] = with_missing_directives(own)
        # One pass over what the view set, then one extend: a setdefault per header cost a
        # scan of the list each, on every webhook too.
        present = {name.lower() for name, _ in response.headers}
        response.headers.extend([(name, value) for name, value in ours if name.lower() not in present])
        return response


def with_missing_directives(policy: str) -> str:
    """A view's policy plus every directive of ours it does not name (a missing directive would
    otherwise fall back to nothing, e.g. framing allowed)."""
    named = {part.split()[0] for part in policy.split(";") if part.strip()}
    ours = [part for part in CONTENT_SECURITY_POLICY.split("; ") if part.split()[0] not in named]
    return "; ".join([policy.rstrip("; ")] + ours)
