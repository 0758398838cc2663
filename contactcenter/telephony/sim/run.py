"""A simulation run on the real ACD core: the config for it, and the figures to compare."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contactcenter.acd import Acd, AcdConfig, AgentConfig, QueueConfig
from contactcenter.acd.erlang import ErlangA, erlang_a
from contactcenter.telephony.sim.driver import AcdCore, Simulator
from contactcenter.telephony.sim.metrics import SimResult
from contactcenter.telephony.sim.scenario import Floor, Traffic


def real_acd(floor: Floor, *, strategy: str = "longest_idle", wrap_up: float = 0.0,
             ring_timeout: float = 15.0, skills: Mapping[str, int] | None = None,
             **settings: Any) -> Acd:
    """The ACD core with one queue and the floor's agents, all members at tier 1, each
    with ``skills`` (a flow that asks for a skill reaches only agents who have it);
    ``settings``: more of the queue's (``QueueConfig``: ``max_wait``, ``overflow``...).

    Wrap-up defaults to 0, the Erlang models' assumption; a queue's own default is 10 s.
    """
    queue = QueueConfig(name=floor.queue, strategy=strategy, wrap_up=wrap_up,
                        ring_timeout=ring_timeout, short_abandon=floor.short_abandon,
                        service_level_target=(0.8, floor.target), **settings)
    agents = {a: AgentConfig(id=a, queues={floor.queue: 1}, skills=dict(skills or {}))
              for a in floor.agent_ids()}
    return Acd(AcdConfig(queues={floor.queue: queue}, agents=agents))


def run_simulation(traffic: Traffic, floor: Floor, *, core: AcdCore | None = None,
                   strategy: str = "longest_idle", wrap_up: float = 0.0) -> SimResult:
    """Generate ``traffic``, run it through ``core`` (the real ACD by default), measure."""
    if core is None:
        core = real_acd(floor, strategy=strategy, wrap_up=wrap_up)
    return Simulator(core, floor, traffic.callers()).run()


def erlang_prediction(traffic: Traffic, floor: Floor, *, wrap_up: float = 0.0) -> ErlangA | None:
    """What Erlang A expects of this run; None when nobody abandons (see Erlang C then).

    The answer delay and wrap-up are added to the handle time, as staffing tools do: the
    agent is taken either way. Fixed times are not the exponential ones the model assumes,
    and the caller hears the ringing as waiting, so with either the figures drift apart.
    """
    if traffic.patience is None:
        return None
    aht = traffic.aht + wrap_up + floor.answer_delay
    return erlang_a(traffic.arrival_rate * aht, floor.agents, aht, traffic.patience)
