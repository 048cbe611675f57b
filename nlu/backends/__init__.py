"""Alternative interpreters behind the same `parse(text) -> Parse` interface."""
