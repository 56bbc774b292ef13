"""The insurer's plan catalogue as the clinic holds it: read once at startup, the same for
every request until the service restarts."""

from collections.abc import Iterable, Iterator

from app.domain.errors import InsurerFailed
from app.infra.insurer import Plan


class PlanCatalog:
    def __init__(self, plans: Iterable[Plan]) -> None:
        self._plans = {plan.code: plan for plan in plans}

    def __iter__(self) -> Iterator[Plan]:
        return iter(self._plans.values())  # in the insurer's order

    def __len__(self) -> int:
        return len(self._plans)

    def plan(self, code: str) -> Plan:
        """The plan with this code; a code the catalogue does not list is the insurer's
        mistake, not the patient's."""
        try:
            return self._plans[code]
        except KeyError:
            raise InsurerFailed(f"the insurer named plan {code}, which its catalogue "
                                "does not list") from None
