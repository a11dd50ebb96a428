"""Users, organisations, teams, roles, sign-in and API tokens."""
