"""Queue tickets handed out at the front desk, in check-in order."""

from __future__ import annotations

from itertools import count


class TicketDispenser:
    def __init__(self) -> None:
        self._numbers = count(1)

    def next_ticket(self) -> int:
        return next(self._numbers)
