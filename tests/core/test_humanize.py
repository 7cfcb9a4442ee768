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
