"""The customer's own click-to-talk: a web visitor's voice call from their browser.

``settings`` (the ``web_calls`` section), ``grants`` (the one-time SIP identities a page
is given, sans-I/O), ``dialplan`` (what Asterisk is told: each target's context and a
grant's endpoint), ``service`` (the asyncio side: grants pushed to and taken back from
Asterisk, a call's arrival matched to its grant). docs/web-calls.md tells the design.
"""
