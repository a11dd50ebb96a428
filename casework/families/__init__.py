"""Families (households) and the people in them, and search over their encrypted data."""
