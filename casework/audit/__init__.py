"""The encrypted, hash-chained audit trail of every read and write."""
