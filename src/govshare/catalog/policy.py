"""Who may do what in the catalog. Reading and searching the published catalog is open to every
account and to business systems holding a token of scope "catalog"."""

from govshare.core.auth import ANY_USER, Role, Rule, rule

P, A = Role.PLATFORM_ADMIN, Role.AUDIT_ADMIN
OFFICER, REVIEWER, CONSUMER = Role.DATA_OFFICER, Role.REVIEWER, Role.CONSUMER

ACTIONS: dict[str, Rule] = {
    "catalog.read": Rule(ANY_USER, "catalog", "search and read the published catalog"),
    "catalog.write": rule(P, OFFICER, description="compile entries: create, edit, submit, import"),
    "catalog.review": rule(P, description="review submitted entries: publish or return them"),
    "catalog.source_changed": rule(
        P, OFFICER, scope="catalog.write", description="report that a resource's source changed"
    ),
    "catalog.export": Rule(ANY_USER, "catalog", "export the published catalog (audited)"),
    "catalog.census": rule(
        P, A, OFFICER, REVIEWER, description="see and export the census (大普查)"
    ),
    "catalog.census.snapshot": rule(P, description="store a census snapshot (change over time)"),
    "catalog.dictionary": rule(P, description="edit the synonym and abbreviation dictionary"),
}
