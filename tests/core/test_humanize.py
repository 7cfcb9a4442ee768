from explorer.core.humanize import format_duration


def test_seconds_round_to_the_nearest_whole_second():
    assert format_duration(0) == "0 s"
    assert format_duration(4.4) == "4 s"
    assert format_duration(4.6) == "5 s"
    assert format_duration(59.4) == "59 s"


def test_minutes_then_hours_with_two_digit_remainders():
    assert format_duration(59.6) == "1 min 00 s"
    assert format_duration(125) == "2 min 05 s"
    assert format_duration(3599) == "59 min 59 s"
    assert format_duration(3600) == "1 h 00 min"
    assert format_duration(3725) == "1 h 02 min"
    assert format_duration(90_061) == "25 h 01 min"


def test_unknown_and_negative_durations():
    assert format_duration(None) == "unknown"
    assert format_duration(None, unknown="?") == "?"
    assert format_duration(-3) == "0 s"  # a clock step backwards is not a negative wait


def test_bytes_and_datetimes_read_easily() -> None:
    from explorer.core.humanize import human_bytes, local_datetime, looks_like_datetime

    assert human_bytes(999) == "999 B"
    assert human_bytes(8_000_000_000) == "8.0 GB"
    assert human_bytes(1_536_000) == "1.5 MB"
    assert looks_like_datetime("2026-08-01T14:03:00Z")
    assert not looks_like_datetime("WO-1007")
    assert not looks_like_datetime("2026-08-01")
    assert local_datetime("2026-08-01T14:03:00") == "2026-08-01 14:03"  # no zone: as written
    assert local_datetime("2026-08-01T14:03:07") == "2026-08-01 14:03:07"
    assert local_datetime("not a date at all") is None


def test_a_utc_time_is_shown_in_the_local_zone(monkeypatch) -> None:
    import time

    from explorer.core.humanize import local_datetime

    monkeypatch.setenv("TZ", "America/Toronto")
    time.tzset()
    try:
        assert local_datetime("2026-08-01T14:03:00Z") == "2026-08-01 10:03"  # EDT, UTC-4
        assert local_datetime("2026-08-01T14:03:00+02:00") == "2026-08-01 08:03"
    finally:
        monkeypatch.undo()
        time.tzset()
