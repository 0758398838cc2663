"""The webhook routes (``hooks.PATHS``, all ``POST``) the Twilio driver answers.

The signature is checked before anything else: a webhook unsigned or signed for another
URL or token gets 403 and changes nothing (a body that is no form, as not UTF-8 or in an
unknown charset, has nothing to check: 400). A signed webhook is answered with TwiML and
status 200 whatever happens: one the platform cannot read, or that fails while it is
handled, gets ``polite_twiml()`` (Twilio would otherwise play its "an application error
has occurred" and retry), and the failure is logged here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from contactcenter.telephony.twilio.driver import TwilioDriver
from contactcenter.telephony.twilio.hooks import PATHS
from contactcenter.telephony.twilio.signature import SIGNATURE_HEADER, polite_twiml
from contactcenter.telephony.twilio.webhooks import WebhookError

log = logging.getLogger(__name__)

#: TwiML's media type (https://www.twilio.com/docs/voice/twiml#twilios-request-to-your-application)
TWIML = "text/xml"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _twiml(xml: str) -> web.Response:
    return web.Response(text=xml, content_type=TWIML)


def webhook_handler(driver: TwilioDriver) -> Handler:
    async def webhook(request: web.Request) -> web.StreamResponse:
        try:
            posted = await request.post()
        except (ValueError, LookupError) as exc:  # not UTF-8, an unknown charset: no form
            log.warning("Twilio webhook %s unreadable: %s", request.rel_url.raw_path,
                        type(exc).__name__)
            return web.Response(status=400, text="not a form\n")
        form = {name: value for name, value in posted.items() if isinstance(value, str)}
        path, query = request.rel_url.raw_path, request.rel_url.raw_query_string
        verdict = driver.verify(path, query, form, request.headers.get(SIGNATURE_HEADER))
        if not verdict:
            log.warning("Twilio webhook refused: %s", verdict.reason)
            return web.Response(status=403, text="not signed by Twilio\n")
        try:
            return _twiml(await driver.answer(path, dict(request.rel_url.query), form))
        except WebhookError as exc:
            log.warning("Twilio webhook %s not understood: %s", path, exc)
        except Exception:  # the caller hears an apology, not an error
            log.exception("Twilio webhook %s failed", path)
        return _twiml(polite_twiml(language=driver.setup.language))

    return webhook


def twilio_routes(driver: TwilioDriver) -> list[web.RouteDef]:
    """The routes to add to the platform's app (``app.add_routes``)."""
    handler = webhook_handler(driver)
    return [web.post(path, handler) for path in PATHS]
