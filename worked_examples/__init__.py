"""Worked examples: every scalar derivation the source notes work by hand."""
