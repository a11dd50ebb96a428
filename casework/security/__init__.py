"""Keys, field encryption, blind indexes, passwords and tokens."""
