"""The synthetic world of spec/SYNTH.md and its own (independent) truth."""
