"""Deterministic demo data for the SQLite ASPIRE stand-in.

``seed(path)`` builds the database from ddl.sql and fills it from ``random.Random(seed)`` with dates relative to
the fixed anchor 2026-11-01 (never today), so two runs give the same content. Every state the portal has rules
for is present: not booked / booked active / booked terminated; Customer, Guarantor, Vendor, Broker and
CoLessee roles; operating leases, capital leases and loans; private labels NULL, AGRI, MED, DENTAL and LEGACY
(LEGACY maps to no site); open and paid invoices; multi-address email fields; US and Canadian postal codes in
several spellings; bank accounts with valid ABA routing numbers.

The first accounts of each label group follow fixed recipes (an account with open and closed contracts that is
also a guarantor, enrollment candidates with US and Canadian bill-to addresses...), so the demo personas exist
whatever the random draw; everything else is drawn.

Large datasets (``scale=100_000`` contracts, ~1-2 million amortization rows) stream: contracts are generated
and inserted in chunks with executemany, one transaction per table batch, so memory stays bounded. Every row
goes through the rowversion triggers, exactly like later writes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import random
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portal.adapters.aspire.sqlite import SqliteAspireSource
from portal.domain.bank import aba_check_digit

__all__ = [
    "ANCHOR_DATE",
    "ASPIRE_VERSION",
    "DEFAULT_SEED",
    "INSERT_STATEMENTS",
    "LABELS",
    "ContractPlan",
    "SeedResult",
    "aba_routing_number",
    "content_hash",
    "contract_rows",
    "seed",
    "snapshot_path",
    "typed_postal_code",
]

ANCHOR_DATE = dt.date(2026, 11, 1)
ASPIRE_VERSION = "5.21.3"
DEFAULT_SEED = 20261121
DEFAULT_CONTRACTS = 660
DEFAULT_ACCOUNTS = 250
MIN_SCALE = 100
_CHUNK = 2_000  # contracts per generated batch at scale

# Private labels: None is the default site's; LEGACY maps to no site on purpose (diagnostics).
LABELS: tuple[str | None, ...] = (None, "AGRI", "MED", "DENTAL", "LEGACY")
_LABEL_WEIGHTS = (50, 16, 12, 12, 10)
_CONTRACT_TYPES = ("OperatingLease", "CapitalLease", "Loan")
_FREQUENCIES = (("Monthly", 1), ("Quarterly", 3), ("SemiAnnual", 6), ("Annual", 12))
_FREQUENCY_WEIGHTS = (50, 30, 5, 15)
_ROLE_EXTRAS = (("Guarantor", 0.18), ("Vendor", 0.25), ("Broker", 0.10), ("CoLessee", 0.04))

Booked = str  # "active" | "terminated" | "not_booked"

# --- word lists -----------------------------------------------------------------------------------------------

_FIRST_NAMES = (
    "Dana", "Marcus", "Priya", "Luis", "Hannah", "Owen", "Grace", "Mateo", "Chloe", "Samuel", "Aisha", "Ethan",
    "Nora", "Diego", "Leah", "Caleb", "Sofia", "Isaac", "Maya", "Wyatt", "Elena", "Gavin", "Ruby", "Jonah",
    "Claire", "Andre", "Paige", "Tobias", "Lena", "Victor", "Tessa", "Malik", "Ingrid", "Rafael", "Joy", "Colin",
    "Amara", "Felix", "Bianca", "Henry", "Yuki", "Rosa", "Derek", "Naomi", "Kofi", "Alice", "Brett", "Lucia",
)  # fmt: skip
_LAST_NAMES = (
    "Lopez", "Bennett", "Patel", "Nguyen", "Schmidt", "Okafor", "Larsen", "Moreau", "Kowalski", "Hughes",
    "Ramirez", "Fischer", "Tanaka", "Olsen", "Brooks", "Delgado", "Murphy", "Novak", "Reyes", "Sullivan",
    "Carter", "Haddad", "Lindqvist", "Mensah", "Dubois", "Harper", "Jensen", "Castillo", "Price", "Becker",
    "Whitfield", "Morales", "Kim", "Anders", "Fontaine", "Gallagher", "Ibarra", "Quinn", "Sato", "Vance",
)  # fmt: skip
_ADJECTIVES = (
    "Prairie", "Summit", "Cedar", "Northern", "Riverbend", "Golden", "Lakeshore", "Granite", "Maple", "Pioneer",
    "Red Oak", "Silver Creek", "Blue Ridge", "Heartland", "Iron Horse", "Clearwater", "Evergreen", "Frontier",
    "Keystone", "Willow", "Stonebridge", "Bright Harbor", "Timberline", "Crescent", "Meadowbrook", "Copper Hill",
)  # fmt: skip
_NOUNS: dict[str | None, tuple[str, ...]] = {
    None: ("Construction", "Logistics", "Excavating", "Printing", "Manufacturing", "Trucking", "Landscaping",
           "Machine Works", "Paving", "Fabrication", "Builders", "Freight"),
    "AGRI": ("Farms", "Grain", "Dairy", "Orchards", "Cattle Company", "Agri Services", "Seed & Feed", "Ranch"),
    "MED": ("Medical Group", "Imaging Center", "Family Clinic", "Physical Therapy", "Urgent Care",
            "Surgical Associates", "Cardiology"),
    "DENTAL": ("Dental", "Orthodontics", "Family Dentistry", "Oral Surgery", "Smiles Dental Studio",
               "Pediatric Dentistry"),
    "LEGACY": ("Contracting", "Supply", "Equipment Rental", "Industrial Services", "Welding"),
}  # fmt: skip
_SUFFIXES = ("LLC", "Inc.", "Co.", "Ltd.", "LLP")
_VENDOR_NOUNS = ("Equipment Sales", "Machinery", "Dealer Group", "Capital Partners", "Leasing Brokers")
_STREETS = ("Main", "Oak", "Maple", "Elm", "Industrial", "Commerce", "Prairie", "River", "Lake", "Park",
            "Mill", "Railroad", "Center", "Airport", "Harvest", "Market")  # fmt: skip
_STREET_TYPES = ("St", "Ave", "Rd", "Blvd", "Dr", "Pkwy", "Way", "Ln")

# (city, state, ZIP3 prefix, area code)
_US_CITIES = (
    ("Chicago", "IL", "606", "312"), ("Springfield", "IL", "627", "217"), ("Des Moines", "IA", "503", "515"),
    ("Omaha", "NE", "681", "402"), ("Fargo", "ND", "581", "701"), ("Sioux Falls", "SD", "571", "605"),
    ("Madison", "WI", "537", "608"), ("Minneapolis", "MN", "554", "612"), ("Kansas City", "MO", "641", "816"),
    ("Wichita", "KS", "672", "316"), ("Peoria", "IL", "616", "309"), ("Cedar Rapids", "IA", "524", "319"),
    ("Denver", "CO", "802", "303"), ("Dallas", "TX", "752", "214"), ("Columbus", "OH", "432", "614"),
    ("Indianapolis", "IN", "462", "317"), ("Nashville", "TN", "372", "615"), ("Boise", "ID", "837", "208"),
    ("Fresno", "CA", "937", "559"), ("Lubbock", "TX", "794", "806"),
)  # fmt: skip
# (city, province, forward sortation areas, area code)
_CA_CITIES = (
    ("Toronto", "ON", ("M5V", "M4W", "M6K"), "416"), ("Ottawa", "ON", ("K1A", "K2P", "K1S"), "613"),
    ("Winnipeg", "MB", ("R3C", "R2M"), "204"), ("Regina", "SK", ("S4P", "S4S"), "306"),
    ("Saskatoon", "SK", ("S7K", "S7N"), "306"), ("Calgary", "AB", ("T2P", "T3A"), "403"),
    ("Edmonton", "AB", ("T5J", "T6E"), "780"), ("Vancouver", "BC", ("V6B", "V5K"), "604"),
    ("Halifax", "NS", ("B3H", "B3J"), "902"), ("Montreal", "QC", ("H3B", "H2X"), "514"),
)  # fmt: skip
_CA_LETTERS = "ABCEGHJKLMNPRSTVWXYZ"

# (description, manufacturer, model)
_EQUIPMENT: dict[str | None, tuple[tuple[str, str, str], ...]] = {
    None: (("Excavator", "Caterpillar", "320 GC"), ("Wheel loader", "Komatsu", "WA270-8"),
           ("Skid steer loader", "Bobcat", "S76"), ("Forklift", "Toyota", "8FGCU25"), ("Box truck", "Isuzu", "NPR-HD"),
           ("CNC machining center", "Haas", "VF-2SS"), ("Digital press", "HP", "Indigo 7K"),
           ("Tractor-trailer", "Freightliner", "Cascadia 126"), ("Laser cutter", "Trumpf", "TruLaser 3030"),
           ("Boom lift", "JLG", "600S")),
    "AGRI": (("Row-crop tractor", "John Deere", "8R 410"), ("Combine harvester", "Case IH", "Axial-Flow 8250"),
             ("Self-propelled sprayer", "AGCO", "RoGator RG1100C"), ("Grain cart", "Kinze", "1300"),
             ("Planter", "Kinze", "4905"), ("Utility tractor", "Kubota", "M7-172"),
             ("Large square baler", "New Holland", "BigBaler 1290"), ("Grain dryer", "GSI", "1220")),
    "MED": (("MRI scanner", "Siemens Healthineers", "MAGNETOM Sola"),
            ("CT scanner", "GE HealthCare", "Revolution EVO"), ("Ultrasound system", "Philips", "EPIQ Elite"),
            ("Digital X-ray system", "Carestream", "DRX-Evolution Plus"),
            ("Patient monitor", "Mindray", "BeneVision N17"), ("Anesthesia machine", "Dräger", "Perseus A500")),
    "DENTAL": (("Dental chair", "A-dec", "500"), ("Cone beam CT", "Planmeca", "ProMax 3D Mid"),
               ("Intraoral scanner", "Dentsply Sirona", "Primescan"),
               ("Milling unit", "Dentsply Sirona", "CEREC Primemill"),
               ("Dental laser", "Biolase", "Waterlase iPlus"), ("Panoramic X-ray", "Carestream", "CS 8100")),
}  # fmt: skip
_EQUIPMENT["LEGACY"] = _EQUIPMENT[None]
_SERIAL_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
# First two digits of a routing number: Federal Reserve districts 01-12 and thrift ranges 21-32.
_ROUTING_PREFIXES = tuple(f"{n:02d}" for n in (*range(1, 13), *range(21, 33)))

# --- insert statements (column order = the tuples the generators yield) -------------------------------------------

INSERT_STATEMENTS: dict[str, str] = {
    "AspireVersion": "INSERT INTO AspireVersion (VersionNumber) VALUES (?)",
    "Account": "INSERT INTO Account (AccountId, Name, AccountType, Email, Phone) VALUES (?, ?, ?, ?, ?)",
    "Location": (
        "INSERT INTO Location (LocationId, AccountId, LocationType, Address1, City, StateProvince, PostalCode, "
        "Country, Email) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ),
    "Contact": (
        "INSERT INTO Contact (ContactId, AccountId, FirstName, LastName, Email, Phone) VALUES (?, ?, ?, ?, ?, ?)"
    ),
    "BankAccount": (
        "INSERT INTO BankAccount (BankAccountId, AccountId, HolderName, RoutingNumber, AccountNumber, AccountType, "
        "OwnerType) VALUES (?, ?, ?, ?, ?, ?, ?)"
    ),
    "LineOfCredit": (
        "INSERT INTO LineOfCredit (LineOfCreditId, AccountId, PrivateLabel, CreditLimit, UsedAmount, Status) "
        "VALUES (?, ?, ?, ?, ?, ?)"
    ),
    "Contract": (
        "INSERT INTO Contract (ContractId, PrivateLabel, IsBooked, IsTerminated, TerminationDate, CommencementDate, "
        "MaturityDate, TermMonths, PaymentAmount, PaymentFrequency, NextDueDate, NextDueAmount, PastDueAmount, "
        "BillToLocationId) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ),
    "ContractFinancial": (
        "INSERT INTO ContractFinancial (ContractId, ContractType, OriginalCost, FinancedAmount, PrincipalBalance, "
        "InterestRate, PrincipalPaidToDate, InterestPaidToDate, PayoffAmount) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ),
    "ContractRole": "INSERT INTO ContractRole (ContractRoleId, ContractId, AccountId, RoleType) VALUES (?, ?, ?, ?)",
    "Invoice": (
        "INSERT INTO Invoice (InvoiceId, ContractId, InvoiceNumber, InvoiceDate, DueDate, Amount, Balance, Status) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    ),
    "AmortizationSchedule": (
        "INSERT INTO AmortizationSchedule (ContractId, PaymentNumber, DueDate, PaymentAmount, Principal, Interest, "
        "EndingBalance) VALUES (?, ?, ?, ?, ?, ?, ?)"
    ),
    "Asset": (
        "INSERT INTO Asset (AssetId, ContractId, Description, Manufacturer, Model, ModelYear, SerialNumber) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)"
    ),
}
_CONTRACT_TABLES = ("Contract", "ContractFinancial", "ContractRole", "Invoice", "AmortizationSchedule", "Asset")


# --- small helpers --------------------------------------------------------------------------------------------------


def money(cents: int) -> str:
    """Cents as the decimal(18,2) text the stand-in stores: 123456 -> '1234.56'."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, 28))


def aba_routing_number(first8: str) -> str:
    """``first8`` + the ABA check digit (weights 3-7-1 over the nine digits; the sum is a multiple of 10)."""
    return first8 + aba_check_digit(first8)


def typed_postal_code(stored: str) -> str:
    """The postal code as a customer types it: 'K1A 0B1' for Canadian codes, the 5-digit ZIP for US codes."""
    code = "".join(ch for ch in stored if ch.isalnum()).upper()
    if len(code) == 6 and code[0].isalpha():
        return f"{code[:3]} {code[3:]}"
    return code[:5]


def snapshot_path(path: str | Path) -> Path:
    """Where ``seed`` keeps the copy of the freshly seeded database: ``<path>.snapshot``."""
    return Path(f"{path}.snapshot")


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


# --- accounts -------------------------------------------------------------------------------------------------------


@dataclass
class _Account:
    index: int
    account_id: str
    name: str
    account_type: str  # Business | Individual
    label: str | None  # the label most of its contracts carry
    domain: str
    country: str
    bill_to_id: str
    vendor_only: bool = False
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)


@dataclass(frozen=True)
class ContractPlan:
    """What one contract is: its customer, label, state, type, and the other roles on it."""

    customer: str  # AccountId
    label: str | None
    state: Booked
    contract_type: str
    extra_roles: tuple[tuple[str, str], ...] = ()  # (AccountId, RoleType)


class _Names:
    """Unique company names, person emails and domains, drawn from the word lists."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used_names: set[str] = set()
        self.used_domains: set[str] = set()
        self.used_emails: set[str] = set()

    def company(self, label: str | None, city: str, nouns: Sequence[str] | None = None) -> tuple[str, str]:
        rng = self.rng
        adjective, noun = rng.choice(_ADJECTIVES), rng.choice(nouns or _NOUNS[label])
        suffix = rng.choice(_SUFFIXES)
        base = f"{adjective} {noun}"
        name = f"{base} {suffix}"
        if name in self.used_names:
            name = f"{base} of {city} {suffix}"
        n = 2
        while name in self.used_names:
            name, n = f"{base} {n} {suffix}", n + 1
        self.used_names.add(name)
        domain_base = _slug(name.rsplit(" ", 1)[0])
        domain, n = f"{domain_base}.example.com", 2
        while domain in self.used_domains:
            domain, n = f"{domain_base}{n}.example.com", n + 1
        self.used_domains.add(domain)
        return name, domain

    def person(self) -> tuple[str, str]:
        return self.rng.choice(_FIRST_NAMES), self.rng.choice(_LAST_NAMES)

    def personal_email(self, first: str, last: str) -> str:
        tld = self.rng.choice(("com", "net", "org"))
        local, n = f"{first}.{last}".lower(), 2
        email = f"{local}@example.{tld}"
        while email in self.used_emails:
            email, n = f"{local}{n}@example.{tld}", n + 1
        self.used_emails.add(email)
        return email


def _us_postal(rng: random.Random, zip3: str, style: str) -> str:
    zip5 = f"{zip3}{rng.randrange(100):02d}"
    plus4 = f"{rng.randrange(1, 10000):04d}"
    return {"zip": zip5, "zip4": f"{zip5}-{plus4}", "zip9": f"{zip5}{plus4}"}[style]


def _ca_postal(rng: random.Random, fsa: str, style: str) -> str:
    ldu = f"{rng.randrange(10)}{rng.choice(_CA_LETTERS)}{rng.randrange(10)}"
    return {"space": f"{fsa} {ldu}", "plain": f"{fsa}{ldu}", "dash": f"{fsa}-{ldu}"}[style]


def _phone(rng: random.Random, area: str) -> str:
    return f"({area}) 555-01{rng.randrange(100):02d}"  # 555-0100..0199: reserved for fiction


def _join(addresses: Sequence[str], rng: random.Random) -> str:
    return rng.choice((", ", ",", "; ", ";")).join(addresses)


@dataclass(frozen=True)
class _AccountRecipe:
    account_type: str
    country: str
    postal_style: str
    contact_multi_email: bool
    bill_to_email: str  # "none" | "single" | "multi"


# Per label group, the first four accounts: rich (open + closed + guarantor), simple, enrollable US (contact with
# several addresses), enrollable Canada (bill-to location email). Slot 0 guarantees slot 1's first contract.
_RECIPES = (
    _AccountRecipe("Business", "US", "zip4", False, "single"),
    _AccountRecipe("Individual", "US", "zip", False, "none"),
    _AccountRecipe("Business", "US", "zip9", True, "none"),
    _AccountRecipe("Business", "CA", "plain", False, "multi"),
)


def _make_account(
    rng: random.Random, names: _Names, index: int, label: str | None, recipe: _AccountRecipe | None, vendor: bool
) -> _Account:
    if recipe is not None:
        account_type, country = recipe.account_type, recipe.country
    else:
        account_type = "Business" if vendor or rng.random() < 0.7 else "Individual"
        country = "CA" if rng.random() < 0.15 else "US"
    if country == "US":
        city, state, zip3, area = rng.choice(_US_CITIES)
        style = recipe.postal_style if recipe else rng.choice(("zip", "zip", "zip4", "zip9"))
        postal = _us_postal(rng, zip3, style)
    else:
        city, state, fsas, area = rng.choice(_CA_CITIES)
        style = recipe.postal_style if recipe else rng.choice(("space", "space", "plain", "dash"))
        postal = _ca_postal(rng, rng.choice(fsas), style)
    account_id = f"A-{index + 1:06d}"
    first, last = names.person()
    if account_type == "Business":
        name, domain = names.company(label, city, _VENDOR_NOUNS if vendor else None)
        account_email = rng.choice((f"info@{domain}", _join([f"info@{domain}", f"billing@{domain}"], rng)))
    else:
        name = f"{first} {last}"
        account_email = names.personal_email(first, last)
        domain = account_email.split("@", 1)[1]
    account = _Account(index, account_id, name, account_type, label, domain, country, f"L-{index + 1:06d}", vendor)
    account.rows["Account"] = [(account_id, name, account_type, account_email, _phone(rng, area))]

    # Bill-to location (always), sometimes a separate equipment location.
    bill_to_email_kind = recipe.bill_to_email if recipe else rng.choice(("none", "none", "single", "multi"))
    bill_to_email = {
        "none": None,
        "single": f"ap@{domain}" if account_type == "Business" else account_email,
        "multi": _join([f"accounts.payable@{domain}", f"controller@{domain}"], rng),
    }[bill_to_email_kind]
    street = f"{rng.randrange(100, 9900)} {rng.choice(_STREETS)} {rng.choice(_STREET_TYPES)}"
    locations = [(account.bill_to_id, account_id, "BillTo", street, city, state, postal, country, bill_to_email)]
    if rng.random() < 0.3:
        street2 = f"{rng.randrange(100, 9900)} {rng.choice(_STREETS)} {rng.choice(_STREET_TYPES)}"
        locations.append((f"L-{index + 1:06d}-E", account_id, "Equipment", street2, city, state, postal, country, None))
    account.rows["Location"] = locations

    # Contacts: the person first; some fields hold several addresses.
    contacts: list[tuple[Any, ...]] = []
    if account_type == "Business":
        primary = f"{first}.{last}@{domain}".lower()
        multi = recipe.contact_multi_email if recipe else rng.random() < 0.25
        email = _join([primary, f"{first[0]}{last}@{domain}".lower()], rng) if multi else primary
        if recipe and recipe.contact_multi_email:
            email = f"office@{domain}; {primary}"  # the person's own address second: enrollment must split
        contacts.append((f"C-{index + 1:06d}-1", account_id, first, last, email, _phone(rng, area)))
        if rng.random() < 0.5:
            f2, l2 = names.person()
            contacts.append((f"C-{index + 1:06d}-2", account_id, f2, l2, f"{f2}.{l2}@{domain}".lower(), None))
    else:
        contacts.append((f"C-{index + 1:06d}-1", account_id, first, last, account_email, _phone(rng, area)))
    account.rows["Contact"] = contacts

    # Bank accounts on file (valid ABA routing numbers), lines of credit for some businesses.
    banks = []
    for n in range(rng.choice((0, 1, 1, 1, 2))):
        routing = aba_routing_number(rng.choice(_ROUTING_PREFIXES) + f"{rng.randrange(1_000_000):06d}")
        number = "".join(str(rng.randrange(10)) for _ in range(rng.randrange(8, 13)))
        banks.append(
            (
                index * 3 + n + 1,
                account_id,
                name,
                routing,
                number,
                "Checking" if rng.random() < 0.8 else "Savings",
                "Business" if account_type == "Business" else "Personal",
            )
        )
    account.rows["BankAccount"] = banks
    lines = []
    if account_type == "Business" and not vendor and rng.random() < 0.3:
        limit = rng.randrange(10, 200) * 5_000_00
        used = rng.randrange(0, limit // 100 + 1) * 100
        status = "Active" if rng.random() < 0.85 else "Closed"
        lines.append((f"LOC-{index + 1:06d}", account_id, label, money(limit), money(used), status))
    account.rows["LineOfCredit"] = lines
    return account


# --- contracts ------------------------------------------------------------------------------------------------------


def _schedule(
    financed: int, residual: int, rate_micro: int, payments: int, months_per_payment: int
) -> tuple[int, list[tuple[int, int, int, int]]]:
    """Level payment (cents) and rows (payment, principal, interest, ending balance) down to ``residual``."""
    r = rate_micro / 1_000_000 * months_per_payment / 12
    if r == 0:
        level = -(-(financed - residual) // payments)
    else:
        level = round((financed - residual / (1 + r) ** payments) * r / (1 - (1 + r) ** -payments))
    balance, rows = financed, []
    for k in range(1, payments + 1):
        interest = round(balance * r)
        principal = level - interest
        if k == payments or principal > balance - residual:
            principal = balance - residual
        balance -= principal
        rows.append((principal + interest, principal, interest, balance))
    return level, rows


def contract_rows(
    rng: random.Random,
    plan: ContractPlan,
    contract_id: str,
    bill_to_id: str,
    ids: dict[str, int],
    anchor: dt.date = ANCHOR_DATE,
) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of one contract (Contract, ContractFinancial, ContractRole, Invoice, AmortizationSchedule, Asset).

    ``ids`` holds the last used integer ids (ContractRole, Invoice, Asset) and is advanced in place.
    """
    frequency, months = rng.choices(_FREQUENCIES, weights=_FREQUENCY_WEIGHTS)[0]
    term = rng.choice((24, 36, 48, 60) if plan.contract_type != "Loan" else (24, 36, 48, 60, 72, 84))
    term = max(term - term % months, months)
    payments = term // months
    cost = rng.randrange(150, 7500) * 100_00 // 10  # $1,500 .. $75,000 .. in $10 steps, scaled below
    cost *= 10 if plan.label in ("MED", "AGRI") else 1
    financed = cost - (cost * rng.choice((0, 0, 5, 10)) // 100)
    residual = {
        "OperatingLease": financed * rng.choice((15, 20, 25)) // 100,
        "CapitalLease": rng.choice((100, financed // 10)),
        "Loan": 0,
    }[plan.contract_type]
    rate_micro = rng.randrange(3990, 12990) * 10
    level, schedule = _schedule(financed, residual, rate_micro, payments, months)
    day = rng.choice((1, 15))

    if plan.state == "not_booked":
        commencement = maturity = None
        elapsed = 0
    elif plan.state == "active":
        elapsed = rng.randrange(0, payments)  # payments already due
        commencement = add_months(dt.date(anchor.year, anchor.month, day), -(elapsed * months))
        if add_months(commencement, elapsed * months) > anchor:
            commencement = add_months(commencement, -months)
        maturity = add_months(commencement, term)
    else:  # terminated: matured, or paid off early
        early = rng.random() < 0.4
        elapsed = rng.randrange(1, payments) if early and payments > 1 else payments
        back = elapsed * months + rng.randrange(1, 24)
        commencement = add_months(dt.date(anchor.year, anchor.month, day), -back)
        maturity = add_months(commencement, term)
    due_dates = [add_months(commencement, k * months) for k in range(1, payments + 1)] if commencement else []
    if plan.state == "active":
        elapsed = sum(1 for due in due_dates if due <= anchor)

    past_due_periods = 0
    if plan.state == "active" and elapsed >= 2 and rng.random() < 0.12:
        past_due_periods = rng.choice((1, 1, 2))
    termination = None
    if plan.state == "terminated":
        assert maturity is not None
        last_due = due_dates[elapsed - 1]
        paid_off = last_due + dt.timedelta(days=rng.randrange(1, 20))
        termination = min(anchor, maturity if elapsed == payments else paid_off)

    paid = schedule[: max(elapsed - past_due_periods, 0)] if plan.state != "not_booked" else []
    if plan.state == "terminated":
        balance = 0
        principal_paid = financed - residual if elapsed == payments else financed
        interest_paid = sum(row[2] for row in paid)
    else:
        balance = paid[-1][3] if paid else financed
        principal_paid = financed - balance
        interest_paid = sum(row[2] for row in paid)
    next_due = due_dates[elapsed] if plan.state == "active" and elapsed < payments else None
    payoff = None
    if plan.state == "active":
        payoff = balance + level * past_due_periods + balance * rng.choice((1, 2, 3)) // 100

    rows: dict[str, list[tuple[Any, ...]]] = {table: [] for table in _CONTRACT_TABLES}
    rows["ContractFinancial"].append(
        (
            contract_id,
            plan.contract_type,
            money(cost),
            money(financed),
            money(balance),
            f"{rate_micro // 1_000_000}.{rate_micro % 1_000_000:06d}",
            money(principal_paid),
            money(interest_paid),
            money(payoff) if payoff is not None else None,
        )
    )
    for account_id, role in ((plan.customer, "Customer"), *plan.extra_roles):
        ids["ContractRole"] += 1
        rows["ContractRole"].append((ids["ContractRole"], contract_id, account_id, role))

    # Invoices: the last few periods (paid, or open when past due) and the upcoming one once it is billed.
    past_due_cents = 0
    if plan.state != "not_booked":
        first_invoiced = max(0, elapsed - 3)
        billed_ahead = dt.timedelta(days=20)
        upcoming = plan.state == "active" and elapsed < payments and due_dates[elapsed] - billed_ahead <= anchor
        for k in range(first_invoiced, elapsed + (1 if upcoming else 0)):
            due = due_dates[k]
            amount = schedule[k][0]
            is_open = k >= elapsed - past_due_periods
            balance_due = amount if is_open else 0
            if is_open and k < elapsed and rng.random() < 0.2:
                balance_due = amount // 2  # partly paid
            if is_open and k < elapsed:
                past_due_cents += balance_due
            ids["Invoice"] += 1
            rows["Invoice"].append(
                (
                    ids["Invoice"],
                    contract_id,
                    f"INV-{ids['Invoice']:08d}",
                    (due - dt.timedelta(days=20)).isoformat(),
                    due.isoformat(),
                    money(amount),
                    money(balance_due),
                    "Open" if is_open else "Paid",
                )
            )
    rows["Contract"].append(
        (
            contract_id,
            plan.label,
            0 if plan.state == "not_booked" else 1,
            1 if plan.state == "terminated" else 0,
            termination.isoformat() if termination else None,
            commencement.isoformat() if commencement else None,
            maturity.isoformat() if maturity else None,
            term,
            money(level),
            frequency,
            next_due.isoformat() if next_due else None,
            money(schedule[elapsed][0]) if next_due else None,
            money(past_due_cents),
            bill_to_id,
        )
    )
    if plan.state != "not_booked" and plan.contract_type != "OperatingLease":
        for k, (payment, principal, interest, ending) in enumerate(schedule):
            rows["AmortizationSchedule"].append(
                (
                    contract_id,
                    k + 1,
                    due_dates[k].isoformat(),
                    money(payment),
                    money(principal),
                    money(interest),
                    money(ending),
                )
            )
    catalog = _EQUIPMENT[plan.label if plan.label in _EQUIPMENT else None]
    year = (commencement or anchor).year
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        description, manufacturer, model = rng.choice(catalog)
        serial = "".join(rng.choices(_SERIAL_CHARS, k=rng.choice((10, 12, 17))))
        ids["Asset"] += 1
        rows["Asset"].append(
            (ids["Asset"], contract_id, description, manufacturer, model, year - rng.choice((0, 0, 1)), serial)
        )
    return rows


def _plans(rng: random.Random, accounts: Sequence[_Account], contracts: int, planted: int) -> list[ContractPlan]:
    """The contract plans: planted recipes first, then random ones spread over the customer accounts."""
    plans: list[ContractPlan] = []
    businesses = [a.account_id for a in accounts if a.account_type == "Business"]
    vendors = [a.account_id for a in accounts if a.vendor_only] or businesses
    for group, label in enumerate(LABELS):
        rich, simple, enroll_us, enroll_ca = (accounts[group * len(_RECIPES) + slot] for slot in range(len(_RECIPES)))
        plans += [
            ContractPlan(simple.account_id, label, "active", "CapitalLease", ((rich.account_id, "Guarantor"),)),
            ContractPlan(rich.account_id, label, "active", "Loan", ((vendors[group % len(vendors)], "Vendor"),)),
            ContractPlan(rich.account_id, label, "active", "OperatingLease"),
            ContractPlan(rich.account_id, label, "terminated", "CapitalLease"),
            ContractPlan(simple.account_id, label, "not_booked", "Loan"),
            ContractPlan(enroll_us.account_id, label, "active", "OperatingLease"),
            ContractPlan(enroll_ca.account_id, label, "active", "Loan", ((businesses[0], "Broker"),)),
        ]
    customers = [a for a in accounts[planted:] if not a.vendor_only]
    customer_ids = [a.account_id for a in customers]
    remaining = contracts - len(plans)
    owners = list(customers[:remaining])
    owners += rng.choices(customers, k=max(remaining - len(owners), 0))
    for owner in owners:
        label = owner.label if rng.random() < 0.85 else rng.choices(LABELS, weights=_LABEL_WEIGHTS)[0]
        state = rng.choices(("active", "terminated", "not_booked"), weights=(75, 17, 8))[0]
        contract_type = rng.choice(_CONTRACT_TYPES)
        extras: list[tuple[str, str]] = []
        for role, chance in _ROLE_EXTRAS:
            if rng.random() < chance:
                pool = vendors if role in ("Vendor", "Broker") else customer_ids
                other = rng.choice(pool)
                if other != owner.account_id:
                    extras.append((other, role))
        plans.append(ContractPlan(owner.account_id, label, state, contract_type, tuple(extras)))
    # Planted contracts keep the lowest numbers; the rest are interleaved across accounts like real bookings.
    head, tail = plans[: len(LABELS) * 7], plans[len(LABELS) * 7 :]
    rng.shuffle(tail)
    return head + tail


# --- writing --------------------------------------------------------------------------------------------------------


def _insert(conn: sqlite3.Connection, table: str, rows: Iterable[tuple[Any, ...]], counts: dict[str, int]) -> None:
    """One table batch in one transaction."""
    batch = list(rows)
    if not batch:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany(INSERT_STATEMENTS[table], batch)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    counts[table] = counts.get(table, 0) + len(batch)


def _chunks(items: Sequence[ContractPlan], size: int) -> Iterator[tuple[int, Sequence[ContractPlan]]]:
    for start in range(0, len(items), size):
        yield start, items[start : start + size]


@dataclass(frozen=True)
class SeedResult:
    """What ``seed`` made (plain values: ``dataclasses.asdict`` gives JSON-ready data)."""

    path: str
    snapshot_path: str
    seed: int
    accounts: int
    contracts: int
    rows: dict[str, int]
    db_rowversion: int
    elapsed_s: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": "seed",
            "path": self.path,
            "snapshot_path": self.snapshot_path,
            "seed": self.seed,
            "accounts": self.accounts,
            "contracts": self.contracts,
            "rows": dict(self.rows),
            "db_rowversion": self.db_rowversion,
            "elapsed_s": round(self.elapsed_s, 2),
        }


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def seed(path: str | Path, scale: int | None = None, seed: int = DEFAULT_SEED) -> SeedResult:
    """(Re)create the demo ASPIRE database at ``path`` and its ``<path>.snapshot``.

    ``scale=None`` gives the demo dataset (250 accounts, 660 contracts); ``scale=N`` gives N contracts and about
    N/3 accounts (N >= 100).
    """
    started = time.perf_counter()
    if scale is not None and scale < MIN_SCALE:
        raise ValueError(f"scale must be at least {MIN_SCALE} contracts (the planted demo recipes need room)")
    contracts = scale if scale is not None else DEFAULT_CONTRACTS
    account_count = max(scale // 3, 60) if scale is not None else DEFAULT_ACCOUNTS
    db_path = Path(path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    _remove_database(db_path)
    source = SqliteAspireSource(db_path)
    try:
        source.create_schema()
        conn = source.connection()
        conn.execute("PRAGMA synchronous = OFF")  # a crashed seed is simply rerun
        counts: dict[str, int] = {}
        rng = random.Random(seed)
        _insert(conn, "AspireVersion", [(ASPIRE_VERSION,)], counts)

        names = _Names(rng)
        planted = len(LABELS) * len(_RECIPES)
        accounts: list[_Account] = []
        for index in range(account_count):
            if index < planted:
                label, recipe, vendor = LABELS[index // len(_RECIPES)], _RECIPES[index % len(_RECIPES)], False
            else:
                label = rng.choices(LABELS, weights=_LABEL_WEIGHTS)[0]
                recipe, vendor = None, rng.random() < 0.08
            accounts.append(_make_account(rng, names, index, label, recipe, vendor))
        for table in ("Account", "Location", "Contact", "BankAccount", "LineOfCredit"):
            _insert(conn, table, itertools.chain.from_iterable(a.rows[table] for a in accounts), counts)
        bill_to = {a.account_id: a.bill_to_id for a in accounts}
        for account in accounts:
            account.rows.clear()

        plans = _plans(rng, accounts, contracts, planted)
        ids = {"ContractRole": 0, "Invoice": 0, "Asset": 0}
        for start, chunk in _chunks(plans, _CHUNK):
            batch: dict[str, list[tuple[Any, ...]]] = {table: [] for table in _CONTRACT_TABLES}
            for offset, plan in enumerate(chunk):
                contract_id = f"CN-{1001 + start + offset:07d}"
                for table, rows in contract_rows(rng, plan, contract_id, bill_to[plan.customer], ids).items():
                    batch[table].extend(rows)
            for table in _CONTRACT_TABLES:
                _insert(conn, table, batch[table], counts)

        db_rowversion = source.db_rowversion()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        snapshot = snapshot_path(db_path)
        _remove_database(snapshot)
        target = sqlite3.connect(snapshot)
        try:
            conn.backup(target)
            # A plain rollback-journal file: reading it (restore_snapshot) leaves no -wal/-shm beside it.
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()
    finally:
        source.close()
    return SeedResult(
        path=str(db_path),
        snapshot_path=str(snapshot),
        seed=seed,
        accounts=account_count,
        contracts=contracts,
        rows=counts,
        db_rowversion=db_rowversion,
        elapsed_s=time.perf_counter() - started,
    )


def content_hash(path: str | Path) -> str:
    """SHA-256 over every table's rows (ordered by rowid) and the rowversion counter: equal content, equal hash."""
    digest = hashlib.sha256()
    with sqlite3.connect(Path(path)) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        for table in tables:
            digest.update(f"\x00{table}\x00".encode())
            for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):
                digest.update(repr(row).encode())
    conn.close()
    return digest.hexdigest()
