"""Roles and the permissions each grants; the :class:`Viewer` every use case receives.

Sensitivity (see ``docs/web.md``): identifying fields of persons (given and family name, date of
birth) are shown only to roles with ``identities``; on ``confidential`` and ``gbv`` records they
need ``sensitive_identities`` too, and the narrative of a ``gbv`` record is identifying as well
(GBVIMS: survivor identities are visible only to the roles that must see them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class UserRole(StrEnum):
    ADMIN = "admin"
    ANALYST = "analyst"
    DATA_ENTRY = "data_entry"
    COMMUNITY_MONITOR = "community_monitor"
    REGISTRY_OFFICER = "registry_officer"
    PUBLIC = "public"


class Permission(StrEnum):
    DASHBOARD = "dashboard"
    INDICATORS = "indicators"
    READ_RECORDS = "read_records"
    CREATE_RECORDS = "create_records"
    EDIT_RECORDS = "edit_records"
    IMPORT = "import"
    IDENTITIES = "identities"
    SENSITIVE_IDENTITIES = "sensitive_identities"
    EDIT_AREAS = "edit_areas"
    AUDIT = "audit"
    MANAGE_USERS = "manage_users"
    # small arms (issue 6): the registry is among the most sensitive data in the system
    WEAPONS = "weapons"
    """Read weapon records, their lifecycle, stockpiles, tracing and SDG 16.4.2."""
    EDIT_WEAPONS = "edit_weapons"
    """Register weapons, record lifecycle events, licences, stock counts and tracing requests."""
    WEAPON_OWNERS = "weapon_owners"
    """See owners' personal data and run "is this weapon registered and to whom" (audited)."""
    # community safety planning and citizen reports (issue 7)
    EDIT_PLANS = "edit_plans"
    """Write community safety assessments, plans, actions and progress updates."""
    VERIFY_REPORTS = "verify_reports"
    """Verify, reject or mark citizen reports as duplicates (and see reporters' contacts)."""
    PUBLISH_REPORTS = "publish_reports"
    """Publish verified citizen reports on public community pages."""
    # reconciliation (issue 5)
    RECONCILE = "reconcile"
    """Run reconciliation jobs and decide review pairs."""


P = Permission
ROLE_PERMISSIONS: dict[UserRole, frozenset[Permission]] = {
    UserRole.ADMIN: frozenset(Permission),
    UserRole.ANALYST: frozenset({P.DASHBOARD, P.INDICATORS, P.READ_RECORDS, P.CREATE_RECORDS,
                                 P.EDIT_RECORDS, P.IMPORT, P.IDENTITIES, P.EDIT_AREAS,
                                 P.WEAPONS, P.EDIT_PLANS, P.VERIFY_REPORTS, P.PUBLISH_REPORTS,
                                 P.RECONCILE}),
    # data entry imports the incident spreadsheets it holds, within its area scope (issue 13)
    UserRole.DATA_ENTRY: frozenset({P.DASHBOARD, P.INDICATORS, P.READ_RECORDS, P.CREATE_RECORDS,
                                    P.EDIT_RECORDS, P.IMPORT, P.IDENTITIES}),
    UserRole.COMMUNITY_MONITOR: frozenset({P.DASHBOARD, P.INDICATORS, P.READ_RECORDS,
                                           P.CREATE_RECORDS, P.EDIT_PLANS, P.VERIFY_REPORTS}),
    UserRole.REGISTRY_OFFICER: frozenset({P.DASHBOARD, P.INDICATORS, P.WEAPONS, P.EDIT_WEAPONS,
                                          P.WEAPON_OWNERS}),
    UserRole.PUBLIC: frozenset({P.DASHBOARD, P.INDICATORS}),
}

SENSITIVE_LEVELS = frozenset({"confidential", "gbv"})
"""Sensitivity levels whose persons need ``sensitive_identities`` to be identified."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """The person (or anonymous public visitor) on whose behalf a use case runs.

    ``area_id`` / ``area_code`` bind the viewer to one area's subtree (None: everywhere).
    ``public`` viewers get suppressed aggregates only.
    """

    username: str
    role: UserRole
    user_id: int | None = None
    area_id: int | None = None
    area_code: str | None = None
    language: str | None = None
    permissions: frozenset[Permission] = field(default_factory=frozenset)

    @classmethod
    def for_role(cls, username: str, role: UserRole | str, **kwargs: object) -> Viewer:
        role = UserRole(role)
        return cls(username=username, role=role, permissions=ROLE_PERMISSIONS[role],
                   **kwargs)  # type: ignore[arg-type]

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def public(self) -> bool:
        return self.role is UserRole.PUBLIC

    def sees_identities(self, sensitivity: str) -> bool:
        """Whether this viewer may see identifying fields of a record at ``sensitivity``."""
        if not self.can(P.IDENTITIES):
            return False
        return sensitivity not in SENSITIVE_LEVELS or self.can(P.SENSITIVE_IDENTITIES)

    def sees_narrative(self, sensitivity: str) -> bool:
        return sensitivity != "gbv" or self.sees_identities(sensitivity)


PUBLIC_VIEWER = Viewer.for_role("public", UserRole.PUBLIC)
SYSTEM_VIEWER = Viewer.for_role("system", UserRole.ADMIN)
