"""A fake provider API served on a real loopback port, in a daemon thread."""
import threading


class LoopbackServer:
    """Serves a fake's WSGI app on a real port. A fake's subclass names how its state and app are
    made (`new_state`, `create_app`) and which environment points our app at it (`env`)."""

    new_state = staticmethod(dict)
    create_app = None  # state -> WSGI app

    def __init__(self, state: dict | None = None, host: str = "127.0.0.1", port: int = 0):
        """Bind host:port (0: a free port) and start serving at once."""
        from werkzeug.serving import make_server

        self.state = state if state is not None else self.new_state()
        self.app = self.create_app(self.state)
        self.server = make_server(host, port, self.app, threaded=True)
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Shut the server down and wait for its thread."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
