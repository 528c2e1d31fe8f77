"""Policies' pure rules: no Django, no I/O."""
