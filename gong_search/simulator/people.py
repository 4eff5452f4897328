"""The fixed cast of the synthetic tenant: Northwind Cloud's reps and its customers' contacts.

The rosters are constants (not seeded) so the same people recur across calls and seeds, as
in a real company; names include accents and non-Latin-1 letters on purpose, to exercise
fuzzy speaker search, CSV export and terminal rendering.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .stamps import format_timestamp, stable_id

COMPANY = "Northwind"
COMPANY_DOMAIN = "northwind-cloud.com"


@dataclass(frozen=True)
class Rep:
    """An internal Gong user; ``utc_offset`` (minutes) sets how their timestamps are written."""

    first: str
    last: str
    title: str
    utc_offset: int
    active: bool = True

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def email(self) -> str:
        return f"{ascii_slug(self.first)}.{ascii_slug(self.last)}@{COMPANY_DOMAIN}"


@dataclass(frozen=True)
class Contact:
    name: str
    title: str


@dataclass(frozen=True)
class Customer:
    name: str
    domain: str
    contacts: tuple[Contact, ...]

    def email(self, contact: Contact) -> str:
        first, _, last = contact.name.partition(" ")
        return f"{ascii_slug(first)}.{ascii_slug(last)}@{self.domain}"


REPS: tuple[Rep, ...] = (
    Rep("Dana", "Whitfield", "VP of Sales", -420),
    Rep("Marcus", "Chen", "Account Executive", -420),
    Rep("Priya", "Raman", "Senior Account Executive", -240),
    Rep("Tomás", "Herrera", "Account Executive", -360),
    Rep("Aoife", "Byrne", "Account Executive", 0),
    Rep("Kwame", "Mensah", "Sales Engineer", 0),
    Rep("Sofía", "Castillo", "Sales Engineer", -240),
    Rep("Hannah", "Schmidt", "Account Executive", 60),
    Rep("Ravi", "Iyer", "Solutions Consultant", 330),
    Rep("Emily", "Watson", "Customer Success Manager", -240),
    Rep("Jonas", "Lindqvist", "Account Executive", 60),
    Rep("Mei", "Tanaka", "Customer Success Manager", 540),
    Rep("Lucas", "Moreau", "Account Executive", 60),
    Rep("Grace", "O'Connor", "Sales Development Rep", -240),
    Rep("Daniel", "Kim", "Sales Development Rep", -420),
    Rep("Fatima", "Al-Sayed", "Senior Account Executive", 240),
    Rep("Noah", "Fischer", "Sales Manager", 60),
    Rep("Isabela", "Rocha", "Account Executive", -180),
    Rep("Chris", "Baker", "Sales Engineer", -420),
    Rep("Anika", "Patel", "Renewals Manager", 330),
    Rep("Brent", "Hollis", "Account Executive", -420, active=False),
    Rep("Olga", "Petrova", "Sales Engineer", 120, active=False),
)

ACTIVE_REPS: tuple[Rep, ...] = tuple(rep for rep in REPS if rep.active)


def _customer(name: str, domain: str, *people: tuple[str, str]) -> Customer:
    return Customer(name, domain, tuple(Contact(n, t) for n, t in people))


CUSTOMERS: tuple[Customer, ...] = (
    _customer(
        "Acme Logistics",
        "acme-logistics.com",
        ("José Núñez", "VP of Operations"),
        ("Rachel Green", "Procurement Manager"),
        ("Tobias Hartmann", "IT Director"),
        ("Amara Okafor", "Sales Operations Lead"),
    ),
    _customer(
        "Globex",
        "globex.io",
        ("Zoë Müller", "Head of Revenue"),
        ("Hank Scorpio", "CEO"),
        ("Nguyễn Thị Hoa", "Data Engineer"),
        ("Pedro Alves", "Security Analyst"),
    ),
    _customer(
        "Initech",
        "initech.com",
        ("Bill Lumbergh", "Director of Sales"),
        ("Łukasz Żółć", "Systems Architect"),
        ("Joanna Park", "RevOps Manager"),
        ("Samir Nagheenanajar", "Finance Manager"),
    ),
    _customer(
        "Umbrella Health",
        "umbrella-health.org",
        ("Søren Ærø", "CISO"),
        ("Alice Abernathy", "Chief Medical Officer"),
        ("Carlos Oliveira", "Procurement Lead"),
        ("Yasmin Haddad", "Sales Enablement Manager"),
    ),
    _customer(
        "Stark Industrial",
        "stark-industrial.com",
        ("Pepper Pottsdale", "COO"),
        ("Françoise Lefèvre", "Head of Sales EMEA"),
        ("İlker Çelik", "IT Manager"),
    ),
    _customer(
        "Wayne Biotech",
        "waynebio.com",
        ("Lucius Fox", "CTO"),
        ("Björn Åkesson", "Research Operations"),
        ("Leslie Thompkins", "VP Finance"),
        ("Mateus Gonçalves", "Sales Director"),
    ),
    _customer(
        "Hooli",
        "hooli.xyz",
        ("Gavin Belson", "CEO"),
        ("Siobhán O'Sullivan", "Head of Sales Development"),
        ("Dinesh Chugtai", "Platform Engineer"),
        ("Ana Luísa Gonçalves", "Legal Counsel"),
    ),
    _customer(
        "Soylent Foods",
        "soylent-foods.com",
        ("Chloé Dubois", "Category Manager"),
        ("Rajesh Kumar", "CFO"),
        ("Oğuz Kaya", "Sales Operations Analyst"),
    ),
    _customer(
        "Tyrell Robotics",
        "tyrell.ai",
        ("Eldon Tyrell", "Founder"),
        ("Rachael Rosen", "Chief of Staff"),
        ("Mei-Ling Wu", "Information Security Lead"),
        ("Dmitri Volkov", "Integration Engineer"),
    ),
    _customer(
        "Cyberdyne Analytics",
        "cyberdyne-analytics.net",
        ("Miles Dyson", "Director of Engineering"),
        ("María José García", "Head of Procurement"),
        ("Kenji Watanabe", "Revenue Operations"),
    ),
    _customer(
        "Massive Dynamic",
        "massivedynamic.co",
        ("Nina Sharp", "Chief Operating Officer"),
        ("Walter Bishop", "Head of R&D"),
        ("Astrid Farnsworth", "Program Manager"),
        ("Yuki Tanaka", "Finance Business Partner"),
    ),
    _customer(
        "Vandelay Imports",
        "vandelay.com",
        ("Art Vandelay", "Owner"),
        ("Renée Lavoie", "Import Operations Manager"),
        ("Đặng Văn Minh", "IT Administrator"),
    ),
)

_SPECIAL_LETTERS = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "Ae",
        "ß": "ss",
        "đ": "d",
        "Đ": "D",
        "ı": "i",
        "'": "",
        "-": "",
    }
)


def ascii_slug(text: str) -> str:
    """Lower-case ASCII for email local parts: 'Żółć' -> 'zolc', "O'Connor" -> 'oconnor'."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL_LETTERS))
    return "".join(c for c in decomposed if c.isascii() and c.isalnum()).lower()


def user_record(rep: Rep, k: int, user_id: str, manager_id: str | None) -> dict:
    """The ``/v2/users`` entry of the ``k``-th rep (creation dates a few weeks apart)."""
    created = datetime(2021, 3, 1, 9, 30, tzinfo=UTC) + timedelta(days=37 * k, minutes=k)
    user = {
        "id": user_id,
        "emailAddress": rep.email,
        "created": format_timestamp(created, rep.utc_offset),
        "active": rep.active,
        "emailAliases": [],
        "trustedEmailAddress": rep.email,
        "firstName": rep.first,
        "lastName": rep.last,
        "title": rep.title,
        "personalMeetingUrls": [f"https://zoom.us/j/{stable_id(rep.email)[:10]}"],
        "settings": {
            "webConferencesRecorded": rep.active,
            "preventWebConferenceRecording": False,
            "telephonyCallsImported": k % 3 == 0,
            "emailsImported": True,
            "preventEmailImport": False,
            "nonRecordedMeetingsImported": k % 2 == 0,
            "gongConnectEnabled": True,
        },
        "meetingConsentPageUrl": f"https://join.gong.io/northwind/{rep.email.split('@')[0]}",
        "spokenLanguages": [{"language": "en-US", "primary": True}],
    }
    if k % 4 != 3:
        user["phoneNumber"] = f"+1 415-555-{1000 + k * 37:04d}"
    if manager_id:
        user["managerId"] = manager_id
    if rep.first in ("Tomás", "Sofía", "Isabela"):
        user["spokenLanguages"].append({"language": "es-ES", "primary": False})
    return user
