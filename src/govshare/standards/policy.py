"""Who may read and change the data-standards registry."""

from govshare.core.auth import ANY_USER, Role, Rule, rule

ACTIONS: dict[str, Rule] = {
    "standards.read": Rule(ANY_USER, "standards", "read data elements and code tables"),
    "standards.write": rule(Role.PLATFORM_ADMIN, description="add or version data elements and code tables"),
}
