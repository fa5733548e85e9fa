"""Deterministic demo data: the demo staff (roles, teams) and customers of Lithuania, Latvia,
Poland, Greece, Great Britain and Ireland, written in bulk.

The same seed gives the same customers (names, emails, phones, stages, owners, tags); dates
are relative to the day of the run. Every customer gets exactly what ``customer_create``
would give it (contacts, primary_email/primary_phone, a first StageChange, tags, the owner's
and team's object permissions) but no audit entry per customer: this is seed data, not an
action anyone took. Emails use RFC 2606 reserved domains, so a demo campaign never mails a
real person.

Writing is in bulk, in one transaction. PostgreSQL gets COPY (about 20 times faster than
INSERT): text for rows with strings, binary built by numpy for the integer-only grant and
tag tables, sent on a worker thread while the next batch is generated. A load at least as
big as what the tables hold drops their secondary indexes and FK/unique constraints first
and rebuilds them at the end, as PostgreSQL's "Populating a Database" advises. SQLite, the
embedded demo database, gets executemany. Strings go into COPY's text format unescaped, so
the word lists below must hold no tab, newline or backslash (a test checks this).
"""

import time
import unicodedata
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from math import gcd
from typing import Any

import numpy as np
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import connection, models, transaction
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
# The first generated customer's reference: present means "demo data loaded already".
FIRST_EXTERNAL_REF = "C000001"
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
    (("Kazlauskas", "Kazlauskienė"), ("Jankauskas", "Jankauskienė"),
     ("Petrauskas", "Petrauskienė"), ("Stankevičius", "Stankevičienė"),
     ("Vasiliauskas", "Vasiliauskienė"), ("Žukauskas", "Žukauskienė"),
     ("Butkus", "Butkienė"), ("Paulauskas", "Paulauskienė"), ("Urbonas", "Urbonienė"),
     ("Kavaliauskas", "Kavaliauskienė"), ("Baranauskas", "Baranauskienė"),
     ("Navickas", "Navickienė"),
     ("Ramanauskas", "Ramanauskienė"), ("Šimkus", "Šimkienė"), ("Lukošius", "Lukošienė"),
     ("Sakalauskas", "Sakalauskienė"), ("Žemaitis", "Žemaitienė"), ("Grigas", "Grigienė"),
     ("Mockus", "Mockienė"), ("Kairys", "Kairienė")),
    (("Vilnius", "01"), ("Vilnius", "08"), ("Kaunas", "44"), ("Klaipėda", "91"), ("Šiauliai", "76"),
     ("Panevėžys", "35"), ("Alytus", "62"), ("Marijampolė", "68"), ("Utena", "28")),
    ("Gedimino pr.", "Laisvės al.", "Vilniaus g.", "Savanorių pr.", "Konstitucijos pr.",
     "Žalgirio g.", "Pylimo g.", "Taikos pr.", "Basanavičiaus g.", "Ukmergės g.", "Šilutės pl."),
    (("Baltijos", "Nemuno", "Vilniaus", "Žalgirio", "Šilo", "Pajūrio", "Ąžuolo", "Gintaro",
      "Neries"),
     ("prekyba", "logistika", "baldai", "statyba", "vaistinė", "duona", "sistemos", "energija",
      "ūkis")),
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
    (("Nowak", "Nowak"), ("Kowalski", "Kowalska"), ("Wiśniewski", "Wiśniewska"),
     ("Wójcik", "Wójcik"),
     ("Kowalczyk", "Kowalczyk"), ("Kamiński", "Kamińska"), ("Lewandowski", "Lewandowska"),
     ("Zieliński", "Zielińska"), ("Szymański", "Szymańska"), ("Woźniak", "Woźniak"),
     ("Dąbrowski", "Dąbrowska"), ("Kozłowski", "Kozłowska"), ("Jankowski", "Jankowska"),
     ("Mazur", "Mazur"), ("Krawczyk", "Krawczyk"), ("Piotrowski", "Piotrowska"),
     ("Grabowski", "Grabowska"), ("Pawłowski", "Pawłowska"), ("Michalski", "Michalska"),
     ("Król", "Król")),
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


# Greek to Latin for email addresses (ELOT 743, simplified): digraphs first, then letters.
_GREEK_DIGRAPHS = {"ου": "ou", "ευ": "ev", "αυ": "av", "γγ": "ng", "μπ": "b"}
_GREEK_LETTERS = {
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i",
    "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s",
    "ς": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o", "ł": "l",
}  # fmt: skip


@cache
def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters and digits of ``text``, for email addresses: "Žukauskienė" ->
    "zukauskiene", "Παπαδοπούλου" -> "papadopoulou", "O'Brien" -> "obrien"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    text = "".join(char for char in decomposed if not unicodedata.combining(char))
    for greek, latin in _GREEK_DIGRAPHS.items():
        text = text.replace(greek, latin)
    text = "".join(_GREEK_LETTERS.get(char, char) for char in text)
    return "".join(char for char in text if char.isascii() and char.isalnum())


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
    owner_ids: tuple[int, ...]  # Sales members: the owners its customers are spread over


@dataclass(frozen=True)
class Plan:
    """Everything generation needs from the database, loaded once."""

    teams: tuple[TeamGrant, ...]
    market_teams: tuple[int | None, ...]  # per market: index into ``teams``; None: any team
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
    return Plan(
        teams=tuple(
            TeamGrant(
                team_id=staff.teams[name].pk,
                members_group_id=staff.teams[name].members_group_id,
                managers_group_id=staff.teams[name].managers_group_id,
                owner_ids=tuple(staff.sales_ids(name)),
            )
            for name in team_names
        ),
        market_teams=tuple(team_names.index(m.team) if m.team else None for m in MARKETS),
        tag_ids=tuple(tag_ids[n] for n in TAG_SHARES),
        b2b_tag_id=tag_ids[B2B_TAG],
        owner_perm_ids=tuple(customer_permission_id(c) for c in OWNER_CODENAMES),
        member_perm_ids=tuple(customer_permission_id(c) for c in TEAM_MEMBER_CODENAMES),
        manager_perm_ids=tuple(customer_permission_id(c) for c in TEAM_MANAGER_CODENAMES),
    )


CUSTOMER_COLUMNS = (
    "id", "kind", "external_ref", "name", "first_name", "primary_email", "primary_phone",
    "street", "city", "postal_code", "country", "language", "birthday", "stage",
    "stage_changed_at", "owner_id", "team_id", "created_at", "updated_at", "time_zone",
)  # fmt: skip
CONTACT_COLUMNS = ("customer_id", "{}", "is_primary", "is_active")
STAGE_CHANGE_COLUMNS = ("customer_id", "from_stage", "to_stage", "changed_at", "reason")
COPY_NULL = "\\N"  # NULL in COPY's text format


@dataclass(frozen=True)
class TableRows:
    """Rows for one table: ``rows`` as tuples, or ``ints`` as an (n, columns) int64 matrix
    for tables of integers only, which PostgreSQL receives as binary COPY built by numpy."""

    model: type[models.Model]
    columns: tuple[str, ...]
    rows: list[tuple[object, ...]] = field(default_factory=list)
    ints: np.ndarray | None = None

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    def __len__(self) -> int:
        return len(self.ints) if self.ints is not None else len(self.rows)


@dataclass
class _Draws:
    """One batch's random numbers, drawn with vectorised numpy calls, as Python lists."""

    markets: list[int]
    is_company: list[bool]
    raw: list[list[int]]
    stages: list[int]
    extra: list[list[bool]]
    created: list[str]
    changed: list[str]
    birthdays: list[str]


@dataclass
class _Rows:
    customers: list[tuple[object, ...]] = field(default_factory=list)
    emails: list[tuple[object, ...]] = field(default_factory=list)
    phones: list[tuple[object, ...]] = field(default_factory=list)
    stage_changes: list[tuple[object, ...]] = field(default_factory=list)
    owner_ids: list[int] = field(default_factory=list)
    team_indexes: list[int] = field(default_factory=list)


class PhoneSequence:
    """Unique, scattered mobile numbers: k -> (a*k + b) mod space is a bijection when a is
    coprime to space, so numbers never repeat and need no set to be checked against."""

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


def _sql_seconds(epoch: np.ndarray) -> list[str]:
    """Epoch seconds as 'YYYY-MM-DD HH:MM:SS' (UTC), the form Django stores on SQLite."""
    iso = np.datetime_as_string(epoch.astype("datetime64[s]"), unit="s")
    return [value.replace("T", " ") for value in iso.tolist()]


class CustomerGenerator:
    """Draws customers batch by batch from one numpy Generator: same seed, same customers.
    ``null`` is what a missing value is written as: None for executemany, COPY_NULL for COPY."""

    def __init__(self, *, seed: int, plan: Plan, now: datetime, null: str | None) -> None:
        self.rng = np.random.default_rng(seed)
        self.plan = plan
        self.null = null
        self.now_epoch = int(now.timestamp())
        self.today = np.datetime64(now.date())
        self.phones = [PhoneSequence(m.phone, self.rng) for m in MARKETS]
        self.market_weights = _normalised([m.weight for m in MARKETS])
        self.stage_names = [str(s) for s in STAGE_WEIGHTS]
        self.stage_weights = _normalised(list(STAGE_WEIGHTS.values()))
        self.tag_ids = np.array([*plan.tag_ids, plan.b2b_tag_id], dtype=np.int64)
        self.group_templates = np.array(
            [
                [(g.members_group_id, p) for p in plan.member_perm_ids]
                + [(g.managers_group_id, p) for p in plan.manager_perm_ids]
                for g in plan.teams
            ],
            dtype=np.int64,
        )  # (team, grant, (group id, permission id))

    def batch(self, *, first_id: int, first_seq: int, size: int) -> list[TableRows]:
        """``size`` customers with ids from ``first_id``, references C<first_seq>..., with
        every row that belongs to them; parents first."""
        draws, tags = self._draw(size)
        rows = _Rows()
        for j in range(size):
            self._customer(draws, j, first_id + j, first_seq + j, rows)
        ids = np.arange(first_id, first_id + size, dtype=np.int64)
        tags[:, -1] = draws.is_company  # every company carries B2B
        return [
            TableRows(Customer, CUSTOMER_COLUMNS, rows.customers),
            TableRows(CustomerEmail, _contact_columns("email"), rows.emails),
            TableRows(CustomerPhone, _contact_columns("phone"), rows.phones),
            TableRows(StageChange, STAGE_CHANGE_COLUMNS, rows.stage_changes),
            self._tag_links(ids, tags),
            self._user_grants(ids, np.array(rows.owner_ids, dtype=np.int64)),
            self._group_grants(ids, np.array(rows.team_indexes, dtype=np.int64)),
        ]

    def _draw(self, size: int) -> tuple[_Draws, np.ndarray]:
        rng = self.rng
        created = self.now_epoch - rng.integers(0, HISTORY_SECONDS, size=size)
        changed = created + (rng.random(size) * (self.now_epoch - created)).astype(np.int64)
        age_days = rng.integers(18 * 365, 85 * 365, size=size)
        draws = _Draws(
            markets=rng.choice(len(MARKETS), size=size, p=self.market_weights).tolist(),
            is_company=(rng.random(size) < COMPANY_SHARE).tolist(),
            raw=rng.integers(0, 2**31, size=(size, 8)).tolist(),
            stages=rng.choice(len(self.stage_names), size=size, p=self.stage_weights).tolist(),
            extra=(rng.random((size, 2)) < (SECOND_EMAIL_SHARE, SECOND_PHONE_SHARE)).tolist(),
            created=_sql_seconds(created),
            changed=_sql_seconds(changed),
            birthdays=np.datetime_as_string(self.today - age_days).tolist(),
        )
        shares = [*TAG_SHARES.values(), 0.0]  # the last column, B2B, is set from the kind
        return draws, rng.random((size, len(shares))) < shares

    def _customer(self, d: _Draws, j: int, customer_id: int, seq: int, out: _Rows) -> None:
        market_index, raw, is_company = d.markets[j], d.raw[j], d.is_company[j]
        market = MARKETS[market_index]
        identity = _company(market, raw, seq) if is_company else _person(market, raw, seq)
        name, first_name, email, second_email = identity
        team_index = self.plan.market_teams[market_index]
        if team_index is None:
            team_index = raw[3] // 7 % len(self.plan.teams)
        grant = self.plan.teams[team_index]
        owner_id = grant.owner_ids[raw[4] // 11 % len(grant.owner_ids)]
        phone = self.phones[market_index].take()
        stage = self.stage_names[d.stages[j]]
        is_active = stage != Customer.Stage.FORMER  # former customers release their contacts
        changed = d.changed[j]
        out.customers.append(
            (customer_id, "company" if is_company else "person", f"C{seq:06d}", name, first_name,
             email, phone, *_address(market, raw), market.country, market.language,
             self.null if is_company else d.birthdays[j], stage, changed, owner_id,
             grant.team_id, d.created[j], changed, "")  # blank zone: the country's
        )  # fmt: skip
        out.emails.append((customer_id, email, True, is_active))
        if d.extra[j][0]:
            out.emails.append((customer_id, second_email, False, is_active))
        out.phones.append((customer_id, phone, True, is_active))
        if d.extra[j][1]:
            out.phones.append((customer_id, self.phones[market_index].take(), False, is_active))
        out.stage_changes.append((customer_id, "", stage, changed, STAGE_CHANGE_REASON))
        out.owner_ids.append(owner_id)
        out.team_indexes.append(team_index)

    def _tag_links(self, ids: np.ndarray, tags: np.ndarray) -> TableRows:
        customer_index, tag_index = np.nonzero(tags)
        links = np.column_stack([ids[customer_index], self.tag_ids[tag_index]])
        return TableRows(Customer.tags.through, ("customer_id", "tag_id"), ints=links)

    def _user_grants(self, ids: np.ndarray, owner_ids: np.ndarray) -> TableRows:
        """What ``permissions.grant_owner`` writes: the owner's view and change."""
        perms = np.array(self.plan.owner_perm_ids, dtype=np.int64)
        grants = np.column_stack(
            [np.repeat(owner_ids, len(perms)), np.tile(perms, len(ids)), np.repeat(ids, len(perms))]
        )
        columns = ("user_id", "permission_id", "content_object_id")
        return TableRows(CustomerUserObjectPermission, columns, ints=grants)

    def _group_grants(self, ids: np.ndarray, team_indexes: np.ndarray) -> TableRows:
        """What ``permissions.grant_team`` writes: view for the team's members group; view,
        change and reassign for its managers group."""
        per_customer = self.group_templates.shape[1]
        pairs = self.group_templates[team_indexes].reshape(-1, 2)
        grants = np.column_stack([pairs, np.repeat(ids, per_customer)])
        columns = ("group_id", "permission_id", "content_object_id")
        return TableRows(CustomerGroupObjectPermission, columns, ints=grants)


def _normalised(weights: Sequence[float]) -> np.ndarray:
    array = np.array(weights, dtype=float)
    return np.asarray(array / array.sum())


def _contact_columns(value_column: str) -> tuple[str, ...]:
    return tuple(c.format(value_column) for c in CONTACT_COLUMNS)


def _person(market: Market, raw: list[int], seq: int) -> tuple[str, str, str, str]:
    """(name, first name, email, second email) of a person; ``seq`` makes emails unique."""
    is_female = raw[2] % 2 == 1
    firsts = market.female_first if is_female else market.male_first
    first_name = firsts[raw[0] % len(firsts)]
    surname = market.surnames[raw[1] % len(market.surnames)][is_female]
    first, last = ascii_slug(first_name), ascii_slug(surname)
    domain = PERSON_EMAIL_DOMAINS[raw[3] % len(PERSON_EMAIL_DOMAINS)]
    email = f"{first}.{last}{seq}@{domain}"
    return f"{first_name} {surname}", first_name, email, f"{first[0]}{last}.{seq}@work.example"


def _company(market: Market, raw: list[int], seq: int) -> tuple[str, str, str, str]:
    first, second = market.company_words
    words = (first[raw[0] % len(first)], second[raw[1] % len(second)])
    domain = f"{ascii_slug(words[0])}{ascii_slug(words[1])}{seq}.example"
    return market.company_pattern.format(*words), "", f"info@{domain}", f"sales@{domain}"


def _address(market: Market, raw: list[int]) -> tuple[str, str, str]:
    """(street, city, postal code)."""
    city, postal_prefix = market.cities[raw[4] % len(market.cities)]
    street = market.streets[raw[5] % len(market.streets)]
    number = 1 + raw[6] % 150
    line = f"{number} {street}" if market.number_first else f"{street} {number}"
    return line, city, _postal_code(market.country, postal_prefix, raw[7])


# --- writing --------------------------------------------------------------------------------

_PGCOPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8  # signature, flags, extension length
_PGCOPY_TRAILER = b"\xff\xff"


def _int_sizes(rows: TableRows) -> list[int]:
    """Bytes per column in PostgreSQL: 8 for bigint (BigAutoField keys), else 4."""
    by_column = {f.column: f for f in rows.model._meta.concrete_fields}
    return [8 if by_column[c].db_type(connection) == "bigint" else 4 for c in rows.columns]


def _binary_copy_data(rows: TableRows) -> bytes:
    """COPY's binary format for a matrix of integers, built by numpy in one pass: per row a
    field count, then per field its length and big-endian value."""
    assert rows.ints is not None  # noqa: S101
    sizes = _int_sizes(rows)
    layout: list[tuple[str, str]] = [("fields", ">i2")]
    for k, size in enumerate(sizes):
        layout += [(f"length{k}", ">i4"), (f"value{k}", f">i{size}")]
    records = np.empty(len(rows.ints), dtype=layout)
    records["fields"] = len(sizes)
    for k, size in enumerate(sizes):
        records[f"length{k}"] = size
        records[f"value{k}"] = rows.ints[:, k]
    return _PGCOPY_HEADER + records.tobytes() + _PGCOPY_TRAILER


@dataclass(frozen=True)
class CopyJob:
    table: str
    statement: sql.Composed
    data: bytes | str
    rows: int


def copy_job(rows: TableRows, *, table: str | None = None) -> CopyJob:
    """The COPY statement and data for ``rows``; ``table`` redirects it (bench floors)."""
    binary = rows.ints is not None
    statement = sql.SQL("COPY {} ({}) FROM STDIN {}").format(
        sql.Identifier(table or rows.table),
        sql.SQL(", ").join(sql.Identifier(c) for c in rows.columns),
        sql.SQL("(FORMAT BINARY)" if binary else ""),
    )
    if binary:
        return CopyJob(rows.table, statement, _binary_copy_data(rows), len(rows))
    template = "\t".join(["%s"] * len(rows.columns)) + "\n"
    return CopyJob(rows.table, statement, "".join([template % r for r in rows.rows]), len(rows))


def copy_run(cursor: Any, jobs: list[CopyJob]) -> list[tuple[str, float, int]]:
    """Run COPY ... FROM STDIN jobs on a psycopg cursor (Django's ``cursor.cursor``);
    returns (table, seconds, rows) for each."""
    timings = []
    for job in jobs:
        started = time.perf_counter()
        with cursor.copy(job.statement) as copy:
            copy.write(job.data)
        timings.append((job.table, time.perf_counter() - started, job.rows))
    return timings


def _insert_many(cursor: Any, rows: TableRows) -> None:
    """SQLite: one executemany per table. Not bulk_create: its pre_save would overwrite the
    generated created_at/updated_at/changed_at (auto_now, auto_now_add) with now."""
    quote = connection.ops.quote_name
    statement = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from models
        quote(rows.table),
        ", ".join(quote(c) for c in rows.columns),
        ", ".join(["%s"] * len(rows.columns)),
    )
    cursor.executemany(statement, rows.ints.tolist() if rows.ints is not None else rows.rows)


@dataclass
class DemoResult:
    created: int = 0
    skipped: bool = False
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows written
    phase_seconds: dict[str, float] = field(default_factory=dict)  # phase or table -> seconds

    @property
    def rate(self) -> float:
        """Customers per second."""
        return self.created / self.seconds if self.seconds else 0.0

    def add(self, phase: str, seconds: float, rows: int = 0) -> None:
        self.phase_seconds[phase] = self.phase_seconds.get(phase, 0.0) + seconds
        if rows:
            self.rows[phase] = self.rows.get(phase, 0) + rows

    def add_timings(self, timings: list[tuple[str, float, int]]) -> None:
        for phase, seconds, rows in timings:
            self.add(phase, seconds, rows)


def _copy_overlapped(cursor: Any, batches: Iterator[list[TableRows]], result: DemoResult) -> None:
    """PostgreSQL ingests batch k on a worker thread while this thread generates batch k+1,
    keeping two cores busy instead of one. Meanwhile only the worker uses the connection;
    a failure on either side propagates after the worker stopped, and rolls back."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-copy") as pool:
        pending: Future[list[tuple[str, float, int]]] | None = None
        for tables in batches:
            started = time.perf_counter()
            jobs = [copy_job(rows) for rows in tables if len(rows)]
            result.add("format COPY data", time.perf_counter() - started)
            if pending is not None:
                result.add_timings(pending.result())
            pending = pool.submit(copy_run, cursor.cursor, jobs)
        if pending is not None:
            result.add_timings(pending.result())


def _insert_batches(cursor: Any, batches: Iterator[list[TableRows]], result: DemoResult) -> None:
    for tables in batches:
        for rows in tables:
            if len(rows):
                started = time.perf_counter()
                _insert_many(cursor, rows)
                result.add(rows.table, time.perf_counter() - started, len(rows))


def _generated(
    generator: "CustomerGenerator",
    *,
    first_id: int,
    count: int,
    batch_size: int,
    result: DemoResult,
) -> Iterator[list[TableRows]]:
    for start in range(0, count, batch_size):
        started = time.perf_counter()
        size = min(batch_size, count - start)
        tables = generator.batch(first_id=first_id + start, first_seq=1 + start, size=size)
        result.add("generate", time.perf_counter() - started)
        yield tables


def today_utc() -> datetime:
    return timezone.now().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _prepare_session(cursor: Any) -> None:
    """Keep concurrent writers off the customer table while ids are reserved and batches
    land; on PostgreSQL also read COPY's timestamps as UTC."""
    if connection.vendor != "postgresql":
        return
    cursor.execute(f"LOCK TABLE {Customer._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
    cursor.execute("SET LOCAL TimeZone TO 'UTC'")
    # Seed data: a crash right after commit costs a rerun, nothing more.
    cursor.execute("SET LOCAL synchronous_commit TO off")


def _reserve_ids(cursor: Any, count: int) -> int:
    """The first of ``count`` consecutive customer ids that no customer ever had. The caller
    holds the lock of ``_prepare_session``."""
    table = Customer._meta.db_table
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            "nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
            [table, table, count],
        )
        return int(cursor.fetchone()[0]) - count + 1
    # SQLite AUTOINCREMENT remembers deleted ids in sqlite_sequence; never reuse them, or an
    # audit entry of a deleted customer would describe the new one.
    cursor.execute(
        f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "  # noqa: S608
        f"coalesce((SELECT max(id) FROM {table}), 0))",
        [table],
    )
    return int(cursor.fetchone()[0]) + 1


# Below this many new customers, or when the tables hold more than is being added,
# maintaining indexes row by row is cheaper than rebuilding them.
REBUILD_MIN_CUSTOMERS = 20_000
LOADED_MODELS: tuple[type[models.Model], ...] = (
    Customer, CustomerEmail, CustomerPhone, StageChange, Customer.tags.through,
    CustomerUserObjectPermission, CustomerGroupObjectPermission,
)  # fmt: skip


@dataclass(frozen=True)
class _SetAside:
    """Secondary indexes and FK/unique constraints of the loaded tables, as the catalog
    defines them, so that they can be dropped before a big load and rebuilt after it."""

    indexes: list[tuple[str, str]]  # (index, CREATE INDEX ...)
    constraints: list[tuple[str, str, str]]  # (table, constraint, definition)


def _set_aside(cursor: Any) -> _SetAside:
    """PostgreSQL's advice for populating a database: loading without indexes and
    foreign keys, then building them in one pass, is several times faster than updating
    ~20 indexes and queueing a deferred FK check per row. The primary keys stay."""
    tables = [m._meta.db_table for m in LOADED_MODELS]
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('u', 'f') "
        "ORDER BY contype DESC, conname",
        [tables],
    )
    constraints = [(str(t), str(n), str(d)) for t, n, d in cursor.fetchall()]
    cursor.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
        "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
        [tables],
    )
    indexes = [(str(n), str(d)) for n, d in cursor.fetchall()]
    # A table with queued deferred FK checks (rows written earlier in this transaction, such
    # as the demo teams inside a test) cannot be altered: run those checks now, then return
    # to Django's default of deferring them.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    quote = connection.ops.quote_name
    for table, name, _definition in constraints:
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return _SetAside(indexes=indexes, constraints=constraints)


def _restore(cursor: Any, set_aside: _SetAside, result: DemoResult) -> None:
    quote = connection.ops.quote_name
    cursor.execute("SET LOCAL maintenance_work_mem TO '1GB'")  # sorts in memory
    for name, definition in set_aside.indexes:
        started = time.perf_counter()
        cursor.execute(definition)
        result.add(f"rebuild {name}", time.perf_counter() - started)
    for table, name, definition in set_aside.constraints:
        started = time.perf_counter()
        cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
        result.add(f"add {name}", time.perf_counter() - started)


def _rebuild_pays(cursor: Any, count: int) -> bool:
    if connection.vendor != "postgresql" or count < REBUILD_MIN_CUSTOMERS:
        return False
    cursor.execute(f"SELECT count(*) FROM {Customer._meta.db_table}")  # noqa: S608
    return int(cursor.fetchone()[0]) <= count


def demo_customers_create(
    *,
    count: int,
    seed: int,
    staff: DemoStaff,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> DemoResult:
    """Generate ``count`` customers in one transaction, unless demo customers exist already
    (the first reference, C000001, is taken): then nothing is written. A big load takes the
    customer tables' indexes offline until it commits: readers wait, as for a migration."""
    result = DemoResult()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        _prepare_session(cursor)
        if count <= 0 or Customer.objects.filter(external_ref=FIRST_EXTERNAL_REF).exists():
            result.skipped = count > 0
            return result
        plan = demo_plan(staff)
        first_id = _reserve_ids(cursor, count)
        set_aside = _set_aside(cursor) if _rebuild_pays(cursor, count) else None
        null = COPY_NULL if connection.vendor == "postgresql" else None
        generator = CustomerGenerator(seed=seed, plan=plan, now=now or today_utc(), null=null)
        batches = _generated(
            generator, first_id=first_id, count=count, batch_size=batch_size, result=result
        )
        if connection.vendor == "postgresql":
            _copy_overlapped(cursor, batches, result)
        else:
            _insert_batches(cursor, batches, result)
        if set_aside is not None:
            _restore(cursor, set_aside, result)
        committed = time.perf_counter()
    result.add("commit (deferred FK checks)", time.perf_counter() - committed)
    result.created = count
    result.seconds = time.perf_counter() - started
    return result


def analyze_customer_tables() -> None:
    """Fresh planner statistics after a bulk load (autovacuum would take its time)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in LOADED_MODELS:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def login_lines() -> list[str]:
    """One line per role: username / password / role."""
    return [f"{username} / {DEMO_PASSWORD} / {role}" for username, role in LOGINS]
