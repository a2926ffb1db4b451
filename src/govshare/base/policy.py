"""Who may do what with the base libraries and certificates.

Data calls go through the exchange's grants (base resources are unconditional: a request is
granted at once); these rules only say who may ask at all. Issuing and revoking certificates
belongs to the issuing department's officers (checked row by row in the service). Verifying a
certificate by its identifier is public (`certificates.verify` routes use web.deps.public).
"""

from govshare.core.auth import ANY_USER, Role, Rule, rule

P, A = Role.PLATFORM_ADMIN, Role.AUDIT_ADMIN
OFFICER, REVIEWER, CONSUMER = Role.DATA_OFFICER, Role.REVIEWER, Role.CONSUMER

ACTIONS: dict[str, Rule] = {
    "base.read": Rule(ANY_USER, "exchange", "see the base libraries and certificate types"),
    "base.load": rule(P, OFFICER, scope="exchange.load", description="load a library's rows (lead department)"),
    "base.lookup": rule(
        OFFICER,
        CONSUMER,
        scope="exchange",
        description="verify a person, look up a legal person, credit records or a division",
    ),
    "base.certificate.issue": rule(
        P, OFFICER, scope="certificates.issue", description="issue certificates of own department's types"
    ),
    "base.certificate.revoke": rule(P, OFFICER, description="revoke a certificate own department issued"),
    "base.certificate.read": rule(
        OFFICER, CONSUMER, scope="exchange", description="list and fetch a holder's certificates under a grant"
    ),
}
