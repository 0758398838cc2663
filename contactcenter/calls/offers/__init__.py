"""Offers: agents' ring legs and the connection of a waiting caller, sans-I/O
(``states.py`` has the theory of operation, ``core.py`` the tables of transitions).
The engine's adapter is ``contactcenter.engine.distribution``."""

from contactcenter.calls.offers import commands, events
from contactcenter.calls.offers.core import Offers, OffersUsageError
from contactcenter.calls.offers.records import Caller, Leg, bridge_of, position_media
from contactcenter.calls.offers.states import RING_BACKSTOP, LegState

__all__ = ["RING_BACKSTOP", "Caller", "Leg", "LegState", "Offers", "OffersUsageError",
           "bridge_of", "commands", "events", "position_media"]
