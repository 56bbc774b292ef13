"""When the clinic sees patients: Monday to Saturday, 08:00 to 18:00."""

from datetime import datetime, time

OPENS, CLOSES = time(8, 0), time(18, 0)
SUNDAY = 6


def is_open(starts_at: datetime, ends_at: datetime) -> bool:
    """Whether an appointment lies within one day's opening hours (it may end at closing)."""
    return (starts_at.weekday() != SUNDAY and starts_at.date() == ends_at.date()
            and starts_at.time() >= OPENS and ends_at.time() <= CLOSES)
