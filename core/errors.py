"""Refusals: what a service or a domain rule refuses and why, never how the answer travels.

A `DomainError` carries
* `code` — the refusal's name. Our vocabulary is PortOne's error type names
  (`PLATFORM_PARTNER_NOT_FOUND`, `PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED`, …): integrators and the
  finance team meet them in the API, the admin and files, so one name per refusal everywhere;
* `kind` — which sort of refusal (invalid input, unknown entity, conflict with the current state,
  not allowed, an outside service unavailable). Interfaces decide what a kind means for them: the
  API turns it into an HTTP status (core.api.errors), the admin into a message;
* `message` — Korean, for a person; it may name the field as the caller wrote it;
* `details` — the facts behind it, snake_case keys, plain values. An entity is referenced as
  `Ref(entity, id)` / `Refs(entity, ids)`, so an interface can add what it needs to name it (the
  API adds the graphqlId);
* `field` — optionally, the input it is about, by its API name (`settlementTaxFreeAmount`):
  a spreadsheet upload shows the refusal under that column. Not part of the API answer.

This module must not import Django, DRF or anything of the project: domain modules, models and
services all raise these.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


class Kind(enum.StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    FORBIDDEN = "forbidden"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Ref:
    """One entity by its public id; `entity` is its kind ("transfer", "partner", …)."""

    entity: str
    id: str


@dataclass(frozen=True)
class Refs:
    """Several entities of one kind, in the order given."""

    entity: str
    ids: tuple[str, ...]

    @classmethod
    def of(cls, entity: str, ids: Iterable[str]) -> Refs:
        return cls(entity, tuple(ids))


class DomainError(Exception):
    kind: Kind = Kind.INVALID

    def __init__(
        self,
        code: str,
        message: str = "",
        *,
        kind: Kind | None = None,
        field: str | None = None,
        **details: Any,
    ):
        super().__init__(message or code)
        self.code = code
        self.message = message
        if kind is not None:
            self.kind = kind
        self.field = field
        self.details = details

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class Invalid(DomainError):
    kind = Kind.INVALID


class NotFound(DomainError):
    kind = Kind.NOT_FOUND


class Conflict(DomainError):
    kind = Kind.CONFLICT


class Forbidden(DomainError):
    kind = Kind.FORBIDDEN


class Unavailable(DomainError):
    kind = Kind.UNAVAILABLE


INVALID_REQUEST = "INVALID_REQUEST"


def invalid(message: str) -> Invalid:
    """Input that breaks a rule no more specific code names; the message names the field."""
    return Invalid(INVALID_REQUEST, message)


@dataclass(frozen=True)
class RowFailure:
    index: int  # position in the rows given (0-based)
    error: DomainError


class RowsRefused(DomainError):
    """Some rows of a batch were refused and nothing was written. Code, kind and details are the
    first failure's (a caller of a one-row batch sees exactly the single refusal), the message
    names its row, and `failures` lists every refused row."""

    def __init__(self, failures: list[RowFailure]) -> None:
        first = failures[0]
        more = f" (외 {len(failures) - 1}개 행 오류)" if len(failures) > 1 else ""
        super().__init__(
            first.error.code,
            f"row {first.index}: {first.error.message or first.error.code}{more}",
            kind=first.error.kind,
            field=first.error.field,
            **{**first.error.details, "row": first.index},
        )
        self.failures = failures
