"""The time zones a person may choose for the back office."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache


@lru_cache(maxsize=1)
def time_zone_choices() -> tuple[str, ...]:
    """The time zones a person may choose (IANA names: "Europe/Warsaw"), sorted: the
    regional names of the system's zone database and "UTC", without the legacy aliases
    ("EST5EDT", "posix/...", "Etc/GMT+3") that mislead more than they help."""
    names = {name for name in zoneinfo.available_timezones()
             if "/" in name and not name.startswith(("Etc/", "posix/", "right/", "SystemV/"))
             and name[0].isupper()}
    return tuple(sorted(names | {"UTC"}))
