"""The synthetic company's fixed catalogue: its staff, products, SLA, offers, segments
and the campaigns it runs every year.

Nothing random here, so the reference rows are the same whatever the seed; a
database that already has a username, SKU, priority or segment name keeps its
own row and the seed reuses it (these columns are unique).

The company is a consumer retailer: outdoor gear, phones, consoles, luggage,
pet gadgets and service plans, so that customers' habits (``contact_tags``)
line up with what they buy and the segments have something to find.
"""

from __future__ import annotations

from typing import Any

#: an unusable password hash: nobody can log in as a seeded user until the
#: auth module sets a real hash (``!`` never matches any password's hash)
NO_PASSWORD = "!"

#: (username, full name, role, agent id)
USERS: tuple[tuple[str, str, str, str | None], ...] = (
    ("ines.moreau", "Ines Moreau", "sales", None),
    ("tom.becker", "Tom Becker", "sales", None),
    ("priya.shah", "Priya Shah", "sales", None),
    ("diego.ramos", "Diego Ramos", "sales", None),
    ("hana.sato", "Hana Sato", "sales", None),
    *((f"agent{n}", f"Agent {n}", "agent", f"agent{n}") for n in range(101, 111)),
    ("supervisor", "Sam Okafor", "supervisor", None),
    ("marketing", "Lena Fischer", "marketing", None),
)

#: (sku, name, category, price)
PRODUCTS = (
    ("OUT-TENT2", "Trailhead 2-person tent", "outdoor", "189.00"),
    ("OUT-TENT4", "Trailhead 4-person tent", "outdoor", "299.00"),
    ("OUT-PACK40", "Summit 40 L backpack", "outdoor", "99.00"),
    ("ELE-PHONE", "Nimbus phone", "electronics", "499.00"),
    ("ELE-PHONEPRO", "Nimbus Pro phone", "electronics", "899.00"),
    ("ELE-BUDS", "Nimbus wireless earbuds", "electronics", "129.00"),
    ("GAM-CONSOLE", "Pixel Arena console", "gaming", "449.00"),
    ("GAM-PAD", "Pixel Arena controller", "gaming", "59.00"),
    ("TRV-CARRYON", "Voyager carry-on case", "travel", "179.00"),
    ("TRV-INSURE", "Voyager annual travel insurance", "travel", "89.00"),
    ("PET-FEEDER", "Smart pet feeder", "pets", "119.00"),
    ("SVC-CARE", "CarePlus protection, 1 year", "services", "79.00"),
    ("SVC-CLUB", "Club membership, 1 year", "services", "49.00"),
)

#: which habit makes a customer more likely to buy in a category
CATEGORY_TAG = {"outdoor": "outdoor", "electronics": "tech-enthusiast", "gaming": "gamer",
                "travel": "traveller", "pets": "pet-owner", "services": "online-shopper"}

#: priority -> (first response minutes, resolution minutes)
SLA = {"low": (1440, 10080), "normal": (480, 2880), "high": (120, 1440), "urgent": (30, 240)}

#: (name, kind, product sku, required sku or None for anyone, pitch, discount %, priority)
OFFERS = (
    ("Backpack for tent owners", "cross_sell", "OUT-PACK40", "OUT-TENT2",
     "Pack it all: 15% off the Summit 40 L backpack with your tent.", "15", 5),
    ("Room for the family", "up_sell", "OUT-TENT4", "OUT-TENT2",
     "Trade your 2-person tent for the 4-person Trailhead and save 20%.", "20", 6),
    ("Earbuds with your Nimbus", "cross_sell", "ELE-BUDS", "ELE-PHONE",
     "Nimbus earbuds pair instantly with your phone: 10% off today.", "10", 7),
    ("Nimbus Pro trade-up", "up_sell", "ELE-PHONEPRO", "ELE-PHONE",
     "Trade in your Nimbus for the Pro with a $150 credit.", "17", 9),
    ("Protect your phone", "cross_sell", "SVC-CARE", "ELE-PHONE",
     "CarePlus covers drops and spills for a year.", "0", 8),
    ("Second controller", "cross_sell", "GAM-PAD", "GAM-CONSOLE",
     "Play together: a second Pixel Arena controller at 20% off.", "20", 6),
    ("Protect your console", "cross_sell", "SVC-CARE", "GAM-CONSOLE",
     "CarePlus for your console: repairs and replacement for a year.", "0", 4),
    ("Insure your trips", "cross_sell", "TRV-INSURE", "TRV-CARRYON",
     "Annual travel insurance for every trip you take with your Voyager.", "10", 5),
    ("Join the club", "cross_sell", "SVC-CLUB", None,
     "Free delivery and early sales for a year with the Club.", "0", 2),
    ("Smart feeder for pet owners", "cross_sell", "PET-FEEDER", None,
     "Feed your pet on schedule, even when you are away.", "5", 1),
)

#: saved segments: name -> definition, in the list generator's terms (``crm_core.segments``)
SEGMENTS: dict[str, dict[str, Any]] = {
    "Outdoor 25-40 in the West": {
        "age": [25, 40], "region": ["CA", "OR", "WA", "CO", "UT", "AZ", "NV"],
        "tags": {"all": ["outdoor"]}, "consent_marketing": True},
    "Young gamers": {"age": [16, 35], "tags": {"all": ["gamer"]}, "consent_marketing": True},
    "Nimbus owners": {"bought_category": ["electronics"], "consent_marketing": True,
                      "exclude_do_not_call": True},
    "Travellers in the East": {"region": ["NY", "NJ", "MA", "PA", "FL", "GA", "DC"],
                               "tags": {"any": ["traveller"]}, "consent_marketing": True},
    "Women pet owners 30-60": {"age": [30, 60], "gender": "f",
                               "tags": {"all": ["pet-owner"]}, "consent_marketing": True},
    # the demo's win-back campaign calls them (``config/campaigns.yaml``)
    "lapsed customers": {"no_order_for_days": 180, "consent_marketing": True,
                         "exclude_do_not_call": True},
}


#: a campaign run every year: (name, month, day, days, channel, segment, product sku, budget)
CAMPAIGNS = (
    ("New year travel", 1, 6, 30, "search", "Travellers in the East", "TRV-CARRYON", 9000),
    ("Spring pet care", 3, 12, 21, "email", "Women pet owners 30-60", "PET-FEEDER", 6000),
    ("Summer outdoors", 5, 20, 35, "social", "Outdoor 25-40 in the West", "OUT-TENT2", 15000),
    ("Back to games", 8, 14, 21, "sms", "Young gamers", "GAM-CONSOLE", 8000),
    ("Phone trade-up", 9, 22, 28, "phone", "Nimbus owners", "ELE-PHONEPRO", 12000),
    ("Holiday gifts", 11, 18, 40, "direct_mail", None, None, 25000),
)

#: the response kinds each channel brings, most likely first
RESPONSES_BY_CHANNEL = {
    "email": ("open", "click", "unsubscribe"), "sms": ("click", "reply", "unsubscribe"),
    "social": ("click", "visit"), "search": ("click", "visit"),
    "phone": ("call", "reply"), "direct_mail": ("visit", "call"),
}
#: how likely a member is to respond at all, by channel
RESPONSE_RATE = {"email": 0.4, "sms": 0.25, "social": 0.2, "search": 0.2, "phone": 0.35,
                 "direct_mail": 0.1}
