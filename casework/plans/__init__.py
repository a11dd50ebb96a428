"""Team Around the Family plans, reviews, the family's own plan and closure with a final review."""
