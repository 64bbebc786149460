"""The synthetic world of docs/synthetic_world.md and its own (independent) truth."""
