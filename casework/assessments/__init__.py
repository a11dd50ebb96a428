"""The Early Help Assessment: the family's story told once, per the practice framework."""
