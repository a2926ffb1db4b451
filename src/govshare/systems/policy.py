"""Who may do what with information systems.

Department data officers register and report their own department's systems (census
returns, integration list progress, deferral requests); the data authority's platform
administrators run the audit and decide cases; everyone signed in may read, but outside the
authority only their own department's systems (row-level rule in inventory.visible_to).
Monitoring tools push metrics with a token of scope "metrics"."""

from govshare.core.auth import ANY_USER, Role, Rule, rule

P, A = Role.PLATFORM_ADMIN, Role.AUDIT_ADMIN
OFFICER, REVIEWER = Role.DATA_OFFICER, Role.REVIEWER

ACTIONS: dict[str, Rule] = {
    "systems.read": Rule(ANY_USER, "systems", "read the system inventory, findings and plans"),
    "systems.write": rule(
        P, OFFICER, description="register and edit systems; upload census returns"
    ),
    "systems.metrics": rule(P, OFFICER, scope="metrics", description="load or push usage metrics"),
    "systems.audit": rule(P, description="run the zombie audit; review census returns"),
    "systems.decide": rule(P, description="confirm or dismiss zombie cases, grant deferrals"),
    "systems.respond": rule(
        P, OFFICER, REVIEWER, description="ask for deferral; report retirement progress"
    ),
    "systems.plan": rule(P, OFFICER, description="edit integration lists and network migrations"),
    "systems.report": rule(
        P, A, OFFICER, REVIEWER, description="export inventory and audit reports"
    ),
}
