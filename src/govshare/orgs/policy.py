"""Who may do what in the directory."""

from govshare.core.auth import ANY_USER, Role, Rule, rule

P, S, A = Role.PLATFORM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN
OFFICER, CONSUMER = Role.DATA_OFFICER, Role.CONSUMER

ACTIONS: dict[str, Rule] = {
    "divisions.read": Rule(ANY_USER, "directory", "read administrative divisions"),
    "departments.read": Rule(ANY_USER, "directory", "read the department directory"),
    "departments.write": rule(P, description="create and edit departments"),
    "users.read": rule(P, S, description="list and read user accounts"),
    "users.write": rule(P, S, description="create, disable, unlock users, reset passwords"),
    "users.assign_roles": rule(P, S, description="grant and withdraw roles"),
    "clients.read": rule(P, S, OFFICER, CONSUMER, description="see API clients"),
    "clients.write": rule(P, OFFICER, description="register clients, issue and revoke tokens"),
    "node.keys.read": rule(P, S, A, description="see the node's signing-key history"),
    "tokens.revoke": rule(P, S, OFFICER, description="revoke an API token at once"),
}
