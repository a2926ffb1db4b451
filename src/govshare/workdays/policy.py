"""Everyone can ask for a deadline; only the authority enters the State Council's notice."""

from govshare.core.auth import ANY_USER, Role, Rule, rule

ACTIONS: dict[str, Rule] = {
    "workdays.read": Rule(ANY_USER, "directory", "working-day calendar and deadlines"),
    "workdays.write": rule(Role.PLATFORM_ADMIN, description="enter a year's holiday notice"),
}
