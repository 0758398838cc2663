"""The sign-in throttle on its own: its memory stays bounded, parallel guesses count at
once, an IPv6 client counts by its /64; and the origins a deployment adds."""

from __future__ import annotations

import pytest

from contactcenter.config.files import ConfigError
from contactcenter.config.settings import load_settings
from contactcenter.web import throttle
from contactcenter.web.origins import parse_origin
from contactcenter.web.throttle import (
    ADDRESS_LIMIT,
    USER_LIMIT,
    USER_WIDE_LIMIT,
    WINDOW,
    LoginThrottle,
    Refused,
    address_key,
)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_guesses_in_flight_count_before_any_answer() -> None:
    gate = LoginThrottle(clock=Clock())
    for _ in range(USER_LIMIT):  # all started, none answered yet
        gate.begin("admin", "192.0.2.1")
    with pytest.raises(Refused) as refused:
        gate.begin("admin", "192.0.2.1")
    assert refused.value.retry_after == WINDOW
    assert "for this user from this address" in refused.value.reason


def test_guesses_from_elsewhere_do_not_lock_the_user_out_of_their_own_address() -> None:
    gate = LoginThrottle(clock=Clock())
    for _ in range(3 * USER_LIMIT):
        try:
            gate.begin("admin", "198.51.100.9")
        except Refused:
            pass
    gate.succeeded(gate.begin("admin", "192.0.2.1"))  # the user at their own desk


def test_guesses_spread_over_many_addresses_are_refused_for_the_user() -> None:
    gate = LoginThrottle(clock=Clock())
    for n in range(USER_WIDE_LIMIT):
        gate.begin("admin", f"192.0.2.{n % 250}")
    with pytest.raises(Refused, match="for this user:"):
        gate.begin("admin", "203.0.113.1")
    gate.begin("agent101", "203.0.113.1")  # another user from that address still may


def test_a_success_gives_back_its_own_entry_only() -> None:
    gate = LoginThrottle(clock=Clock())
    for n in range(ADDRESS_LIMIT - 1):
        gate.begin(f"user{n}", "192.0.2.1")
    gate.succeeded(gate.begin("admin", "192.0.2.1"))  # the address is not cleared
    with pytest.raises(Refused, match="from this address"):
        gate.begin("admin", "192.0.2.1")
        gate.begin("admin", "192.0.2.1")


def test_the_count_ages_out_and_old_keys_are_dropped() -> None:
    clock = Clock()
    gate = LoginThrottle(clock=clock)
    for n in range(1000):
        gate.begin(f"user{n}", f"192.0.2.{n % 200}")
    assert (len(gate.pairs), len(gate.users), len(gate.addresses)) == (1000, 1000, 200)
    clock.now += WINDOW + 1
    gate.begin("late", "198.51.100.7")
    assert (len(gate.pairs), len(gate.users), len(gate.addresses)) == (1, 1, 1)


def test_memory_stays_bounded_under_a_spray_of_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttle, "MAX_KEYS", 100)
    gate = LoginThrottle(clock=Clock(), address_limit=10**9)
    for n in range(1000):
        gate.begin(f"user{n}", "192.0.2.1")
    assert len(gate.users) == 100


@pytest.mark.parametrize("address, key", [
    ("192.0.2.1", "192.0.2.1"),
    ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
    ("::ffff:192.0.2.1", "192.0.2.1"),
    (None, "unknown"),
])
def test_an_address_is_counted_by_what_one_client_holds(address: str | None, key: str) -> None:
    assert address_key(address) == key


def test_allowed_origins_come_from_the_environment_comma_separated() -> None:
    settings = load_settings(None, environ={
        "CC_ALLOWED_ORIGINS": "https://cc.example.com, http://10.0.0.5:8080/"})
    assert settings.allowed_origins == ["https://cc.example.com", "http://10.0.0.5:8080"]
    assert [parse_origin(o) for o in settings.allowed_origins] == [
        ("https", "cc.example.com", 443), ("http", "10.0.0.5", 8080)]
    assert load_settings(None, environ={}).allowed_origins == []


@pytest.mark.parametrize("wrong", ["cc.example.com", "https://cc.example.com/agent",
                                   "ftp://cc.example.com", "https://cc.example.com:99999"])
def test_a_wrong_origin_stops_the_start_naming_the_variable(wrong: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(None, environ={"CC_ALLOWED_ORIGINS": wrong})
    assert "CC_ALLOWED_ORIGINS" in str(error.value)


def test_guesses_spread_over_many_addresses_spare_the_users_own_desk() -> None:
    clock = Clock()
    gate = LoginThrottle(clock=clock)
    gate.succeeded(gate.begin("admin", "192.0.2.1"))  # where the user works
    clock.now += 3600
    for n in range(USER_WIDE_LIMIT):
        gate.begin("admin", f"198.51.100.{n % 250}")
    with pytest.raises(Refused, match="for this user:"):
        gate.begin("admin", "203.0.113.1")
    gate.succeeded(gate.begin("admin", "192.0.2.1"))  # the own desk still signs in
