"""Every model, imported in one place so that metadata is complete (Alembic, tests)."""

from __future__ import annotations

from casework.audit.models import AuditCheckpoint, AuditEvent, AuditReference
from casework.auth.models import ApiToken, Organisation, Team, TeamMembership, User, UserRole, UserSession
from casework.cases.models import Case, LeadAssignment, LevelTransition, Notification
from casework.consent.models import Consent, ShareWithoutConsent, SharingBasis, TeamMember, WithheldPerson
from casework.db import Base
from casework.families.models import Family, Person

metadata = Base.metadata

__all__ = [
    "ApiToken",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditReference",
    "Case",
    "Consent",
    "Family",
    "LeadAssignment",
    "LevelTransition",
    "Notification",
    "Organisation",
    "Person",
    "ShareWithoutConsent",
    "SharingBasis",
    "Team",
    "TeamMember",
    "TeamMembership",
    "User",
    "UserRole",
    "UserSession",
    "WithheldPerson",
    "metadata",
]
