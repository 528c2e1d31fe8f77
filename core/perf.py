"""Helpers for the bulk paths (10^5-row files and batches)."""

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import models


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection during one big, allocation-heavy step.

    10^5 rows keep millions of small objects alive until the step ends, and every generation-2
    pass would rescan all of them (validating 100k partner rows: 22 s with the collector, 17 s
    without). Reference counting still frees everything that is not cyclic. On the way out the
    survivors are filed as old (freeze + unfreeze) instead of being scanned at once as young
    objects, which cost 1.2 s for 100k order transfers.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if enabled:
            gc.enable()


def instance_factory(model: type[models.Model]) -> Callable[..., models.Model]:
    """`build(**values)` -> an unsaved `model` instance equal to `model(**values)`, ~3x faster.

    `values` are keyed by attname (`default_contract_id`, not `default_contract`). Django's
    keyword constructor looks every field up and calls its `get_default()` for each instance
    (~27 µs for a partner); this fills a row of defaults computed once (callable defaults are
    still called per instance, unless a value is given) and uses the positional constructor,
    as `Model.from_db` does (~10 µs). An unknown name raises TypeError, as the model would.
    """
    fields = model._meta.concrete_fields
    position = {field.attname: i for i, field in enumerate(fields)}
    template: list[Any] = []
    per_instance: list[tuple[str, int, Callable[[], Any]]] = []
    for i, field in enumerate(fields):
        if field.has_default() and callable(field.default):
            per_instance.append((field.attname, i, field.default))
            template.append(None)
        else:
            template.append(field.get_default())

    def build(**values: Any) -> models.Model:
        row = template.copy()
        for attname, i, make in per_instance:
            if attname not in values:
                row[i] = make()
        for attname, value in values.items():
            try:
                row[position[attname]] = value
            except KeyError:
                raise TypeError(f"{model.__name__}() got an unexpected field {attname!r}") from None
        return model(*row)

    return build
