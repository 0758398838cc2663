"""What Asterisk is told of web calls: each target's dialplan context, rendered with the
rest of its config, and each grant's endpoint, pushed over ARI.

A grant's endpoint lands in its target's context, which holds that target's extension
and nothing else: Asterisk itself answers any other number with 404 Not Found, before
the platform sees the call. The extension enters the Stasis app as an inbound call
marked ``web`` with the endpoint's name, which the platform matches to its grant.
https://docs.asterisk.org/Configuration/Interfaces/Asterisk-REST-Interface-ARI/ARI-Push-Configuration/
"""

from __future__ import annotations

from collections.abc import Iterable

from contactcenter.webcall.grants import Grant, extension

#: the Stasis argument after ``inbound`` that marks a web visitor's call
WEB_ARG = "web"
#: seconds without the visitor's audio after which Asterisk hangs their call up
RTP_TIMEOUT = 30


def contexts(targets: Iterable[str], app: str) -> str:
    """extensions.conf's contexts of the web targets (``[web-<target>]``)."""
    blocks = []
    for target in targets:
        exten = extension(target)
        blocks.append(f"[{exten}]\n"
                      f"exten => {exten},1,Stasis({app},inbound,{WEB_ARG},"
                      "${CHANNEL(endpoint)})\n"
                      " same => n,Hangup()\n")
    return "\n".join(blocks)


def auth_fields(grant: Grant) -> list[dict[str, str]]:
    return _fields({"auth_type": "userpass", "username": grant.id,
                    "password": grant.password})


def endpoint_fields(grant: Grant, media_address: str) -> list[dict[str, str]]:
    """A browser's endpoint like the agents' ``-web`` ones (webrtc: DTLS-SRTP, ICE, AVPF,
    rtcp-mux), with Asterisk's own certificate, in its target's context only; no AOR:
    the page calls without registering, so nothing can call it."""
    return _fields({
        "context": extension(grant.target), "auth": grant.id, "webrtc": "yes",
        "dtls_auto_generate_cert": "yes", "disallow": "all", "allow": "opus,ulaw,alaw",
        "dtmf_mode": "rfc4733", "direct_media": "no", "rtp_symmetric": "yes",
        "force_rport": "yes", "rewrite_contact": "yes", "media_address": media_address,
        "bind_rtp_to_media_address": "yes", "allow_subscribe": "no",
        # a REFER from the visitor would send the agent's leg to the dialplan
        "allow_transfer": "no",
        # a browser closed or gone off the network sends no BYE: its call ends when its
        # audio has stopped this long (a browser sends RTP all call long, even muted)
        "rtp_timeout": str(RTP_TIMEOUT),
        "callerid": '"Web visitor" <web>'})


def _fields(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"attribute": key, "value": value} for key, value in values.items()]
