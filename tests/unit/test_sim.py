"""The simulator: hand-worked scenarios, a misbehaving core, and Erlang A on a long run.

The scenarios run over two cores with the same interface: the real ACD (one queue,
``longest_idle``) and the first-come-first-served stand-in in ``sim_standin.py``, so a
failure says whether the driver or the core is at fault.
"""

from __future__ import annotations

import argparse
import io
import math
from collections.abc import Callable, Sequence

import pytest

from contactcenter.acd import (
    Acd,
    AcdCommand,
    AcdConfig,
    AcdEvent,
    AgentConfig,
    AgentId,
    CallJoined,
    ConnectCall,
    OfferAnswered,
    OfferCall,
    Overflow,
    QueueConfig,
)
from contactcenter.acd.model import OverflowKind
from contactcenter.telephony.sim import (
    AcdCore,
    Caller,
    Floor,
    SimError,
    SimResult,
    Simulator,
    Traffic,
    erlang_prediction,
    real_acd,
    run_simulation,
)
from contactcenter.telephony.sim.__main__ import add_arguments, main, run_from_args
from tests.unit.sim_standin import FifoAcd

Run = Callable[..., SimResult]
CORES: dict[str, Callable[[Floor, float], AcdCore]] = {
    "real": lambda floor, wrap_up: real_acd(floor, wrap_up=wrap_up),
    "standin": lambda floor, wrap_up: FifoAcd(wrap_up=wrap_up),
}


@pytest.fixture(params=sorted(CORES))
def run(request: pytest.FixtureRequest) -> Run:
    make = CORES[request.param]

    def go(floor: Floor, callers: Sequence[Caller], wrap_up: float = 0.0) -> SimResult:
        return Simulator(make(floor, wrap_up), floor, callers).run()

    return go


def test_a_caller_behind_a_busy_agent_waits_for_the_call_ahead(run: Run) -> None:
    result = run(Floor(agents=1, target=20.0), [Caller(at=0.0, handle=100.0),
                                                 Caller(at=10.0, handle=50.0)])
    assert (result.offered, result.answered, result.abandoned) == (2, 2, 0)
    assert result.asa == pytest.approx(45.0)  # waits of 0 and 90 s
    assert result.service_level == pytest.approx(0.5)
    assert result.end_time == pytest.approx(150.0)
    assert result.occupancy == pytest.approx(1.0)  # talking all the time calls arrived


def test_abandons_and_short_abandons_count_as_agreed(run: Run) -> None:
    callers = [
        Caller(at=0.0, handle=100.0),  # answered at once
        Caller(at=10.0, handle=10.0, patience=30.0),  # gives up at 40
        Caller(at=20.0, handle=10.0, patience=3.0),  # gives up at 23: a short abandon
        Caller(at=30.0, handle=10.0),  # answered at 100, after 70 s
    ]
    result = run(Floor(agents=1, target=20.0, short_abandon=5.0), callers)
    assert (result.answered, result.abandoned, result.short_abandons) == (2, 2, 1)
    assert result.service_level == pytest.approx(1 / 4)
    assert result.service_level_excluding_short == pytest.approx(1 / 3)
    assert result.abandon_rate == pytest.approx(0.5)
    assert result.asa == pytest.approx(35.0)
    assert result.end_time == pytest.approx(110.0)


def test_a_caller_who_hangs_up_while_the_agent_rings_is_not_connected(run: Run) -> None:
    callers = [
        Caller(at=0.0, handle=10.0),  # rings 4 s, answered at 4
        Caller(at=50.0, handle=10.0, patience=2.0),  # leaves at 52, mid-ring
        Caller(at=60.0, handle=5.0),  # the same agent answers at 64
    ]
    result = run(Floor(agents=1, answer_delay=4.0), callers)
    assert (result.answered, result.abandoned) == (2, 1)
    assert result.asa == pytest.approx(4.0)
    assert result.commands["offer"] == 3
    assert result.commands["cancel"] == 1
    assert result.commands["connect"] == 2
    assert result.end_time == pytest.approx(69.0)


def test_the_cores_wrap_up_keeps_the_next_caller_waiting(run: Run) -> None:
    callers = [Caller(at=0.0, handle=20.0), Caller(at=5.0, handle=20.0)]
    result = run(Floor(agents=1), callers, wrap_up=10.0)
    assert result.asa == pytest.approx(12.5)  # the second waits 20 - 5 + 10 = 25 s


def test_two_agents_take_two_callers_at_once(run: Run) -> None:
    callers = [Caller(at=0.0, handle=30.0), Caller(at=1.0, handle=30.0),
               Caller(at=2.0, handle=30.0)]
    result = run(Floor(agents=2, target=20.0), callers)
    assert result.asa == pytest.approx(28.0 / 3)  # the third waits for the first to end
    assert result.service_level == pytest.approx(2 / 3)


def test_the_warmup_is_left_out_of_the_figures(run: Run) -> None:
    callers = [Caller(at=float(n), handle=0.5) for n in range(10)]
    result = run(Floor(agents=1, warmup=4), callers)
    assert (result.offered, result.answered, result.service_level) == (6, 6, 1.0)


def test_a_seed_replays_a_run_and_another_seed_does_not() -> None:
    def once(seed: int) -> SimResult:
        traffic = Traffic(arrival_rate=8 / 180, aht=180.0, patience=30.0, calls=2000, seed=seed)
        return run_simulation(traffic, Floor(agents=10))

    assert once(7) == once(7)
    assert once(7) != once(8)


def test_the_cores_own_figures_match_what_the_callers_saw() -> None:
    # the supervisor's view (the core's queue statistics) against the callers' experience
    traffic = Traffic(arrival_rate=9 / 180, aht=180.0, patience=60.0, calls=5000, seed=3)
    floor = Floor(agents=10, target=20.0, short_abandon=5.0)
    core = real_acd(floor)
    result = run_simulation(traffic, floor, core=core)
    stats = core.queue_stats(result.end_time)[floor.queue]
    assert (stats.offered, stats.answered, stats.abandoned) == (
        result.offered, result.answered, result.abandoned)
    assert stats.waiting == 0
    assert stats.service_level == pytest.approx(result.service_level_excluding_short)
    assert stats.average_speed_of_answer == pytest.approx(result.asa)


def overflowing(floor: Floor, kind: OverflowKind) -> Acd:
    queue = QueueConfig(name=floor.queue, wrap_up=0.0, max_wait=30.0,
                        overflow=Overflow(kind, "vm" if kind == "voicemail" else None))
    agents = {a: AgentConfig(id=a, queues={floor.queue: 1}) for a in floor.agent_ids()}
    return Acd(AcdConfig(queues={floor.queue: queue}, agents=agents))


def test_a_call_the_core_sends_to_voicemail_leaves_the_run() -> None:
    floor = Floor(agents=1)
    callers = [Caller(at=0.0, handle=100.0), Caller(at=10.0, handle=10.0)]
    result = Simulator(overflowing(floor, "voicemail"), floor, callers).run()
    assert (result.answered, result.overflowed, result.abandoned) == (1, 1, 0)
    assert result.commands["overflow:voicemail"] == 1
    assert result.service_level == pytest.approx(0.5)
    with pytest.raises(SimError, match="callbacks are not simulated"):
        Simulator(overflowing(floor, "callback"), floor, callers).run()


# -- cores that misbehave -------------------------------------------------------------------


class Deaf:
    """A core that never offers a call."""

    def handle(self, event: AcdEvent, now: float) -> list[AcdCommand]:
        return []

    def handle_timer(self, now: float) -> list[AcdCommand]:
        return []

    def next_deadline(self) -> float | None:
        return None


class Greedy(Deaf):
    """Offers every call to the first agent, busy or not."""

    def handle(self, event: AcdEvent, now: float) -> list[AcdCommand]:
        match event:
            case CallJoined(call_id=call):
                return [OfferCall(call_id=call, agent=AgentId("a001"), ring_timeout=15.0)]
            case OfferAnswered(call_id=call, agent=agent):
                return [ConnectCall(call_id=call, agent=agent)]
        return []


class Stuck(Deaf):
    """Its timer is always due and never moves on."""

    def next_deadline(self) -> float | None:
        return 0.0


def test_calls_nobody_offers_end_as_unfinished_or_abandoned() -> None:
    floor = Floor(agents=2)
    patient = Simulator(Deaf(), floor, [Caller(at=1.0, handle=5.0)] * 3).run()
    assert (patient.offered, patient.unfinished, patient.answered) == (3, 3, 0)
    hasty = Simulator(Deaf(), floor, [Caller(at=1.0, handle=5.0, patience=9.0)] * 3).run()
    assert (hasty.abandoned, hasty.unfinished, hasty.end_time) == (3, 0, 10.0)
    assert math.isnan(hasty.asa)


def test_a_core_that_gives_one_agent_two_calls_stops_the_run() -> None:
    callers = [Caller(at=0.0, handle=60.0), Caller(at=10.0, handle=60.0)]
    with pytest.raises(SimError, match="a001 connected to c000002 while on c000001"):
        Simulator(Greedy(), Floor(agents=2), callers).run()


def test_a_core_whose_timer_never_moves_on_stops_the_run() -> None:
    with pytest.raises(SimError, match="deadline"):
        Simulator(Stuck(), Floor(agents=1), [Caller(at=1.0, handle=1.0)]).run()


def test_callers_out_of_order_are_refused() -> None:
    callers = [Caller(at=5.0, handle=1.0), Caller(at=4.0, handle=1.0)]
    with pytest.raises(ValueError, match="out of order"):
        Simulator(FifoAcd(), Floor(agents=1), callers).run()


# -- against Erlang A -----------------------------------------------------------------------


def test_the_real_core_meets_erlang_a_on_a_long_run() -> None:
    # 8 Erlangs on 10 agents, 30 s mean patience: about 9 % abandon, 88 % within 20 s.
    # Over ten seeds the service level of 100,000 calls had a standard deviation of 0.26
    # points, so the 2-point band is seven and more of those; the seed fixes the run.
    traffic = Traffic(arrival_rate=8 / 180, aht=180.0, patience=30.0, calls=100_000, seed=1)
    floor = Floor(agents=10, target=20.0, short_abandon=5.0, warmup=1000)
    result = run_simulation(traffic, floor)
    model = erlang_prediction(traffic, floor)
    assert model is not None
    assert result.service_level == pytest.approx(model.service_level(20.0), abs=0.02)
    excluding = model.service_level_excluding(20.0, 5.0)
    assert result.service_level_excluding_short == pytest.approx(excluding, abs=0.02)
    assert result.abandon_rate == pytest.approx(model.p_abandon, abs=0.01)
    assert result.asa == pytest.approx(model.asa, rel=0.15)
    busy = model.traffic * (1 - model.p_abandon) / model.agents
    assert result.occupancy == pytest.approx(busy, abs=0.02)


# -- the command line -----------------------------------------------------------------------


def test_the_command_prints_the_run_next_to_erlang_a(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--agents", "3", "--calls-per-hour", "40", "--calls", "300", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert "2.00 Erlangs on 3 agents" in out
    assert "sim      offered 270," in out  # a tenth of the calls warm the queue up
    assert "Erlang A service level" in out


def test_the_command_refuses_a_run_without_agents(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--agents", "0"]) == 2
    assert "agents must be at least 1" in capsys.readouterr().err


def test_the_command_without_patience_gives_no_erlang_a() -> None:
    out = io.StringIO()
    parser = argparse.ArgumentParser(prog="contactcenter simulate")
    add_arguments(parser)
    assert run_from_args(parser.parse_args(["--patience", "0", "--calls", "200"]), out) == 0
    assert "abandoned 0" in out.getvalue()
    assert "Erlang A" not in out.getvalue()
