"""Consent and information sharing, and THE access policy."""
