"""Who may do what in the exchange.

Business systems call the data APIs with tokens of scope "exchange" (and may file requests and
objections with it); people act through the pages and the API with their roles. Administrators
manage the exchange (coordination, compliance, limits) but do not read data: least privilege.
Row-level rules (own department only, live grant) are in the service functions.
"""

from govshare.core.auth import Role, Rule, rule

P, S, A = Role.PLATFORM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN
OFFICER, REVIEWER, CONSUMER = Role.DATA_OFFICER, Role.REVIEWER, Role.CONSUMER
DEPARTMENT = (OFFICER, REVIEWER, CONSUMER)

ACTIONS: dict[str, Rule] = {
    "exchange.read": rule(P, A, *DEPARTMENT, scope="exchange",
                          description="see own department's requests, grants, subscriptions, statistics"),
    "exchange.request": rule(OFFICER, CONSUMER, scope="exchange.request",
                             description="ask for a resource or raise it for coordination"),
    "exchange.review": rule(P, OFFICER, REVIEWER,
                            description="answer requests to own department; the authority coordinates"),
    "exchange.grant.revoke": rule(P, OFFICER, REVIEWER, description="revoke a grant at once"),
    "exchange.load": rule(P, OFFICER, scope="exchange.load",
                          description="configure and load own department's datasets"),
    "exchange.query": rule(OFFICER, CONSUMER, scope="exchange", description="query granted data"),
    "exchange.verify": rule(OFFICER, CONSUMER, scope="exchange", description="verify values (核验)"),
    "exchange.download": rule(OFFICER, CONSUMER, scope="exchange", description="download granted data"),
    "exchange.feed": rule(OFFICER, CONSUMER, scope="exchange", description="read the change feed"),
    "exchange.call": rule(OFFICER, CONSUMER, scope="exchange", description="call an interface resource"),
    "exchange.subscribe": rule(OFFICER, CONSUMER, scope="exchange", description="manage webhook subscriptions"),
    "exchange.object": rule(OFFICER, CONSUMER, scope="exchange", description="raise an objection (疑义)"),
    "exchange.object.answer": rule(P, OFFICER, description="correct or explain an objection"),
    "exchange.limits": rule(P, S, description="set per-client rate and row limits"),
    "exchange.stats": rule(P, A, *DEPARTMENT, scope="exchange", description="call statistics"),
}
