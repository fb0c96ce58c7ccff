"""All models, imported here so that Alembic sees every table."""

from webapp.models.audit import AuditEvent
from webapp.models.auth import AuthSession, SetupToken
from webapp.models.places import Building, Estate, PublicArea, Unit
from webapp.models.users import ROLES, STAFF_ROLES, EstateMembership, Role, UnitOwnership, User

__all__ = [
    "ROLES",
    "STAFF_ROLES",
    "AuditEvent",
    "AuthSession",
    "Building",
    "Estate",
    "EstateMembership",
    "PublicArea",
    "Role",
    "SetupToken",
    "Unit",
    "UnitOwnership",
    "User",
]
