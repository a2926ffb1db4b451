"""Who may check files and read quality reports."""

from govshare.core.auth import Role, Rule, rule

P, OFFICER, REVIEWER, AUDITOR = Role.PLATFORM_ADMIN, Role.DATA_OFFICER, Role.REVIEWER, Role.AUDIT_ADMIN

ACTIONS: dict[str, Rule] = {
    "quality.check": rule(P, OFFICER, scope="quality", description="check a file against a schema"),
    "quality.read": rule(P, OFFICER, REVIEWER, AUDITOR, scope="quality",
                         description="read quality reports and a resource's quality history"),
}
