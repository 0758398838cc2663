"""Words the synthetic company's people are made of: names, places, habits.

Plain tuples, no randomness here: ``people`` draws from them. Places
are real US cities with their state and time zone, because the dialer's calling
hours and the marketing segments (``region``) select on them; streets are made
up. E-mail domains are the ones reserved for examples (RFC 2606), so no seeded
address can reach anyone.
"""

from __future__ import annotations

FEMALE_NAMES = (
    "Olivia", "Emma", "Charlotte", "Amelia", "Sophia", "Mia", "Isabella", "Ava", "Evelyn",
    "Harper", "Luna", "Camila", "Sofia", "Scarlett", "Elizabeth", "Eleanor", "Emily", "Chloe",
    "Mila", "Violet", "Penelope", "Gianna", "Aria", "Abigail", "Ella", "Avery", "Hazel",
    "Nora", "Layla", "Lily", "Aurora", "Nova", "Ellie", "Madison", "Grace", "Isla", "Willow",
    "Zoe", "Riley", "Stella", "Maya", "Priya", "Mei", "Fatima", "Lucia", "Ana", "Keiko",
    "Aisha", "Rosa", "Ingrid", "Noor", "Carmen", "Joy", "Linda", "Susan", "Karen", "Nancy",
    "Margaret", "Patricia", "Barbara", "Dorothy", "Ruth", "Helen", "Diane", "Julie",
)
MALE_NAMES = (
    "Liam", "Noah", "Oliver", "James", "Elijah", "William", "Henry", "Lucas", "Benjamin",
    "Theodore", "Mateo", "Levi", "Sebastian", "Daniel", "Jack", "Michael", "Alexander",
    "Owen", "Asher", "Samuel", "Ethan", "Leo", "Jackson", "Mason", "Ezra", "John", "Hudson",
    "Luca", "Aiden", "Joseph", "David", "Jacob", "Logan", "Luke", "Julian", "Gabriel",
    "Carlos", "Diego", "Hiroshi", "Wei", "Raj", "Omar", "Ivan", "Kwame", "Tomas", "Andre",
    "Robert", "Richard", "Thomas", "Charles", "Christopher", "Paul", "Mark", "George",
    "Kenneth", "Steven", "Edward", "Brian", "Ronald", "Frank", "Raymond", "Dennis", "Walter",
)
NEUTRAL_NAMES = ("Alex", "Jordan", "Taylor", "Morgan", "Casey", "Jamie", "Robin", "Sam",
                 "Quinn", "Rowan", "Sasha", "Kai")
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Gomez", "Phillips", "Evans",
    "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris",
    "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson",
    "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson",
    "Brooks", "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes",
    "Price", "Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster",
    "Jimenez", "Chen", "Wang", "Singh", "Okafor", "Novak", "Kowalski", "Yamamoto", "Haddad",
    "Larsen", "Schmidt", "Rossi", "Dubois", "Costa", "Silva", "Ivanova", "Murray", "Fischer",
)

#: (city, state, time zone, first three digits of its ZIP codes, weight by population)
CITIES = (
    ("New York", "NY", "America/New_York", "100", 18),
    ("Brooklyn", "NY", "America/New_York", "112", 8),
    ("Buffalo", "NY", "America/New_York", "142", 2),
    ("Boston", "MA", "America/New_York", "021", 5),
    ("Philadelphia", "PA", "America/New_York", "191", 6),
    ("Pittsburgh", "PA", "America/New_York", "152", 2),
    ("Newark", "NJ", "America/New_York", "071", 2),
    ("Baltimore", "MD", "America/New_York", "212", 2),
    ("Washington", "DC", "America/New_York", "200", 3),
    ("Richmond", "VA", "America/New_York", "232", 2),
    ("Charlotte", "NC", "America/New_York", "282", 3),
    ("Raleigh", "NC", "America/New_York", "276", 2),
    ("Atlanta", "GA", "America/New_York", "303", 5),
    ("Miami", "FL", "America/New_York", "331", 5),
    ("Orlando", "FL", "America/New_York", "328", 3),
    ("Tampa", "FL", "America/New_York", "336", 3),
    ("Detroit", "MI", "America/Detroit", "482", 3),
    ("Columbus", "OH", "America/New_York", "432", 3),
    ("Cleveland", "OH", "America/New_York", "441", 2),
    ("Indianapolis", "IN", "America/Indiana/Indianapolis", "462", 3),
    ("Chicago", "IL", "America/Chicago", "606", 9),
    ("Milwaukee", "WI", "America/Chicago", "532", 2),
    ("Minneapolis", "MN", "America/Chicago", "554", 3),
    ("St. Louis", "MO", "America/Chicago", "631", 2),
    ("Kansas City", "MO", "America/Chicago", "641", 2),
    ("Nashville", "TN", "America/Chicago", "372", 3),
    ("New Orleans", "LA", "America/Chicago", "701", 2),
    ("Houston", "TX", "America/Chicago", "770", 8),
    ("Dallas", "TX", "America/Chicago", "752", 6),
    ("Austin", "TX", "America/Chicago", "787", 4),
    ("San Antonio", "TX", "America/Chicago", "782", 4),
    ("Denver", "CO", "America/Denver", "802", 4),
    ("Boulder", "CO", "America/Denver", "803", 1),
    ("Salt Lake City", "UT", "America/Denver", "841", 2),
    ("Albuquerque", "NM", "America/Denver", "871", 2),
    ("Phoenix", "AZ", "America/Phoenix", "850", 6),
    ("Tucson", "AZ", "America/Phoenix", "857", 2),
    ("Las Vegas", "NV", "America/Los_Angeles", "891", 3),
    ("Los Angeles", "CA", "America/Los_Angeles", "900", 12),
    ("San Diego", "CA", "America/Los_Angeles", "921", 5),
    ("San Francisco", "CA", "America/Los_Angeles", "941", 4),
    ("San Jose", "CA", "America/Los_Angeles", "951", 4),
    ("Sacramento", "CA", "America/Los_Angeles", "958", 2),
    ("Portland", "OR", "America/Los_Angeles", "972", 3),
    ("Seattle", "WA", "America/Los_Angeles", "981", 4),
    ("Spokane", "WA", "America/Los_Angeles", "992", 1),
    ("Anchorage", "AK", "America/Anchorage", "995", 1),
    ("Honolulu", "HI", "Pacific/Honolulu", "968", 1),
)

STREET_NAMES = ("Maple", "Oak", "Cedar", "Pine", "Elm", "Washington", "Lake", "Hill", "Park",
                "Sunset", "Main", "Church", "River", "Highland", "Forest", "Spring", "Willow",
                "Meadow", "Chestnut", "Lincoln", "Jefferson", "Franklin", "Madison", "Ridge",
                "Valley", "Harbor", "Mill", "Walnut", "Aspen", "Magnolia")
STREET_KINDS = ("St", "Ave", "Rd", "Blvd", "Ln", "Dr", "Ct", "Way", "Pl", "Ter")

#: a habit or interest, and how likely a customer is to have it
TAGS = (("online-shopper", 0.45), ("outdoor", 0.25), ("traveller", 0.22),
        ("pet-owner", 0.3), ("gamer", 0.18), ("tech-enthusiast", 0.2), ("parent", 0.3),
        ("fitness", 0.2), ("bargain-hunter", 0.25), ("eco-conscious", 0.15))

EMAIL_DOMAINS = ("example.com", "example.net", "example.org")

COMPANY_WORDS = ("Analytics", "Builders", "Logistics", "Outfitters", "Design", "Dental",
                 "Consulting", "Bakery", "Motors", "Realty", "Studios", "Labs", "Supply",
                 "Partners", "Landscaping", "Fitness", "Travel", "Media", "Foods", "Clinic")
INDUSTRIES = ("retail", "healthcare", "construction", "software", "hospitality",
              "education", "logistics", "finance", "manufacturing", "media")
