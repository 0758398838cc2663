"""Agents' open lines in a campaign (``contactcenter.dialer.seats``): rung once, then
humans bridged in at once, wrap-up, pauses, and the line's end."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from contactcenter.dialer import events as de
from contactcenter.dialer import seats as s


def _told(commands: list[s.SeatCommand]) -> list[de.DialerEvent]:
    return [c.event for c in commands if isinstance(c, s.TellDialer)]


def _seated(seats: s.Seats, agent: str = "a1", now: float = 0.0) -> s.Seat:
    seats.handle(s.SeatAsked(agent=agent, endpoint=agent, leg=f"leg-{agent}"), now)
    seats.handle(s.SeatAnswered(leg=f"leg-{agent}"), now)
    seat = seats.seat(agent)
    assert seat is not None
    return seat


def test_an_agent_is_rung_once_and_ready_once_their_line_is_open() -> None:
    seats = s.Seats()
    rung = seats.handle(s.SeatAsked(agent="a1", endpoint="a1", leg="leg-a1"), 0.0)
    assert rung == [s.RingSeat(agent="a1", leg="leg-a1", endpoint="a1")]
    assert seats.handle(s.SeatAsked(agent="a1", endpoint="a1", leg="leg-2"), 0.0) == []
    opened = seats.handle(s.SeatAnswered(leg="leg-a1"), 1.0)
    assert s.OpenSeat(bridge="seat-leg-a1", leg="leg-a1") in opened
    assert _told(opened) == [de.AgentReady(agent="a1")]


def test_a_human_joins_the_agents_bridge_then_the_agent_wraps_up_and_is_ready() -> None:
    seats = s.Seats(wrap_up=5.0)
    seat = _seated(seats)
    given_ = seats.handle(s.HumanGiven(dial="d1", leg="h1", agent="a1"), 2.0)
    assert given_ == [s.BridgeHuman(dial="d1", bridge=seat.bridge, leg="h1")]
    assert seats.handle(s.HumanGiven(dial="d2", leg="h2", agent="a1"), 2.5) == [
        s.HumanNotBridged(dial="d2")]  # one human at a time
    assert _told(seats.handle(s.LegGone(leg="h1"), 10.0)) == [
        de.AgentWrappingUp(agent="a1")]
    assert seats.next_deadline() == 15.0
    assert _told(seats.handle_timer(15.0)) == [de.AgentReady(agent="a1")]


def test_the_agent_may_end_the_wrap_up_early_and_pause_between_calls() -> None:
    seats = s.Seats(wrap_up=60.0)
    _seated(seats)
    seats.handle(s.HumanGiven(dial="d1", leg="h1", agent="a1"), 1.0)
    seats.handle(s.LegGone(leg="h1"), 2.0)
    assert _told(seats.handle(s.AgentDone(agent="a1"), 3.0)) == [de.AgentReady(agent="a1")]
    paused = seats.handle(s.AgentBreak(agent="a1", paused=True, reason="lunch"), 4.0)
    assert _told(paused) == [de.AgentPaused(agent="a1", reason="lunch")]
    assert seats.handle(s.HumanGiven(dial="d2", leg="h2", agent="a1"), 5.0) == [
        s.HumanNotBridged(dial="d2")]
    back = seats.handle(s.AgentBreak(agent="a1", paused=False), 6.0)
    assert _told(back) == [de.AgentReady(agent="a1")]


def test_an_agent_who_hangs_up_mid_call_leaves_no_human_on_the_line() -> None:
    seats = s.Seats()
    seat = _seated(seats)
    seats.handle(s.HumanGiven(dial="d1", leg="h1", agent="a1"), 1.0)
    gone = seats.handle(s.LegGone(leg="leg-a1"), 2.0)
    assert s.HangUp(leg="h1") in gone and s.CloseSeat(bridge=seat.bridge) in gone
    assert _told(gone) == [de.AgentLoggedOut(agent="a1")]
    assert seats.legs() == set() and seats.seat("a1") is None


_MOVES = st.lists(st.tuples(
    st.sampled_from(["ask", "answer", "leave", "agent_gone", "give", "human_gone", "done",
                     "pause", "unpause", "tick"]),
    st.sampled_from(["a1", "a2"]), st.integers(0, 3)), max_size=40)


@given(_MOVES)
def test_a_seat_holds_one_human_at_most_and_every_human_is_answered(
        moves: list[tuple[str, str, int]]) -> None:
    seats, now, humans = s.Seats(wrap_up=2.0), 0.0, 0
    for move, agent, n in moves:
        now += 1.0
        leg, human = f"leg-{agent}", f"h-{agent}-{n}"
        events: dict[str, s.SeatEvent] = {
            "ask": s.SeatAsked(agent=agent, endpoint=agent, leg=leg),
            "answer": s.SeatAnswered(leg=leg), "leave": s.SeatLeft(agent=agent),
            "agent_gone": s.LegGone(leg=leg), "human_gone": s.LegGone(leg=human),
            "give": s.HumanGiven(dial=f"d{humans}", leg=human, agent=agent),
            "done": s.AgentDone(agent=agent),
            "pause": s.AgentBreak(agent=agent, paused=True),
            "unpause": s.AgentBreak(agent=agent, paused=False)}
        event = events.get(move)
        out = seats.handle_timer(now) if event is None else seats.handle(event, now)
        if move == "give":
            answers = [c for c in out if isinstance(c, s.BridgeHuman | s.HumanNotBridged)]
            assert len(answers) == 1  # bridged, or told it cannot be
            humans += 1
        for seat in seats.seats.values():
            assert (seat.state is s.SeatState.TALKING) == (seat.human_leg is not None)
