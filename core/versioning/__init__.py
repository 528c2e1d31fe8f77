"""Versioned entities: model bases (`models`) and the writes that create, schedule, promote,
archive and recover versions (`services`). docs/versioning.md."""
