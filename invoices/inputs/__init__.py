"""Input schemas of the B2B API, one module per area."""
