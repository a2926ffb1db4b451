"""Who may do what on the admin side of the portal. The public side needs no log-in: its
routes are marked `public` and everything they show passes visibility.open_clause."""

from govshare.core.auth import Role, Rule, rule

P, A = Role.PLATFORM_ADMIN, Role.AUDIT_ADMIN
OFFICER, REVIEWER = Role.DATA_OFFICER, Role.REVIEWER

ACTIONS: dict[str, Rule] = {
    "opendata.admin": rule(
        P, description="feature datasets, de-identify items, answer data requests and error reports"
    ),
    "opendata.stats": rule(P, A, description="see the portal's usage statistics"),
    "opendata.requests": rule(
        OFFICER, REVIEWER, description="see and answer the public's data requests routed to one's own department"
    ),
}
