"""The Twilio driver: webhooks in, TwiML and REST requests out.

Pure parts only so far: ``webhooks`` (a webhook -> driver events), ``twiml`` (the
documents a call runs), ``translate`` (a driver command -> TwiML or REST requests),
``signature`` (``X-Twilio-Signature``), ``credentials``. See docs/twilio.md.
"""
