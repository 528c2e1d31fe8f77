"""The PortOne-compatible HTTP API's shared layer: base view, errors, authentication,
idempotency keys, OpenAPI document. Each app's `api/` package builds its endpoints on it."""
