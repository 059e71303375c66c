"""The two schedules of `portal.api.routes.SCHEDULES`, run in-process by `make run`.

Only the two expression forms the portal uses are understood: `rate(N minutes|hours)` and a daily
`cron(M H * * ? *)` evaluated in the schedule's time zone (so 04:00 America/Chicago stays 04:00 local
across daylight saving, exactly as EventBridge Scheduler does).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from portal.api.routes import SCHEDULES, Schedule

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours)\)$")
_DAILY_CRON = re.compile(r"^cron\((\d{1,2}) (\d{1,2}) \* \* \? \*\)$")


def next_run(schedule: Schedule, after: datetime) -> datetime:
    """The first firing strictly after `after` (an aware datetime), in UTC."""
    rate = _RATE.match(schedule.expression)
    if rate:
        step = timedelta(minutes=int(rate[1])) if rate[2].startswith("minute") else timedelta(hours=int(rate[1]))
        return after.astimezone(UTC) + step
    cron = _DAILY_CRON.match(schedule.expression)
    if not cron:
        raise ValueError(f"unsupported schedule expression {schedule.expression!r}")
    zone = ZoneInfo(schedule.timezone)
    local = after.astimezone(zone)
    candidate = local.replace(hour=int(cron[2]), minute=int(cron[1]), second=0, microsecond=0)
    if candidate <= local:
        candidate = (local + timedelta(days=1)).replace(hour=int(cron[2]), minute=int(cron[1]), second=0, microsecond=0)
    # Re-attach the zone so the UTC offset is the one in force on that day (DST changes between days).
    candidate = candidate.replace(tzinfo=None).replace(tzinfo=zone)
    return candidate.astimezone(UTC)


class Scheduler:
    def __init__(
        self,
        fire: Callable[[Schedule], None],
        schedules: tuple[Schedule, ...] = SCHEDULES,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.fire = fire
        self.schedules = schedules
        self.clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        now = clock()
        self.due = {s.name: next_run(s, now) for s in schedules}

    def start(self) -> Scheduler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            now = self.clock()
            for schedule in self.schedules:
                if now >= self.due[schedule.name]:
                    self.due[schedule.name] = next_run(schedule, now)
                    self.fire(schedule)
            self._stop.wait(1.0)
