"""The council's "today" is the date in England, whatever the UTC clock says."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from casework import db


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 7, 1, 23, 30, tzinfo=UTC), date(2026, 7, 2)),  # 00:30 British Summer Time
        (datetime(2026, 7, 1, 22, 59, tzinfo=UTC), date(2026, 7, 1)),
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), date(2026, 12, 31)),  # Greenwich Mean Time
    ],
)
def test_today_is_the_date_in_england(monkeypatch: pytest.MonkeyPatch, now: datetime, expected: date) -> None:
    monkeypatch.setattr(db, "utcnow", lambda: now)
    assert db.today() == expected
