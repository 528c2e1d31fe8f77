"""Outgoing webhooks (docs/webhooks.md): endpoints an integrator registers, the events our
services emit, and their signed, retried delivery.

* `events` (domain): event type names, the back-off table, the disabling rule;
* `sender` (providers): the HTTP adapter (httpx, timeouts, no redirects, capped body);
* `models`: endpoints, messages (one per event and endpoint) and the attempt log;
* `services`: emitting (on commit, one INSERT per batch), signing, delivering, rotating, re-sending;
* `tasks`: django-q2 entry points.
"""
