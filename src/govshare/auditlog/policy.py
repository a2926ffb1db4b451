"""The audit administrator reads; nobody changes anything (三员分立)."""

from govshare.core.auth import Role, Rule, rule

A, S = Role.AUDIT_ADMIN, Role.SECURITY_ADMIN

ACTIONS: dict[str, Rule] = {
    "audit.read": rule(A, description="search the audit log"),
    "audit.export": rule(A, description="export the audit log"),
    "audit.verify": rule(A, S, description="verify the audit hash chain"),
}
