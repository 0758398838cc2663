"""The Twilio driver: webhooks in, TwiML and REST requests out.

Pure parts: ``webhooks`` (a webhook -> driver events), ``twiml`` (the documents a call
runs), ``translate`` (a driver command -> TwiML or REST requests), ``signature``
(``X-Twilio-Signature``), ``credentials``. I/O: ``driver`` (``TwilioDriver``),
``routes`` (the webhook routes), ``rest`` (the REST sender), with ``book`` and
``replay``. See docs/twilio.md.
"""
