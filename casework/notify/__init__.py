"""Email: the outbox of reminders and the GOV.UK Notify adapter that delivers it."""
