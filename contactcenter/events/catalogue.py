"""Every domain event the platform publishes, in one place: its type, when it happens,
its fields and their types.

The bus (``contactcenter.events.bus``) checks each event against this catalogue as it is
published: an event of a type the catalogue does not have is not sent to anyone
(it is logged, with ``UNCATALOGUED``), and one that lacks a field it must carry is
logged the same way. Under ``strict`` (the test suite) the fields' types are
checked too. ``docs/events.md``'s table is made from here (``markdown_table``)
and a test keeps the two the same.

Every event also has ``type`` and ``time`` (Unix seconds); the events of a call
(``call_id``) are kept, in order, with the call's record.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

#: the log line of an event outside the catalogue (the suite fails a test that logs one)
UNCATALOGUED = "event outside the catalogue: %s"

STR, INT, FLOAT, BOOL = (str,), (int,), (int, float), (bool,)
OPT_STR, OPT_FLOAT, OPT_INT = (str, type(None)), (int, float, type(None)), (int, type(None))
MAP, LIST, OPT_MAP = (dict,), (list,), (dict, type(None))
OPT_BOOL = (bool, type(None))
ANY: tuple[type, ...] = (object,)


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    types: tuple[type, ...]
    doc: str
    required: bool = True


def f(name: str, types: tuple[type, ...], doc: str = "", *, optional: bool = False) -> Field:
    return Field(name, types, doc, required=not optional)


@dataclass(frozen=True, slots=True)
class EventSpec:
    type: str
    when: str
    fields: tuple[Field, ...] = ()
    call: bool = True  #: carries ``call_id``: one of a call's events
    required: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        names = {item.name for item in self.fields if item.required}
        object.__setattr__(self, "required",
                           frozenset(names | {"type", "time"} | ({"call_id"} if self.call
                                                                  else set())))


_AGENT = f("agent", STR, "the agent")
_CAMPAIGN = f("campaign", STR, "the dialer campaign")
_DIAL = f("dial_id", STR, "the dial (its call record, once placed)")
_QUEUE = f("queue", STR, "the queue")
_OPT_AGENT = f("agent", OPT_STR, "the agent in charge of the call (none once they left)")
_ENGINE = f("engine", STR, "the engine carrying the call: `asterisk`, `twilio` or `sim`",
           optional=True)
#: a menu's choice or an input said instead of keyed (``speech: true``, on Twilio)
_SPOKEN = (f("said", STR, "the words, when spoken", optional=True),
           f("confidence", OPT_FLOAT, "the recognizer's, 0 to 1", optional=True))
#: a web visitor's call (docs/web-calls.md)
_WEB = f("web", OPT_MAP, "a web visitor's call: `target`, `page`, `origin` (the embedding "
         "site; empty for the help page), `email` as typed, its CRM `contact` (id, name, "
         "email, phone) or null, `grant`", optional=True)
_OPT_QUEUE = f("queue", OPT_STR, "the queue (none for a call an agent placed)")
#: when a message was left and assigned: whether it is its agents' under the holders
#: of those agent ids now (docs/voicemail.md)
_HELD = (f("left_at", OPT_STR, "when it was left (ISO 8601)", optional=True),
         f("assigned_at", OPT_STR, "when its assignee got it (ISO 8601)", optional=True))
_VOICEMAIL = (f("message", INT, "the message's id"), f("call", STR, "the call that left it"),
              f("mailbox", STR), f("queue", OPT_STR, "the queue whose box it is"),
              f("agent", OPT_STR, "the agent who has it, or whose box it is"),
              f("owner", OPT_STR, "the agent whose box it is", optional=True),
              f("assignee", OPT_STR, "the agent who has it", optional=True),
              *_HELD)
_MONITOR = (f("monitor_id", STR), f("mode", STR, "`listen`, `whisper` or `barge`"),
            f("supervisor", STR), f("endpoint", STR, "the supervisor's phone rung"),
            f("phone", STR), f("monitored_call", STR), f("monitored_agent", STR))

SPECS: tuple[EventSpec, ...] = (
    # -- a call in the IVR
    EventSpec("call.arrived", "a call reached the platform", (
        f("caller", STR), f("caller_name", STR), f("dialed", STR), f("flow", STR), _ENGINE,
        _WEB)),
    EventSpec("ivr.step", "the call entered an IVR node", (
        f("node", STR), f("node_type", STR))),
    EventSpec("ivr.lookup", "a data dip answered (or timed out)", (
        f("node", STR), f("kind", STR), f("key", STR), f("found", BOOL),
        f("timed_out", BOOL))),
    EventSpec("ivr.hours", "business hours were checked", (f("node", STR), f("open", BOOL))),
    EventSpec("ivr.digits", "a menu key or collected input", (
        f("node", STR), f("digits", STR), f("variable", OPT_STR, "input only", optional=True),
        *_SPOKEN)),
    EventSpec("ivr.invalid", "a key or input that is not accepted", (
        f("node", STR), f("digits", STR), f("attempt", INT), *_SPOKEN)),
    EventSpec("ivr.timeout", "no input in time", (f("node", STR), f("attempt", INT))),
    EventSpec("ivr.retry", "the menu or input is asked again", (
        f("node", STR), f("attempt", INT))),
    EventSpec("ivr.exit", "the IVR is done with the call", (
        f("kind", STR, "`queue`, `voicemail`, `callback`, `hangup`, `abandoned`"),
        f("target", OPT_STR), f("reason", OPT_STR), f("variables", MAP))),
    # -- a call in a queue
    EventSpec("call.queued", "the caller waits in a queue (again after an overflow to "
              "another queue)", (
        _QUEUE, f("priority", INT), f("skill", OPT_STR, optional=True), f("variables", MAP),
        f("callback", STR, "a callback's number", optional=True))),
    EventSpec("call.announced", "a waiting caller heard their position or the comfort "
              "message to the end", (
        f("kind", STR, "`position` or `comfort`"), f("started", FLOAT),
        f("position", INT, optional=True), f("expected_wait", OPT_FLOAT, optional=True))),
    EventSpec("call.offered", "the ACD rings an agent's phone for the call (or an agent "
              "places one)", (
        _OPT_QUEUE, _AGENT, f("direction", STR, "`outbound` for click-to-talk",
                              optional=True))),
    EventSpec("call.answered", "the agent answered; caller and agent are bridged", (
        _OPT_QUEUE, f("agent", STR, optional=True), f("wait", FLOAT))),
    EventSpec("call.abandoned", "the caller hung up while waiting or while a phone rang", (
        _QUEUE, f("wait", FLOAT), f("reason", STR), f("ringing", BOOL))),
    EventSpec("call.overflowed", "max wait or a full queue sent the call on", (
        _QUEUE, f("kind", STR), f("target", OPT_STR), f("reason", STR))),
    EventSpec("call.rejected", "the call asked for a queue the ACD does not have", (
        _QUEUE, f("reason", STR))),
    EventSpec("call.deferred", "the ACD set a callback's virtual caller aside (outside its "
              "customer's calling hours): out of line and of the queue's figures", (_QUEUE,)),
    EventSpec("call.recording", "a queue that records started recording the call (once "
              "for each agent who has it: a transferred call has a file per part)", (
        _QUEUE, f("agent", STR, "the agent who took the call in this part", optional=True),
        f("recording", STR, "the file's name"))),
    EventSpec("call.completed", "the talk ended; the agent goes to wrap-up", (
        _QUEUE, _AGENT, f("talk", FLOAT))),
    EventSpec("call.wrapped", "the agent's wrap-up of the call ended (after `call.ended`)", (
        _QUEUE, _AGENT, f("wrap", FLOAT, "seconds"))),
    EventSpec("voicemail.started", "a message is being recorded", (
        f("mailbox", OPT_STR), f("recording", STR))),
    EventSpec("voicemail.recorded", "a message was recorded", (
        f("mailbox", OPT_STR), f("recording", STR), f("duration", OPT_FLOAT),
        f("status", STR))),
    # -- the messages' lives (docs/voicemail.md): `queue` and `agent` say whose box
    EventSpec("voicemail.message", "a message is in its mailbox, the call that left it "
              "over", (*_VOICEMAIL, f("caller", STR), f("contact_id", OPT_INT),
                       f("duration", OPT_FLOAT)), call=False),
    EventSpec("voicemail.assigned", "a message was assigned to an agent, or taken by one",
              (*_VOICEMAIL, f("by", STR, "the user who did it")), call=False),
    EventSpec("voicemail.handled", "a message was marked handled", (
        *_VOICEMAIL, f("disposition", STR), f("by", STR)), call=False),
    EventSpec("voicemail.overdue", "a message waited unhandled past its box's age limit "
              "(once)", (*_VOICEMAIL, f("age", FLOAT, "seconds since it was left"),
                         f("limit", FLOAT)), call=False),
    EventSpec("voicemail.notice", "a message an agent's desktop lists changed: told to "
              "each agent who sees it (their queue's box, their box, assigned to them) "
              "other than the one the change's event names", (
        f("message", INT, "the message's id"), f("call", STR, "the call that left it"),
        f("mailbox", STR), f("queue", OPT_STR, "the queue whose box it is"),
        f("agent", STR, "the agent told"),
        f("owner", OPT_STR, "the agent whose box it is"),
        f("assignee", OPT_STR, "the agent who has it"), *_HELD,
        f("change", STR, "the change's event: `voicemail.message`, `voicemail.assigned`, "
          "`voicemail.handled` or `voicemail.overdue`"),
        f("status", STR, "`new`, `assigned` or `handled`")), call=False),
    # -- calls the platform places
    EventSpec("callback.requested", "the caller asked to be called back", (
        f("number", STR), f("queue", OPT_STR), f("variables", MAP))),
    EventSpec("callback.booked", "a customer booked a callback for a time slot "
              "(docs/callbacks.md)", (
        f("booking", STR, "the booking's id: the callback's call id at its time"),
        f("queue", STR), f("number", STR), f("start", FLOAT, "the slot, from"),
        f("end", FLOAT, "to"), f("source", STR, "`web`, `api` or `ivr`")), call=False),
    EventSpec("callback.changed", "a booked callback was moved or cancelled (by its "
              "customer through their link, or an admin), or orphaned at start (its queue "
              "left the config) or booked again (the queue is back)", (
        f("booking", STR, "the booking's id"), f("queue", STR), f("number", STR),
        f("state", STR, "its state now (docs/callbacks.md)"), f("start", FLOAT,
                                                                 "its slot, from"),
        f("end", FLOAT, "to"), f("change", STR, "`moved`, `cancelled`, `orphaned` or "
                                                "`booked`"),
        f("by", STR, "`customer`, `admin` or `config`"),
        f("reason", STR, "why, when the state does not say (an orphaned booking's queue)",
          optional=True)), call=False),
    EventSpec("callback.refused", "the calling rules refuse a callback (docs/outbound.md): "
              "nobody is called", (
        f("number", STR), f("rule", STR), f("reason", STR), f("source", STR),
        f("asked_by", OPT_STR))),
    EventSpec("callback.deferred", "a callback may not be dialed before `until` (the "
              "callee's calling window opens)", (
        f("number", STR), f("until", FLOAT), f("reason", STR), f("source", STR))),
    EventSpec("callback.withdrawn", "a callback reached an agent but nobody can be called "
              "(no outbound peer, a number that cannot be dialed)", (
        _AGENT, f("number", OPT_STR), f("reason", STR))),
    EventSpec("call.dialed", "the platform calls a customer (a callback's attempt, "
              "click-to-talk): the start of an outbound record", (
        f("caller", STR), f("dialed", STR), f("direction", STR), _OPT_QUEUE,
        f("agent", STR, optional=True),
        f("origin", STR, "the call that asked for the callback", optional=True),
        f("campaign", STR, "a campaign's dial: the campaign", optional=True),
        f("attempt", INT, "a campaign's dial: the record's attempt", optional=True),
        f("record_id", STR, "a campaign's dial: the list record", optional=True),
        f("caller_id", STR, "a campaign's dial: the number shown to the callee",
          optional=True),
        f("script", OPT_STR, "a campaign's dial: the call script it names", optional=True),
        _ENGINE)),
    EventSpec("callback.connected", "the customer called back answered and is bridged with "
              "the agent", (f("number", STR), f("agent", STR, optional=True))),
    EventSpec("call.refused", "a call a user asked for (click-to-talk) that the calling "
              "rules refused: the start of its own outbound record", (
        f("number", STR), f("rule", STR), f("reason", STR), f("source", STR),
        f("asked_by", OPT_STR))),
    # -- supervisors on a call
    EventSpec("call.monitor", "a supervisor asked to listen, whisper or barge: their phone "
              "rings", _MONITOR),
    EventSpec("call.monitor.started", "the supervisor's phone answered: they are on the "
              "call", _MONITOR),
    EventSpec("call.monitor.ended", "the monitoring session ended", (
        *_MONITOR, f("started", OPT_FLOAT))),
    # -- the agent in control of the call (contactcenter.calls.control)
    EventSpec("call.held", "the agent put the caller on hold: out of the bridge, hearing "
              "music", (_OPT_AGENT,)),
    EventSpec("call.retrieved", "the caller is back with the agent after a hold", (
        _OPT_AGENT, f("held", FLOAT, "seconds this hold lasted"))),
    EventSpec("call.muted", "the agent's microphone went off (or on again)", (
        _OPT_AGENT, f("muted", BOOL))),
    EventSpec("call.transferred", "the caller was handed to someone else: blind (at the "
              "agent's request) or attended (the consulted party took over)", (
        _OPT_AGENT, f("kind", STR, "`blind` or `attended`"),
        f("to_kind", STR, "`agent`, `queue`, `number` or `phone`"), f("to", STR))),
    EventSpec("call.requeued", "the caller went back to a queue (a transfer, or their agent "
              "left them on hold)", (
        _OPT_AGENT, _QUEUE, f("to_agent", OPT_STR, "the agent it rings first"),
        f("held_total", FLOAT))),
    EventSpec("call.transfer_answered", "the outside party of a blind transfer answered and "
              "talks with the caller", (_OPT_AGENT, f("to_kind", STR), f("to", STR))),
    EventSpec("call.transfer_refused", "the calling rules refused a transfer to an outside "
              "number: nothing rang, the call is as it was", (
        _OPT_AGENT, f("number", STR), f("rule", STR), f("reason", STR))),
    EventSpec("call.transfer_failed", "nobody answered a blind transfer: the caller goes "
              "back to the queue", (_OPT_AGENT, f("to", STR), f("cause", STR))),
    EventSpec("call.consulting", "the agent put the caller on hold to consult someone, whose "
              "phone rings", (_OPT_AGENT, f("to_kind", STR), f("to", STR))),
    EventSpec("call.consult_answered", "the consulted party answered and talks with the "
              "agent", (_OPT_AGENT, f("to_kind", STR), f("to", STR))),
    EventSpec("call.consult_ended", "the consultation ended without a transfer", (
        _OPT_AGENT, f("to", STR), f("reason", STR, "`cancelled`, `no_answer`, `hung_up`, "
                                                   "`agent_left`"))),
    EventSpec("call.conference", "the caller, the agent and the consulted party talk "
              "together", (_OPT_AGENT, f("to_kind", STR), f("to", STR))),
    EventSpec("call.party_left", "a party left the call (an agent's part ended, a third "
              "party hung up)", (
        _OPT_AGENT, f("role", STR, "`caller`, `agent`, `consulted`, `outside`"),
        f("who", STR), f("talked", FLOAT, "seconds since they joined"))),
    EventSpec("call.control_ended", "the call with its agent(s) ended: the hold time and who "
              "handled it", (
        _OPT_AGENT, f("held_total", FLOAT), f("handled_by", LIST))),
    # -- the end of a call
    EventSpec("call.resumed", "the app restarted and picked the call up again", (
        f("state", STR), f("caller", STR), f("dialed", STR),
        f("flow", STR, optional=True), _ENGINE)),
    EventSpec("call.error", "the platform failed on the call (it is hung up)", (
        f("state", STR),)),
    EventSpec("call.ended", "the call is over", (
        f("cause", STR), f("outcome", OPT_STR), f("duration", OPT_FLOAT),
        f("agent", STR, optional=True))),
    # -- the desktop
    EventSpec("screen.pop", "the call was offered to an agent: what their desktop shows "
              "(not kept with the call's record)", (
        _AGENT, _OPT_QUEUE, f("caller", STR), f("direction", STR), f("customer", OPT_MAP),
        f("lookup", STR), f("ivr", MAP), f("wait", FLOAT), f("script", OPT_MAP),
        f("dispositions", LIST),
        f("handled_before", LIST, "the agents who had the call before a transfer: agent, "
                                  "talked, disposition, notes"),
        f("campaign", OPT_STR, "a campaign's call: the campaign", optional=True),
        f("attempt", OPT_INT, "a campaign's call: the record's attempt", optional=True),
        _WEB)),
    EventSpec("script.answers", "the agent answered (or went back over) a question of the "
              "call's script", (
        _AGENT, f("script", STR), f("answers", MAP, "all of them so far"))),
    EventSpec("call.disposed", "the agent disposed of the call (also after its end; the "
              "last one counts)", (
        _AGENT, f("queue", OPT_STR), f("code", STR), f("notes", STR),
        f("by", STR, "the user"),
        f("callback_at", FLOAT, "a campaign's call: when the customer agreed to be called "
                                "back", optional=True))),
    # -- agents, queues, phones
    EventSpec("agent.state", "an agent's state changed", (
        _AGENT, f("state", STR, "`logged_out`, `available`, `ringing`, `on_call`, "
                                "`wrap_up`, `paused`"),
        f("reason", STR), f("since", FLOAT), f("call_id", OPT_STR)), call=False),
    EventSpec("agent.talk", "an agent's part in their call: talking, holding, consulting, "
              "conference, handed_off, or none once they left it", (
        _AGENT, f("call_id", STR), f("state", STR)), call=False),
    EventSpec("queue.stats", "a queue's figures changed", (
        _QUEUE, f("waiting", INT), f("longest_wait", FLOAT), f("offered", INT),
        f("answered", INT), f("abandoned", INT), f("overflowed", INT), f("callbacks", INT),
        f("service_level", OPT_FLOAT), f("average_speed_of_answer", OPT_FLOAT),
        f("average_handle_time", OPT_FLOAT), f("staffed", INT),
        f("expected_wait", OPT_FLOAT)), call=False),
    EventSpec("endpoint.state", "an agent phone registered, unregistered or changed device "
              "state", (
        f("endpoint", STR), f("agent", OPT_STR, "whose phone: `agent101-web` is "
                                                 "`agent101`'s"),
        f("registered", OPT_BOOL, "null until the platform has heard of its registration"),
        f("state", OPT_STR)), call=False),
    # -- the dialer's campaigns (docs/dialer.md)
    *(EventSpec(f"dialer.{state}", f"the campaign is {state}", (
        _CAMPAIGN, f("lines_busy", INT)), call=False)
      for state in ("running", "paused", "stopped")),
    EventSpec("dialer.refused", "a campaign manager's move the campaign refused (a start "
              "without caller ID)", (_CAMPAIGN, f("action", STR), f("reason", STR)),
              call=False),
    EventSpec("dialer.records_loaded", "records loaded into the campaign's list", (
        _CAMPAIGN, f("records", INT, "waiting to be dialed"), f("given", INT)), call=False),
    EventSpec("dialer.pace", "a pacing decision that dialed, with its inputs (docs/dialer.md)",
              (_CAMPAIGN, f("dialed", INT), f("asked", INT), f("strategy", STR),
               f("free_agents", INT), f("under_way", INT), f("lines_free", INT),
               f("records_due", INT), f("abandon_budget", OPT_FLOAT),
               f("because", STR, "the decision in words", optional=True)), call=False),
    EventSpec("dialer.attempt", "a dial placed", (
        _CAMPAIGN, _DIAL, f("record_id", STR), f("line", INT), f("attempt", INT),
        f("agent", OPT_STR, "the previewing agent")), call=False),
    EventSpec("dialer.preview", "a record shown to an agent to dial or skip", (
        _CAMPAIGN, _DIAL, _AGENT, f("record_id", STR), f("number", STR), f("attempt", INT),
        f("deadline", FLOAT, "when the dialer dials it if the agent neither dials nor skips"),
        f("reserved", OPT_STR, "`callback` (agreed with this agent) or `redial`")),
        call=False),
    EventSpec("dialer.answered", "a dial answered, by a human (connected to `agent`) or a "
              "machine", (_CAMPAIGN, _DIAL, f("human", BOOL), f("agent", OPT_STR)),
              call=False),
    EventSpec("dialer.abandoned", "a human no agent took: the abandon message plays", (
        _CAMPAIGN, _DIAL), call=False),
    EventSpec("dialer.ended", "a dial is over, with its outcome and the record's next try", (
        _CAMPAIGN, _DIAL, f("record_id", STR), f("outcome", STR), f("attempts", INT),
        f("next_due", OPT_FLOAT, "null: the record is done"),
        f("rule", OPT_STR, "the call gate's rule, for a refused dial")), call=False),
    EventSpec("dialer.board", "a campaign's live figures, at most once a second while it "
              "moves (docs/dialer.md, the campaign board)", (
        _CAMPAIGN, f("state", STR), f("strategy", STR), f("lines", MAP), f("dialed", INT),
        f("humans", INT), f("machines", INT), f("busy", INT), f("no_answer", INT),
        f("failed", INT), f("abandoned", INT), f("connected", INT),
        f("abandon_rate", MAP, "today, rolling_24h, rolling_30d (null: no live answer "
                              "yet) and the target"),
        f("agents", MAP, "by_state, each, talk_minutes_per_hour"),
        f("records", MAP, "left, due_now, due_for_retry, not_yet_due, dialing, reached, "
                          "exhausted")), call=False),
    EventSpec("dialer.detected", "machine detection's verdict on an answered dial", (
        _CAMPAIGN, f("human", BOOL), f("detection", STR, "app_amd's status and cause"))),
)

CATALOGUE: Mapping[str, EventSpec] = {spec.type: spec for spec in SPECS}


class Checker:
    """Admits an event to the bus or says why not; logs each problem once per kind."""

    def __init__(self, catalogue: Mapping[str, EventSpec] = CATALOGUE, *,
                 strict: bool = False) -> None:
        self.catalogue = catalogue
        self.strict = strict
        self._told: set[str] = set()

    def admit(self, event: Mapping[str, Any]) -> bool:
        """True when the event may go out (a known type); its problems are logged."""
        spec = self.catalogue.get(str(event.get("type")))
        if spec is None:
            self._tell(f"unknown type {event.get('type')!r}")
            return False
        if not spec.required <= event.keys():
            missing = sorted(spec.required - event.keys())
            self._tell(f"{spec.type} without {', '.join(missing)}")
        elif self.strict:
            for item in spec.fields:
                if item.name in event and not isinstance(event[item.name], item.types):
                    self._tell(f"{spec.type}.{item.name} is a "
                               f"{type(event[item.name]).__name__}")
        return True

    def _tell(self, problem: str) -> None:
        if self.strict or problem not in self._told:
            self._told.add(problem)
            log.error(UNCATALOGUED, problem)


def markdown_table() -> str:
    """The catalogue as ``docs/events.md`` shows it."""
    rows = ["| type | when | fields |", "| --- | --- | --- |"]
    for spec in SPECS:
        fields = ", ".join(_shown(item) for item in spec.fields if item.name != "call_id")
        rows.append(f"| `{spec.type}` | {spec.when} | {fields} |")
    return "\n".join(rows)


def _shown(item: Field) -> str:
    notes = [note for note in (item.doc, "optional" if not item.required else "") if note]
    return f"`{item.name}`" + (f" ({'; '.join(notes)})" if notes else "")


def strict_from_environment() -> bool:
    """``CC_STRICT_EVENTS=1`` (the test suite sets it, for serve too): check field types."""
    return os.environ.get("CC_STRICT_EVENTS") == "1"
