"""What ``contactcenter serve`` prints once it is up: the pages, the numbers to call, where
phones register, and the first users (the demo's passwords only on a terminal)."""

from __future__ import annotations

from contactcenter.config.settings import Settings
from contactcenter.server.engines import engines_of


def banner(settings: Settings, *, terminal: bool) -> str:
    """What is up and where; the demo's passwords only on a terminal (logs keep stdout)."""
    host, port = settings.http_host, settings.http_port
    lines = [
        "Contact center is up.",
        f"  agent desktop  http://{host}:{port}/agent",
        f"  supervisors    http://{host}:{port}/supervisor   (wallboard: /wallboard)",
        f"  self-service   http://{host}:{port}/help",
        (f"  analytics      http://{host}:{port}/analytics   (managers; customers: "
        "/analytics/customers)"),
        f"  web and API    http://{host}:{port}/api/v1/openapi.json",
        (f"  event stream   ws://{host}:{port}/api/v1/events (Authorization: Bearer, "
         "or ?ticket= from POST /api/v1/events/ticket)"),
    ]
    if "asterisk" in engines_of(settings):
        lines += _sip_lines(settings)
    if settings.twilio is not None:
        voice = f"{settings.twilio.public_url.rstrip('/')}/twilio/voice"
        lines += [f"  call           {number} on Twilio (its Voice URL: {voice})"
                  for number in settings.twilio.numbers]
    return "\n".join(lines + _user_lines(settings, terminal))


def _sip_lines(settings: Settings) -> list[str]:
    """Asterisk's numbers and where phones register."""
    sip = f"{settings.asterisk.host}:{settings.asterisk.sip_port}"
    twilio = set(settings.twilio.numbers) if settings.twilio is not None else set()
    lines = [f"  SIP            udp {sip}"]
    for number, flow in settings.ivr.numbers.items():
        if number not in twilio:
            lines.append(f"  call           sip:{number}@{sip}   (IVR flow {flow!r})")
    lines.append(f"  baseline IVR   sip:6000@{sip}   (plain dialplan, for comparison)")
    phones = [agent.id for agent in settings.agents]
    if phones:
        lines.append(f"  phones         {', '.join(_ranges(phones))} register at {sip}, "
                     "passwords in the config file")
    return lines


def _user_lines(settings: Settings, terminal: bool) -> list[str]:
    """The first users; their passwords for the shipped demo on a terminal only."""
    demo = settings.config_path is not None and settings.config_path.name == "demo.yaml"
    shown = demo and terminal
    lines = [f"  user           {user.username}{f' / {user.password}' if shown else ''} "
             f"({user.role})" for user in settings.users[:3]]
    if len(settings.users) > 3:
        lines.append(f"  ...and {len(settings.users) - 3} agent users, named like the agents")
    if demo and not shown:
        lines.append(f"  passwords in {settings.config_path}")
    return lines


def _ranges(ids: list[str]) -> list[str]:
    """agent101 ... agent110 and supervisor1, not eleven names on one line."""
    agents = [phone for phone in ids if phone.startswith("agent")]
    others = [phone for phone in ids if not phone.startswith("agent")]
    shown = [f"{agents[0]} ... {agents[-1]}"] if len(agents) > 2 else agents
    return shown + others
