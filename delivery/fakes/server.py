"""A fake provider API served on a real loopback port, in a daemon thread."""
import threading


class LoopbackServer:
    """Serves a WSGI app built from a state dict; subclasses say which env points our app at it."""

    def __init__(self, state: dict, app, host: str = "127.0.0.1", port: int = 0):
        """Bind host:port (0: a free port) and start serving at once."""
        from werkzeug.serving import make_server

        self.state = state
        self.app = app
        self.server = make_server(host, port, self.app, threaded=True)
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Shut the server down and wait for its thread."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
