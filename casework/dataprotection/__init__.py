"""Data protection operations: subject access exports with a redaction review, rectification
with its history, and statements of disagreement."""
