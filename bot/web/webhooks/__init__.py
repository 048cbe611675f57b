"""Provider webhooks, one module per channel: verify, normalise, store, queue, answer fast."""
