"""A simulated telephony platform: generated callers and agents in virtual time.

It drives the ACD core through its public interface only (``handle``, ``handle_timer``,
``next_deadline``), so a run exercises the same code the real platform does and measures
what a supervisor would: service level, abandons, speed of answer, occupancy. With Erlang
A's assumptions (Poisson arrivals, exponential handle times and patience) its figures can
be checked against ``contactcenter.acd.erlang``. ``python -m contactcenter.telephony.sim``
runs one from the command line.
"""

from contactcenter.telephony.sim.driver import AcdCore, SimError, Simulator
from contactcenter.telephony.sim.metrics import CallRecord, SimResult
from contactcenter.telephony.sim.run import erlang_prediction, real_acd, run_simulation
from contactcenter.telephony.sim.scenario import Caller, DayTraffic, Floor, Traffic

__all__ = [
    "AcdCore",
    "CallRecord",
    "Caller",
    "DayTraffic",
    "Floor",
    "SimError",
    "SimResult",
    "Simulator",
    "Traffic",
    "erlang_prediction",
    "real_acd",
    "run_simulation",
]
