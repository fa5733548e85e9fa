"""Deterministic demo data: the demo staff (roles, teams) and customers of Lithuania, Latvia,
Poland, Greece, Great Britain and Ireland, written in bulk.

The same seed gives the same customers (names, emails, phones, stages, owners, tags); dates
are relative to the day of the run. Every customer gets exactly what ``customer_create``
would give it (contacts, primary_email/primary_phone, a first StageChange, tags, the owner's
and team's object permissions) but no audit entry per customer: this is seed data, not an
action anyone took. Emails use RFC 2606 reserved domains, so a demo campaign never mails a
real person.

PostgreSQL gets COPY (about 20 times faster than INSERT); SQLite, the embedded demo
database, gets ``bulk_create``. Strings are written to COPY's text format unescaped, so the
word lists below must hold no tab, newline or backslash (a test checks this).
"""

import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from math import gcd

import numpy as np
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from psycopg import sql

from crm.accounts.models import Role, Team
from crm.accounts.services import team_create, user_set_roles
from customers.models import (
    Customer,
    CustomerEmail,
    CustomerGroupObjectPermission,
    CustomerPhone,
    CustomerUserObjectPermission,
    StageChange,
    Tag,
)
from customers.permissions import (
    OWNER_CODENAMES,
    TEAM_MANAGER_CODENAMES,
    TEAM_MEMBER_CODENAMES,
    customer_permission_id,
)

# Shared by every demo user and printed by `manage.py demo_data`; demo databases only.
DEMO_PASSWORD = "demo12345"  # noqa: S105
DEMO_URL = "http://127.0.0.1:8000/"
BATCH_SIZE = 50_000  # customers per COPY round: ~30 MB of COPY text for all tables
STAGE_CHANGE_REASON = "demo data"
HISTORY_SECONDS = 3 * 365 * 24 * 3600  # customers were created over the last three years
COMPANY_SHARE = 0.15
SECOND_EMAIL_SHARE = 0.15
SECOND_PHONE_SHARE = 0.10
STAGE_WEIGHTS = {
    Customer.Stage.ACTIVE: 0.62,
    Customer.Stage.LEAD: 0.10,
    Customer.Stage.AT_RISK: 0.10,
    Customer.Stage.SILENT: 0.10,
    Customer.Stage.FORMER: 0.08,
}
# Tag -> share of customers carrying it (drawn independently); "B2B" marks every company.
TAG_SHARES = {
    "newsletter": 0.35,
    "loyalty card": 0.20,
    "price-sensitive": 0.10,
    "events": 0.08,
    "needs follow-up": 0.06,
    "VIP": 0.05,
    "referral": 0.05,
}
B2B_TAG = "B2B"
PERSON_EMAIL_DOMAINS = ("example.com", "example.net", "example.org")


@dataclass(frozen=True)
class StaffMember:
    username: str
    first_name: str
    last_name: str
    role: str
    teams: tuple[str, ...] = ()  # member of these teams


# Team name -> username of its manager (None: no manager yet).
TEAMS: dict[str, str | None] = {"Vilnius": "manager", "Riga": None, "Warsaw": None, "Athens": None}
STAFF = (
    StaffMember("admin", "Ieva", "Adomaitė", Role.ADMIN),
    StaffMember("manager", "Tomas", "Vaitkus", Role.MANAGER),
    StaffMember("sales", "Lukas", "Petraitis", Role.SALES, ("Vilnius",)),
    StaffMember("sales2", "Līga", "Ozola", Role.SALES, ("Riga",)),
    StaffMember("support", "Eglė", "Stankutė", Role.SUPPORT, ("Vilnius", "Riga")),
    StaffMember("sales3", "Piotr", "Nowicki", Role.SALES, ("Warsaw",)),
    StaffMember("sales4", "Ελένη", "Παπαδάκη", Role.SALES, ("Athens",)),
    StaffMember("sales5", "Rokas", "Jankus", Role.SALES, ("Vilnius",)),
    StaffMember("sales6", "Zofia", "Wrona", Role.SALES, ("Warsaw",)),
)
# One login per role, printed after every run.
LOGINS = (
    ("admin", Role.ADMIN),
    ("manager", Role.MANAGER),
    ("sales", Role.SALES),
    ("support", Role.SUPPORT),
)


@dataclass(frozen=True)
class PhonePlan:
    """Mobile numbers of one country: +<code><prefix><digits random digits>."""

    code: str
    prefixes: tuple[str, ...]
    digits: int


@dataclass(frozen=True)
class Market:
    country: str
    language: str
    weight: float  # share of customers
    team: str | None  # None: spread over every team
    male_first: tuple[str, ...]
    female_first: tuple[str, ...]
    surnames: tuple[tuple[str, str], ...]  # (male form, female form)
    cities: tuple[tuple[str, str], ...]  # (city, postal code prefix)
    streets: tuple[str, ...]
    company_words: tuple[tuple[str, ...], tuple[str, ...]]
    company_pattern: str  # "{0}", "{1}": a word of each list
    phone: PhonePlan
    number_first: bool = False  # "12 High Street" rather than "Gedimino pr. 12"


_LT = Market(
    "LT", "lt", 0.30, "Vilnius",
    ("Jonas", "Petras", "Antanas", "Tomas", "Mantas", "Lukas", "Darius", "Giedrius", "Mindaugas",
     "Andrius", "Žygimantas", "Rokas", "Paulius", "Vytautas", "Kęstutis", "Arūnas", "Saulius",
     "Dovydas", "Matas", "Šarūnas"),
    ("Ona", "Rūta", "Eglė", "Gintarė", "Aušra", "Jurgita", "Laura", "Ieva", "Kotryna", "Gabija",
     "Austėja", "Vaida", "Rasa", "Indrė", "Simona", "Milda", "Živilė", "Agnė", "Neringa", "Dalia"),
    (("Kazlauskas", "Kazlauskienė"), ("Jankauskas", "Jankauskienė"), ("Petrauskas", "Petrauskienė"),
     ("Stankevičius", "Stankevičienė"), ("Vasiliauskas", "Vasiliauskienė"), ("Žukauskas", "Žukauskienė"),
     ("Butkus", "Butkienė"), ("Paulauskas", "Paulauskienė"), ("Urbonas", "Urbonienė"),
     ("Kavaliauskas", "Kavaliauskienė"), ("Baranauskas", "Baranauskienė"), ("Navickas", "Navickienė"),
     ("Ramanauskas", "Ramanauskienė"), ("Šimkus", "Šimkienė"), ("Lukošius", "Lukošienė"),
     ("Sakalauskas", "Sakalauskienė"), ("Žemaitis", "Žemaitienė"), ("Grigas", "Grigienė"),
     ("Mockus", "Mockienė"), ("Kairys", "Kairienė")),
    (("Vilnius", "01"), ("Vilnius", "08"), ("Kaunas", "44"), ("Klaipėda", "91"), ("Šiauliai", "76"),
     ("Panevėžys", "35"), ("Alytus", "62"), ("Marijampolė", "68"), ("Utena", "28")),
    ("Gedimino pr.", "Laisvės al.", "Vilniaus g.", "Savanorių pr.", "Konstitucijos pr.",
     "Žalgirio g.", "Pylimo g.", "Taikos pr.", "Basanavičiaus g.", "Ukmergės g.", "Šilutės pl."),
    (("Baltijos", "Nemuno", "Vilniaus", "Žalgirio", "Šilo", "Pajūrio", "Ąžuolo", "Gintaro", "Neries"),
     ("prekyba", "logistika", "baldai", "statyba", "vaistinė", "duona", "sistemos", "energija", "ūkis")),
    "UAB „{0} {1}“",
    PhonePlan("370", ("6",), 7),
)  # fmt: skip
_LV = Market(
    "LV", "lv", 0.15, "Riga",
    ("Jānis", "Andris", "Mārtiņš", "Edgars", "Kārlis", "Artūrs", "Roberts", "Raivis", "Gints",
     "Aivars", "Valdis", "Ēriks", "Dāvis", "Krišjānis", "Oskars", "Juris"),
    ("Anna", "Līga", "Ilze", "Inese", "Kristīne", "Laura", "Dace", "Sandra", "Evija", "Baiba",
     "Zane", "Agnese", "Elīna", "Marta", "Ieva", "Anete"),
    (("Bērziņš", "Bērziņa"), ("Kalniņš", "Kalniņa"), ("Ozoliņš", "Ozoliņa"), ("Jansons", "Jansone"),
     ("Ozols", "Ozola"), ("Liepiņš", "Liepiņa"), ("Krūmiņš", "Krūmiņa"), ("Balodis", "Balode"),
     ("Eglītis", "Eglīte"), ("Zariņš", "Zariņa"), ("Pētersons", "Pētersone"), ("Vītols", "Vītola"),
     ("Kļaviņš", "Kļaviņa"), ("Siliņš", "Siliņa"), ("Lācis", "Lāce"), ("Zālītis", "Zālīte")),
    (("Rīga", "10"), ("Rīga", "15"), ("Daugavpils", "54"), ("Liepāja", "34"), ("Jelgava", "30"),
     ("Jūrmala", "20"), ("Ventspils", "36"), ("Valmiera", "42")),
    ("Brīvības iela", "Elizabetes iela", "Krišjāņa Barona iela", "Tērbatas iela", "Dzirnavu iela",
     "Lāčplēša iela", "Ģertrūdes iela", "Maskavas iela", "Čaka iela"),
    (("Rīgas", "Daugavas", "Gaujas", "Kurzemes", "Vidzemes", "Jūras", "Latgales", "Zemgales"),
     ("Koks", "Enerģija", "Loģistika", "Mēbeles", "Maize", "Būvnieks", "Tīkli", "Aptieka")),
    "SIA „{0} {1}“",
    PhonePlan("371", ("20", "21", "22", "24", "25", "26", "27", "28", "29"), 6),
)  # fmt: skip
_PL = Market(
    "PL", "pl", 0.25, "Warsaw",
    ("Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Michał", "Marcin", "Łukasz", "Jakub",
     "Grzegorz", "Mateusz", "Wojciech", "Marek", "Kamil", "Rafał", "Jarosław"),
    ("Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Magdalena",
     "Joanna", "Aleksandra", "Zofia", "Monika", "Dorota", "Beata", "Natalia", "Urszula"),
    (("Nowak", "Nowak"), ("Kowalski", "Kowalska"), ("Wiśniewski", "Wiśniewska"), ("Wójcik", "Wójcik"),
     ("Kowalczyk", "Kowalczyk"), ("Kamiński", "Kamińska"), ("Lewandowski", "Lewandowska"),
     ("Zieliński", "Zielińska"), ("Szymański", "Szymańska"), ("Woźniak", "Woźniak"),
     ("Dąbrowski", "Dąbrowska"), ("Kozłowski", "Kozłowska"), ("Jankowski", "Jankowska"),
     ("Mazur", "Mazur"), ("Krawczyk", "Krawczyk"), ("Piotrowski", "Piotrowska"),
     ("Grabowski", "Grabowska"), ("Pawłowski", "Pawłowska"), ("Michalski", "Michalska"), ("Król", "Król")),
    (("Warszawa", "00"), ("Warszawa", "02"), ("Kraków", "30"), ("Łódź", "90"), ("Wrocław", "50"),
     ("Poznań", "60"), ("Gdańsk", "80"), ("Szczecin", "70"), ("Lublin", "20")),
    ("ul. Marszałkowska", "ul. Piotrkowska", "ul. Długa", "ul. Floriańska", "ul. Świętokrzyska",
     "ul. Żeromskiego", "al. Jerozolimskie", "ul. Mickiewicza", "ul. Kościuszki"),
    (("Meble", "Logistyka", "Młyny", "Stal", "Budownictwo", "Apteka", "Piekarnia", "Systemy"),
     ("Mazowsza", "Wisły", "Pomorza", "Śląska", "Podhala", "Bałtyku", "Warmii", "Kujaw")),
    "{0} {1} sp. z o.o.",
    PhonePlan("48", tuple(str(p) for p in [*range(50, 70), *range(71, 80), *range(81, 90)]), 7),
)  # fmt: skip
_GR = Market(
    "GR", "el", 0.15, "Athens",
    ("Γιώργος", "Δημήτρης", "Κωνσταντίνος", "Γιάννης", "Νίκος", "Παναγιώτης", "Βασίλης", "Χρήστος",
     "Αθανάσιος", "Μιχάλης", "Ευάγγελος", "Σπύρος"),
    ("Μαρία", "Ελένη", "Αικατερίνη", "Βασιλική", "Σοφία", "Αγγελική", "Γεωργία", "Δέσποινα",
     "Χριστίνα", "Ιωάννα", "Ευαγγελία", "Δήμητρα"),
    (("Παπαδόπουλος", "Παπαδοπούλου"), ("Παπαδάκης", "Παπαδάκη"), ("Γεωργίου", "Γεωργίου"),
     ("Οικονόμου", "Οικονόμου"), ("Παπανικολάου", "Παπανικολάου"), ("Βασιλείου", "Βασιλείου"),
     ("Νικολάου", "Νικολάου"), ("Καραγιάννης", "Καραγιάννη"), ("Μακρής", "Μακρή"),
     ("Αντωνίου", "Αντωνίου"), ("Δημητρίου", "Δημητρίου"), ("Ιωάννου", "Ιωάννου"),
     ("Κωνσταντινίδης", "Κωνσταντινίδου"), ("Αλεξίου", "Αλεξίου")),
    (("Αθήνα", "10"), ("Αθήνα", "11"), ("Θεσσαλονίκη", "54"), ("Πάτρα", "26"), ("Ηράκλειο", "71"),
     ("Λάρισα", "41"), ("Βόλος", "38"), ("Ιωάννινα", "45")),
    ("Ερμού", "Σταδίου", "Πανεπιστημίου", "Λεωφ. Κηφισίας", "Λεωφ. Συγγρού", "Αθηνάς", "Τσιμισκή",
     "Εγνατία", "Πατησίων"),
    (("Τρόφιμα", "Ενέργεια", "Κατασκευές", "Ξενοδοχεία", "Μεταφορές", "Έπιπλα", "Φαρμακεία"),
     ("Αιγαίου", "Ολύμπου", "Κρήτης", "Μακεδονίας", "Αττικής", "Ιονίου", "Θεσσαλίας")),
    "{0} {1} Α.Ε.",
    PhonePlan("30", ("69",), 8),
)  # fmt: skip
_EN_MALE = ("James", "Oliver", "Jack", "Harry", "George", "Thomas", "William", "Daniel", "Liam",
            "Conor", "Sean", "Patrick", "Michael", "David")  # fmt: skip
_EN_FEMALE = ("Olivia", "Amelia", "Isla", "Emily", "Sophie", "Grace", "Charlotte", "Aoife",
              "Siobhán", "Niamh", "Sarah", "Emma", "Chloe", "Hannah")  # fmt: skip
_EN_SURNAMES = tuple(
    (s, s)
    for s in ("Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson",
              "Murphy", "Kelly", "O'Brien", "Walsh", "Byrne", "Ryan", "Thompson", "Walker")
)  # fmt: skip
_EN_STREETS = ("High Street", "Station Road", "Church Lane", "Victoria Road", "Main Street",
               "Park Avenue", "Mill Lane", "Queen Street", "King's Road")  # fmt: skip
_EN_COMPANY_WORDS = (
    ("Northwind", "Blue Harbour", "Greenfield", "Oakridge", "Silverline", "Riverside", "Kestrel"),
    ("Trading", "Foods", "Logistics", "Joinery", "Media", "Dental", "Consulting"),
)
# Mobile ranges of Great Britain proper (Jersey, Guernsey, Isle of Man and unallocated
# 7xx ranges left out, as checked with phonenumbers).
_GB_PREFIXES = ("740", "741", "742", "743", "744", "746", "747", "748", "749", "751", "753",
                "754", "755", "756", "757", "758", "759", "771", "772", "773", "774", "775",
                "776", "777", "780", "781", "784", "785", "786", "787", "788", "789", "790",
                "792", "794", "795", "796", "797", "798", "799")  # fmt: skip
_GB = Market(
    "GB", "en", 0.10, None, _EN_MALE, _EN_FEMALE, _EN_SURNAMES,
    (("London", "SW1A"), ("London", "E1"), ("Manchester", "M1"), ("Birmingham", "B1"),
     ("Leeds", "LS1"), ("Edinburgh", "EH1"), ("Bristol", "BS1"), ("Cardiff", "CF10")),
    _EN_STREETS, _EN_COMPANY_WORDS, "{0} {1} Ltd", PhonePlan("44", _GB_PREFIXES, 7),
    number_first=True,
)  # fmt: skip
_IE = Market(
    "IE", "en", 0.05, None, _EN_MALE, _EN_FEMALE, _EN_SURNAMES,
    (("Dublin", "D02"), ("Dublin", "D04"), ("Cork", "T12"), ("Galway", "H91"), ("Limerick", "V94")),
    _EN_STREETS, _EN_COMPANY_WORDS, "{0} {1} Limited",
    PhonePlan("353", ("83", "85", "86", "87", "89"), 7), number_first=True,
)  # fmt: skip
MARKETS = (_LT, _LV, _PL, _GR, _GB, _IE)
_POSTCODE_LETTERS = "ABDEFHJLNPRTUWXY"


def _postal_code(country: str, prefix: str, raw: int) -> str:
    """A plausible postal code of ``country`` starting with the city's ``prefix``."""
    if country == "LT":
        return f"LT-{prefix}{raw % 1000:03d}"
    if country == "LV":
        return f"LV-{prefix}{raw % 100:02d}"
    if country == "PL":
        return f"{prefix}-{raw % 1000:03d}"
    if country == "GR":
        return f"{prefix}{raw % 10} {raw // 10 % 100:02d}"
    letters = _POSTCODE_LETTERS
    tail = letters[raw % 16] + letters[raw // 16 % 16]
    if country == "IE":
        return f"{prefix} {tail}{raw // 256 % 100:02d}"
    return f"{prefix} {raw // 256 % 10}{tail}"


_GREEK_DIGRAPHS = {
    "ου": "ou",
    "ού": "ou",
    "ευ": "ev",
    "εύ": "ev",
    "αυ": "av",
    "αύ": "av",
    "γγ": "ng",
}
_GREEK_LETTERS = dict(
    zip(
        "αάβγδεέζηήθιίϊΐκλμνξοόπρσςτυύϋφχψωώ",
        "aavgdeezii" + "θiiiiklmnxooprsstyyyfχψoo",
        strict=True,
    )
)
_GREEK_LETTERS.update({"θ": "th", "χ": "ch", "ψ": "ps"})


@cache
def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters of ``text`` for email addresses: "Žukauskienė" -> "zukauskiene",
    "Παπαδοπούλου" -> "papadopoulou", "O'Brien" -> "obrien"."""
    text = text.lower()
    for greek, latin in _GREEK_DIGRAPHS.items():
        text = text.replace(greek, latin)
    text = "".join(_GREEK_LETTERS.get(char, char) for char in text).replace("ł", "l")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if char.isascii() and char.isalnum())


# --- staff ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoStaff:
    users: dict[str, User]
    teams: dict[str, Team]

    def sales_ids(self, team: str) -> list[int]:
        """Sales users of ``team``: the owners its customers are spread over."""
        return [
            self.users[m.username].pk for m in STAFF if m.role == Role.SALES and team in m.teams
        ]


def _demo_user(member: StaffMember, password_hash: str) -> tuple[User, bool]:
    is_admin = member.role == Role.ADMIN
    return User.objects.get_or_create(
        username=member.username,
        defaults={
            "first_name": member.first_name,
            "last_name": member.last_name,
            "email": f"{member.username}@crm.example",
            "password": password_hash,
            "is_staff": is_admin,
            "is_superuser": is_admin,
        },
    )


@transaction.atomic
def demo_staff_ensure() -> DemoStaff:
    """Create the demo users and teams that do not exist yet; leave existing ones as they are."""
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: PBKDF2 is slow on purpose
    users: dict[str, User] = {}
    created: list[StaffMember] = []
    for member in STAFF:
        users[member.username], is_new = _demo_user(member, password_hash)
        if is_new:
            created.append(member)
    admin = users["admin"]
    for member in created:
        user_set_roles(acting_user=admin, user=users[member.username], roles=[member.role])
    teams: dict[str, Team] = {}
    for name, manager in TEAMS.items():
        team = Team.objects.filter(name=name).first()
        if team is None:
            members = [users[m.username] for m in STAFF if name in m.teams]
            manager_user = users[manager] if manager else None
            team = team_create(acting_user=admin, name=name, manager=manager_user, members=members)
        teams[name] = team
    return DemoStaff(users=users, teams=teams)


# --- customers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamGrant:
    team_id: int
    members_group_id: int
    managers_group_id: int
    owner_ids: tuple[int, ...]


@dataclass(frozen=True)
class Plan:
    """Everything generation needs from the database, loaded once."""

    teams: tuple[TeamGrant, ...]
    market_teams: tuple[int | None, ...]  # per market: index into ``teams``, None: any
    tag_ids: tuple[int, ...]  # in TAG_SHARES order
    b2b_tag_id: int
    owner_perm_ids: tuple[int, ...]
    member_perm_ids: tuple[int, ...]
    manager_perm_ids: tuple[int, ...]


def demo_plan(staff: DemoStaff) -> Plan:
    names = [*TAG_SHARES, B2B_TAG]
    Tag.objects.bulk_create([Tag(name=n) for n in names], ignore_conflicts=True)
    tag_ids = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    team_names = list(TEAMS)
    grants = tuple(
        TeamGrant(
            team_id=staff.teams[name].pk,
            members_group_id=staff.teams[name].members_group_id,
            managers_group_id=staff.teams[name].managers_group_id,
            owner_ids=tuple(staff.sales_ids(name)),
        )
        for name in team_names
    )
    return Plan(
        teams=grants,
        market_teams=tuple(team_names.index(m.team) if m.team else None for m in MARKETS),
        tag_ids=tuple(tag_ids[n] for n in TAG_SHARES),
        b2b_tag_id=tag_ids[B2B_TAG],
        owner_perm_ids=tuple(customer_permission_id(c) for c in OWNER_CODENAMES),
        member_perm_ids=tuple(customer_permission_id(c) for c in TEAM_MEMBER_CODENAMES),
        manager_perm_ids=tuple(customer_permission_id(c) for c in TEAM_MANAGER_CODENAMES),
    )


@dataclass
class CustomerBatch:
    """Customers as columns (the order COPY wants), with their child rows."""

    ids: list[int]
    kinds: list[str] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    first_names: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    streets: list[str] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)
    postal_codes: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    birthdays: list[str] = field(default_factory=list)  # ISO date, "" for companies
    stages: list[str] = field(default_factory=list)
    owner_ids: list[int] = field(default_factory=list)
    team_ids: list[int] = field(default_factory=list)
    created_at: list[str] = field(default_factory=list)  # ISO, UTC
    stage_changed_at: list[str] = field(default_factory=list)
    extra_emails: list[tuple[int, str]] = field(default_factory=list)  # (customer id, email)
    extra_phones: list[tuple[int, str]] = field(default_factory=list)
    tag_links: list[tuple[int, int]] = field(default_factory=list)  # (customer id, tag id)
    team_grants: list[TeamGrant] = field(default_factory=list)


class PhoneSequence:
    """Unique, scattered mobile numbers: k -> (a*k + b) mod space is a bijection when a is
    coprime to space, so numbers never repeat and need no set to check against."""

    def __init__(self, plan: PhonePlan, rng: np.random.Generator) -> None:
        self.plan = plan
        self.block = 10**plan.digits
        self.space = len(plan.prefixes) * self.block
        self.step = int(rng.integers(self.space // 3, self.space // 2)) | 1
        while gcd(self.step, self.space) != 1:
            self.step += 2
        self.offset = int(rng.integers(0, self.space))
        self.next_k = 0

    def take(self) -> str:
        value = (self.step * self.next_k + self.offset) % self.space
        self.next_k += 1
        prefix = self.plan.prefixes[value // self.block]
        return f"+{self.plan.code}{prefix}{value % self.block:0{self.plan.digits}d}"


def _iso_seconds(epoch: np.ndarray) -> list[str]:
    return list(np.datetime_as_string(epoch.astype("datetime64[s]"), unit="s", timezone="UTC"))


class CustomerGenerator:
    """Draws customers batch by batch from one numpy Generator: same seed, same customers."""

    def __init__(self, *, seed: int, plan: Plan, now: datetime) -> None:
        self.rng = np.random.default_rng(seed)
        self.plan = plan
        self.now_epoch = int(now.timestamp())
        self.today = now.date()
        self.phone_sequences = [PhoneSequence(m.phone, self.rng) for m in MARKETS]
        self.weights = np.array([m.weight for m in MARKETS]) / sum(m.weight for m in MARKETS)
        self.stage_names = [str(s) for s in STAGE_WEIGHTS]
        self.stage_weights = np.array(list(STAGE_WEIGHTS.values())) / sum(STAGE_WEIGHTS.values())

    def batch(self, *, first_id: int, first_seq: int, size: int) -> CustomerBatch:
        rng = self.rng
        markets = rng.choice(len(MARKETS), size=size, p=self.weights).tolist()
        is_company = (rng.random(size) < COMPANY_SHARE).tolist()
        raw = rng.integers(0, 2**31, size=(size, 8)).tolist()
        stages = rng.choice(len(self.stage_names), size=size, p=self.stage_weights).tolist()
        extra = (rng.random((size, 2)) < (SECOND_EMAIL_SHARE, SECOND_PHONE_SHARE)).tolist()
        tags = (rng.random((size, len(TAG_SHARES))) < list(TAG_SHARES.values())).tolist()
        created = self.now_epoch - rng.integers(0, HISTORY_SECONDS, size=size)
        changed = created + (rng.random(size) * (self.now_epoch - created)).astype(np.int64)
        age_days = rng.integers(18 * 365, 85 * 365, size=size)
        birthdays = np.datetime_as_string(np.datetime64(self.today) - age_days).tolist()
        out = CustomerBatch(ids=list(range(first_id, first_id + size)))
        out.created_at = _iso_seconds(created)
        out.stage_changed_at = _iso_seconds(changed)
        for j in range(size):
            market = MARKETS[markets[j]]
            customer_id = first_id + j
            seq = first_seq + j
            out.kinds.append("company" if is_company[j] else "person")
            out.refs.append(f"C{seq:06d}")
            out.countries.append(market.country)
            out.languages.append(market.language)
            out.stages.append(self.stage_names[stages[j]])
            out.birthdays.append("" if is_company[j] else birthdays[j])
            self._identity(out, market, is_company[j], raw[j], seq, extra[j][0])
            self._address(out, market, raw[j])
            self._phones(out, markets[j], customer_id, extra[j][1])
            self._ownership(out, markets[j], raw[j])
            out.tag_links.extend(
                (customer_id, tag_id)
                for tag_id, has in zip(self.plan.tag_ids, tags[j], strict=True)
                if has
            )
            if is_company[j]:
                out.tag_links.append((customer_id, self.plan.b2b_tag_id))
        return out

    def _identity(
        self,
        out: CustomerBatch,
        market: Market,
        is_company: bool,
        raw: list[int],
        seq: int,
        extra: bool,
    ) -> None:
        if is_company:
            first, second = market.company_words
            words = (first[raw[0] % len(first)], second[raw[1] % len(second)])
            domain = f"{ascii_slug(words[0])}{ascii_slug(words[1])}{seq}.example"
            out.names.append(market.company_pattern.format(*words))
            out.first_names.append("")
            out.emails.append(f"info@{domain}")
            second_email = f"sales@{domain}"
        else:
            is_female = raw[2] % 2 == 1
            firsts = market.female_first if is_female else market.male_first
            first_name = firsts[raw[0] % len(firsts)]
            surname = market.surnames[raw[1] % len(market.surnames)][is_female]
            first_slug, last_slug = ascii_slug(first_name), ascii_slug(surname)
            domain = PERSON_EMAIL_DOMAINS[raw[3] % len(PERSON_EMAIL_DOMAINS)]
            out.names.append(f"{first_name} {surname}")
            out.first_names.append(first_name)
            out.emails.append(f"{first_slug}.{last_slug}{seq}@{domain}")
            second_email = f"{first_slug[0]}{last_slug}.{seq}@work.example"
        if extra:
            out.extra_emails.append((out.ids[len(out.names) - 1], second_email))

    def _address(self, out: CustomerBatch, market: Market, raw: list[int]) -> None:
        city, postal_prefix = market.cities[raw[4] % len(market.cities)]
        street = market.streets[raw[5] % len(market.streets)]
        number = 1 + raw[6] % 150
        out.streets.append(f"{number} {street}" if market.number_first else f"{street} {number}")
        out.cities.append(city)
        out.postal_codes.append(_postal_code(market.country, postal_prefix, raw[7]))

    def _phones(self, out: CustomerBatch, market_index: int, customer_id: int, extra: bool) -> None:
        sequence = self.phone_sequences[market_index]
        out.phones.append(sequence.take())
        if extra:
            out.extra_phones.append((customer_id, sequence.take()))

    def _ownership(self, out: CustomerBatch, market_index: int, raw: list[int]) -> None:
        team_index = self.plan.market_teams[market_index]
        if team_index is None:
            team_index = raw[3] // 7 % len(self.plan.teams)
        grant = self.plan.teams[team_index]
        out.team_ids.append(grant.team_id)
        out.team_grants.append(grant)
        out.owner_ids.append(grant.owner_ids[raw[4] // 11 % len(grant.owner_ids)])


# --- writing --------------------------------------------------------------------------------

CUSTOMER_COLUMNS = (
    "id", "kind", "external_ref", "name", "first_name", "primary_email", "primary_phone",
    "street", "city", "postal_code", "country", "language", "birthday", "stage",
    "stage_changed_at", "owner_id", "team_id", "created_at", "updated_at",
)  # fmt: skip
NULL = "\\N"  # COPY text format's NULL


@dataclass(frozen=True)
class CopyPayload:
    table: str
    columns: tuple[str, ...]
    text: str
    rows: int


def _customer_lines(b: CustomerBatch) -> list[str]:
    return [
        f"{i}\t{kind}\t{ref}\t{name}\t{first}\t{email}\t{phone}\t{street}\t{city}\t{postal}\t"
        f"{country}\t{language}\t{birthday or NULL}\t{stage}\t{changed}\t{owner}\t{team}\t"
        f"{created}\t{changed}\n"
        for i, kind, ref, name, first, email, phone, street, city, postal, country, language,
        birthday, stage, changed, owner, team, created in zip(
            b.ids, b.kinds, b.refs, b.names, b.first_names, b.emails, b.phones, b.streets,
            b.cities, b.postal_codes, b.countries, b.languages, b.birthdays, b.stages,
            b.stage_changed_at, b.owner_ids, b.team_ids, b.created_at, strict=True,
        )
    ]  # fmt: skip


def _contact_lines(b: CustomerBatch, primary: list[str], extra: list[tuple[int, str]]) -> list[str]:
    former = Customer.Stage.FORMER
    active = {i: stage != former for i, stage in zip(b.ids, b.stages, strict=True)}
    lines = [f"{i}\t{v}\tt\t{active[i]}\n" for i, v in zip(b.ids, primary, strict=True)]
    lines.extend(f"{i}\t{v}\tf\t{active[i]}\n" for i, v in extra)
    return lines


def copy_payloads(b: CustomerBatch, plan: Plan) -> list[CopyPayload]:
    """The batch as COPY text, one payload per table, parents first."""
    owner_perms = plan.owner_perm_ids
    user_perms = [
        f"{owner}\t{perm}\t{i}\n"
        for i, owner in zip(b.ids, b.owner_ids, strict=True)
        for perm in owner_perms
    ]
    group_perms: list[str] = []
    for i, grant in zip(b.ids, b.team_grants, strict=True):
        group_perms.extend(f"{grant.members_group_id}\t{p}\t{i}\n" for p in plan.member_perm_ids)
        group_perms.extend(f"{grant.managers_group_id}\t{p}\t{i}\n" for p in plan.manager_perm_ids)
    stage_changes = [
        f"{i}\t\t{stage}\t{at}\t{STAGE_CHANGE_REASON}\n"
        for i, stage, at in zip(b.ids, b.stages, b.stage_changed_at, strict=True)
    ]
    tag_links = [f"{i}\t{tag}\n" for i, tag in b.tag_links]
    tables: list[tuple[str, tuple[str, ...], list[str]]] = [
        (Customer._meta.db_table, CUSTOMER_COLUMNS, _customer_lines(b)),
        (CustomerEmail._meta.db_table, ("customer_id", "email", "is_primary", "is_active"),
         _contact_lines(b, b.emails, b.extra_emails)),
        (CustomerPhone._meta.db_table, ("customer_id", "phone", "is_primary", "is_active"),
         _contact_lines(b, b.phones, b.extra_phones)),
        (StageChange._meta.db_table, ("customer_id", "from_stage", "to_stage", "changed_at", "reason"),
         stage_changes),
        (Customer.tags.through._meta.db_table, ("customer_id", "tag_id"), tag_links),
        (CustomerUserObjectPermission._meta.db_table, ("user_id", "permission_id", "content_object_id"),
         user_perms),
        (CustomerGroupObjectPermission._meta.db_table,
         ("group_id", "permission_id", "content_object_id"), group_perms),
    ]  # fmt: skip
    return [CopyPayload(t, c, "".join(lines), len(lines)) for t, c, lines in tables]


def copy_into(cursor: object, payload: CopyPayload, table: str | None = None) -> None:
    """COPY one payload through a psycopg cursor (Django's ``cursor.cursor``)."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table or payload.table),
        sql.SQL(", ").join(sql.Identifier(c) for c in payload.columns),
    )
    with cursor.copy(statement) as copy:  # type: ignore[attr-defined]
        copy.write(payload.text)


def _orm_objects(b: CustomerBatch, plan: Plan) -> list[list[object]]:
    """The batch as model instances for bulk_create (SQLite: small demo databases)."""
    created = [datetime.fromisoformat(v) for v in b.created_at]
    changed = [datetime.fromisoformat(v) for v in b.stage_changed_at]
    customers = [
        Customer(**dict(zip(CUSTOMER_COLUMNS, row, strict=True)))
        for row in zip(
            b.ids, b.kinds, b.refs, b.names, b.first_names, b.emails, b.phones, b.streets,
            b.cities, b.postal_codes, b.countries, b.languages,
            [date.fromisoformat(v) if v else None for v in b.birthdays], b.stages, changed,
            b.owner_ids, b.team_ids, created, changed, strict=True,
        )
    ]  # fmt: skip
    active = {c.pk: c.stage != Customer.Stage.FORMER for c in customers}
    emails = [(c.pk, c.primary_email, True) for c in customers]
    emails += [(i, e, False) for i, e in b.extra_emails]
    phones = [(c.pk, c.primary_phone, True) for c in customers]
    phones += [(i, p, False) for i, p in b.extra_phones]
    user_perms = [(c.owner_id, p, c.pk) for c in customers for p in plan.owner_perm_ids]
    group_perms = [
        (gid, p, i)
        for i, g in zip(b.ids, b.team_grants, strict=True)
        for gid, perms in (
            (g.members_group_id, plan.member_perm_ids),
            (g.managers_group_id, plan.manager_perm_ids),
        )
        for p in perms
    ]
    tag_model = Customer.tags.through
    return [
        list(customers),
        [
            CustomerEmail(customer_id=i, email=e, is_primary=p, is_active=active[i])
            for i, e, p in emails
        ],
        [
            CustomerPhone(customer_id=i, phone=v, is_primary=p, is_active=active[i])
            for i, v, p in phones
        ],
        [
            StageChange(
                customer_id=c.pk,
                to_stage=c.stage,
                changed_at=c.stage_changed_at,
                reason=STAGE_CHANGE_REASON,
            )
            for c in customers
        ],
        [tag_model(customer_id=i, tag_id=t) for i, t in b.tag_links],
        [
            CustomerUserObjectPermission(user_id=u, permission_id=p, content_object_id=i)
            for u, p, i in user_perms
        ],
        [
            CustomerGroupObjectPermission(group_id=g, permission_id=p, content_object_id=i)
            for g, p, i in group_perms
        ],
    ]


@dataclass
class DemoResult:
    created: int = 0
    skipped: bool = False
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows written
    phase_seconds: dict[str, float] = field(default_factory=dict)  # "generate", table -> s

    @property
    def rate(self) -> float:
        return self.created / self.seconds if self.seconds else 0.0

    def add(self, key: str, seconds: float, rows: int = 0) -> None:
        self.phase_seconds[key] = self.phase_seconds.get(key, 0.0) + seconds
        if rows:
            self.rows[key] = self.rows.get(key, 0) + rows


def first_external_ref() -> str:
    return "C000001"


def today_utc() -> datetime:
    return timezone.now().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _reserve_ids(count: int) -> int:
    """The first of ``count`` consecutive customer ids nobody else will use. The caller holds
    a lock that keeps other writers off the customer table."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                "nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
                [Customer._meta.db_table, Customer._meta.db_table, count],
            )
            last = int(cursor.fetchone()[0])
        return last - count + 1
    return int(Customer.objects.aggregate(last=Max("id"))["last"] or 0) + 1


def _lock_customers() -> None:
    """Keep concurrent writers out while ids are reserved and the batches land."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Customer._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
            # Bulk seed data: losing the last commit in a crash costs a rerun, nothing more.
            cursor.execute("SET LOCAL synchronous_commit TO off")


def _write_batch(batch: CustomerBatch, plan: Plan, result: DemoResult) -> None:
    if connection.vendor == "postgresql":
        started = time.perf_counter()
        payloads = copy_payloads(batch, plan)
        result.add("format", time.perf_counter() - started)
        with connection.cursor() as cursor:
            for payload in payloads:
                started = time.perf_counter()
                copy_into(cursor.cursor, payload)
                result.add(payload.table, time.perf_counter() - started, payload.rows)
        return
    for objects in _orm_objects(batch, plan):
        if objects:
            started = time.perf_counter()
            model = type(objects[0])
            model._default_manager.bulk_create(objects, batch_size=2_000)  # type: ignore[attr-defined]
            result.add(model._meta.db_table, time.perf_counter() - started, len(objects))  # type: ignore[attr-defined]


def demo_batches(
    *, count: int, seed: int, plan: Plan, first_id: int, now: datetime, batch_size: int = BATCH_SIZE
) -> Iterator[CustomerBatch]:
    generator = CustomerGenerator(seed=seed, plan=plan, now=now)
    for start in range(0, count, batch_size):
        size = min(batch_size, count - start)
        yield generator.batch(first_id=first_id + start, first_seq=1 + start, size=size)


def demo_customers_create(
    *,
    count: int,
    seed: int,
    staff: DemoStaff,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> DemoResult:
    """Generate ``count`` customers in one transaction, unless demo customers exist already."""
    result = DemoResult()
    started = time.perf_counter()
    with transaction.atomic():
        _lock_customers()
        if count <= 0 or Customer.objects.filter(external_ref=first_external_ref()).exists():
            result.skipped = count > 0
            return result
        plan = demo_plan(staff)
        first_id = _reserve_ids(count)
        batches = demo_batches(
            count=count,
            seed=seed,
            plan=plan,
            first_id=first_id,
            now=now or today_utc(),
            batch_size=batch_size,
        )
        for batch in _timed(batches, result):
            _write_batch(batch, plan, result)
    result.created = count
    result.seconds = time.perf_counter() - started
    return result


def _timed(batches: Iterator[CustomerBatch], result: DemoResult) -> Iterator[CustomerBatch]:
    while True:
        started = time.perf_counter()
        batch = next(batches, None)
        result.add("generate", time.perf_counter() - started)
        if batch is None:
            return
        yield batch


def analyze_customer_tables() -> None:
    """Fresh statistics after a bulk load, so the planner sees the new row counts."""
    if connection.vendor != "postgresql":
        return
    models: Sequence[type] = (
        Customer, CustomerEmail, CustomerPhone, StageChange, Customer.tags.through,
        CustomerUserObjectPermission, CustomerGroupObjectPermission,
    )  # fmt: skip
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {model._meta.db_table}")  # type: ignore[attr-defined]


def login_lines() -> list[str]:
    return [f"{username} / {DEMO_PASSWORD} / {role}" for username, role in LOGINS]


Writer = Callable[[str], None]
