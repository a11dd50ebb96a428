"""Restriction of processing, retention periods, legal holds and disposal (UK GDPR Art 18, Art 5(1)(e))."""
