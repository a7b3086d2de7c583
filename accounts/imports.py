"""CSV import of accounts and contacts: reading the file, and planning what each row would do.

Nothing here writes. `read_csv()` turns an upload into columns and rows (or a FileProblem);
`plan_batch()` validates every row against the tenant's data as it is now and says, per row, create /
update / unchanged, or why not. accounts.services.import_batch_apply() writes a plan without errors,
all of it in one transaction. Lookups are set-based: a handful of queries whatever the row count.

Rows are numbered as in a spreadsheet: the header is row 1, the first record row 2.
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from accounts.models import (
    Account,
    AccountStatus,
    Classification,
    Contact,
    ImportBatch,
    ImportKind,
    Motivation,
    RelationshipCategory,
    RevenueTier,
)
from accounts.access import TEAM_RULE, team_managed_filter
from accounts.services import top_level
from tenancy.spreadsheet import unescape_cell
from tenancy.models import Membership

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
PREVIEW_ROWS = 500
MAX_ERRORS_SHOWN = 1000

ACCOUNT_COLUMNS = {
    "external_id": "Required. Your CRM/ERP id: a re-import updates the account with this id.",
    "name": "Required.",
    "industry": "",
    "segment": "",
    "owner_email": "E-mail of a member of this tenant; blank for none.",
    "revenue_tier": "platinum, gold, silver, bronze or blank.",
    "classification": "strategic, tactical or unqualified; blank keeps the current one.",
    "classification_reason": "Required when the classification changes.",
    "motivation": "acquire, retain, grow or blank.",
    "relationship_category": "dedicated, personal, self_service, automated, community, co_creation or blank.",
    "potential_level": "1 to the active hierarchy model's top level (5 or 6), or blank.",
    "status": "prospect, customer or declassified; blank keeps the current one (new accounts: prospect).",
    "partner_programme": "the programme's name (yes: “Partner programme”; no or blank: none)",
    "reference_customer": "yes/no",
    "beachhead": "yes/no",
    "notes": "",
}
CONTACT_COLUMNS = {
    "external_id": "Required. Your CRM id of the person: a re-import updates them.",
    "account_external_id": "Required. The external id of their account (import accounts first).",
    "full_name": "Required.",
    "title": "",
    "department": "",
    "reports_to_external_id": "External id of their manager: a contact in this file (anywhere) or already here.",
    "email": "",
    "phone": "",
    "is_active": "yes (still there, the default) or no (has left).",
    "left_on": "YYYY-MM-DD, for people who have left.",
}
COLUMNS = {ImportKind.ACCOUNTS: ACCOUNT_COLUMNS, ImportKind.CONTACTS: CONTACT_COLUMNS}
COLUMN_OF_FIELD = {
    "owner_id": "owner_email",
    "account_id": "account_external_id",
    "reports_to": "reports_to_external_id",
}
REQUIRED = {
    ImportKind.ACCOUNTS: ("external_id", "name"),
    ImportKind.CONTACTS: ("external_id", "account_external_id", "full_name"),
}

TRUE = {"yes", "y", "true", "1", "x", "ja", "oui"}
FALSE = {"no", "n", "false", "0", "", "nein", "non"}


class FileProblem(Exception):
    """The file as a whole cannot be read (encoding, header, size): nothing row-level to show."""


# --- Reading --------------------------------------------------------------------------------------


def _header_key(text: str) -> str:
    return "_".join(text.strip().lower().replace("-", " ").split())


def _refuse_nul(number: int, record: list[str], header: list[str]) -> None:
    """A NUL character cannot be stored (PostgreSQL text and jsonb refuse it) and is never meant."""
    for i, cell in enumerate(record):
        if "\x00" in cell:
            column = f" (column “{header[i].strip()}”)" if i < len(header) and number > 1 else ""
            raise FileProblem(
                f"Row {number} contains a NUL character{column}: the file is probably not a "
                "CSV text file. Save it again as “CSV UTF-8”."
            )


def read_csv(data: bytes, *, kind: str) -> tuple[list[str], list, list[str]]:
    """(columns, rows, warnings). rows: [[row number, {column: value}], …], known columns only."""
    if len(data) > MAX_BYTES:
        raise FileProblem(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is {MAX_BYTES // 1024 // 1024} MB. Split it."
        )
    try:
        text = data.decode("utf-8-sig")  # with or without a byte-order mark
    except UnicodeDecodeError as error:
        raise FileProblem(
            f"The file is not UTF-8 text (byte {error.start + 1} cannot be read). "
            "In Excel choose “CSV UTF-8 (comma delimited)” when saving."
        ) from None
    if not text.strip():
        raise FileProblem("The file is empty.")
    first_line = text.lstrip("\r\n").splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as error:
        raise FileProblem(f"Row 1 (the header) cannot be read: {error}.") from None
    _refuse_nul(1, header, header)
    keys = [_header_key(h) for h in header]
    known = COLUMNS[kind]
    duplicated = sorted({k for k in keys if k and keys.count(k) > 1})
    if duplicated:
        raise FileProblem(f"Row 1 (the header) names {', '.join(duplicated)} more than once.")
    missing = [c for c in REQUIRED[kind] if c not in keys]
    if missing:
        other = ImportKind.CONTACTS if kind == ImportKind.ACCOUNTS else ImportKind.ACCOUNTS
        hint = ""
        if all(c in keys for c in REQUIRED[other]):
            hint = f" This looks like a file of {other.label.lower()}: choose that kind of import."
        raise FileProblem(
            f"Row 1 (the header) lacks the required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}. Columns found: {', '.join(k or '(blank)' for k in keys)}.{hint}"
        )
    warnings = [
        f"Column “{header[i].strip()}” is not one we know; it will be ignored."
        for i, k in enumerate(keys)
        if k not in known and k
    ]
    rows = []
    number = 1
    try:
        for record in reader:
            number += 1
            if not any(cell.strip() for cell in record):
                continue  # blank line
            _refuse_nul(number, record, header)
            if len(record) > len(keys) and any(cell.strip() for cell in record[len(keys) :]):
                raise FileProblem(
                    f"Row {number} has {len(record)} values but the header has {len(keys)} columns "
                    f"(is a value with a “{delimiter}” missing its quotes?)."
                )
            # Our exports put a quote before a cell a spreadsheet would run as a formula; it goes again here.
            values = {
                k: (unescape_cell(record[i].strip()) if i < len(record) else "")
                for i, k in enumerate(keys)
                if k in known
            }
            rows.append([number, values])
            if len(rows) > MAX_ROWS:
                raise FileProblem(f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files.")
    except csv.Error as error:
        raise FileProblem(f"Row {number} cannot be read: {error}.") from None
    if not rows:
        raise FileProblem("The file has a header but no rows.")
    return [k for k in keys if k in known], rows, warnings


# --- Planning -------------------------------------------------------------------------------------


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self):
        return f"Row {self.row}, column {self.column}: {self.message}"


@dataclass
class RowPlan:
    number: int
    external_id: str
    label: str = ""
    action: str = "create"  # create | update | unchanged | error
    values: dict = field(default_factory=dict)
    changed: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    instance: object = None
    classify: tuple | None = None  # (from, to, reason)
    reports_to_external_id: str = ""
    reports_to_given: bool = False  # the file has the column: a blank cell means "reports to nobody"
    newly_left: bool = False

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))

    @property
    def changed_columns(self) -> list[str]:
        """What changes, named as the file's columns (owner_email, not owner_id)."""
        return [COLUMN_OF_FIELD.get(name, name) for name in self.changed]


@dataclass
class ImportPlan:
    kind: str
    rows: list
    warnings: list = field(default_factory=list)
    existing_contact_ids: dict = field(default_factory=dict)

    @property
    def errors(self) -> list[RowError]:
        return [e for row in self.rows for e in row.errors]

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    def summary(self) -> dict:
        return {
            "create": self.count("create"),
            "update": self.count("update"),
            "unchanged": self.count("unchanged"),
            "errors": len(self.errors),
        }


def _choice(row: RowPlan, column: str, raw: str, choices) -> str | None:
    """A choice by value or label, any case. None when invalid (the error is recorded)."""
    wanted = raw.strip().lower()
    for value, label in choices.choices:
        if wanted in (value.lower(), label.lower(), value.replace("_", " ").lower()):
            return value
    row.error(column, f"“{raw}” is not one of {', '.join(v for v, _ in choices.choices)}.")
    return None


def _partner_programme(row: RowPlan, raw: str) -> str:
    """The programme's name; the yes/no of earlier exports still reads (yes: a programme without a name)."""
    text = raw.strip()
    if text.lower() in ("", "no", "false", "0", "n"):
        return ""
    if text.lower() in ("yes", "true", "1", "y"):
        return "Partner programme"
    if len(text) > 120:
        row.error("partner_programme", f"is {len(text)} characters long; at most 120 fit.")
    return text


def _bool(row: RowPlan, column: str, raw: str, blank: bool) -> bool | None:
    wanted = raw.strip().lower()
    if wanted == "":
        return blank
    if wanted in TRUE:
        return True
    if wanted in FALSE:
        return False
    row.error(column, f"“{raw}” is not yes or no.")
    return None


def _text(row: RowPlan, column: str, raw: str, model, field_name: str) -> str:
    limit = model._meta.get_field(field_name).max_length
    if limit and len(raw) > limit:
        row.error(column, f"is {len(raw)} characters long; at most {limit} fit.")
    return raw


def plan_batch(batch: ImportBatch) -> ImportPlan:
    if batch.kind == ImportKind.ACCOUNTS:
        return plan_accounts(batch.rows, importer_id=batch.created_by_id)
    return plan_contacts(batch.rows)


def _first_rows(raw_rows) -> tuple[list[RowPlan], dict[str, int]]:
    """RowPlans with the external id checked; a second row with the same id is an error."""
    rows, first = [], {}
    for number, values in raw_rows:
        ext = values.get("external_id", "").strip()
        row = RowPlan(number=number, external_id=ext)
        if not ext:
            row.error(
                "external_id",
                "is required: the import matches existing rows on it, so that a re-import updates instead of duplicating.",
            )
        elif len(ext) > 64:
            row.error("external_id", f"is {len(ext)} characters long; at most 64 fit.")
        elif ext in first:
            row.error("external_id", f"“{ext}” is already on row {first[ext]}; each external id may appear once.")
        else:
            first[ext] = number
        rows.append(row)
    return rows, first


def plan_accounts(raw_rows, *, importer_id: int | None = None) -> ImportPlan:
    rows, _ = _first_rows(raw_rows)
    ids = [row.external_id for row in rows if row.external_id]
    existing = {a.external_id: a for a in Account.objects.filter(external_id__in=ids)}
    members = {email.lower(): user_id for user_id, email in Membership.objects.values_list("user_id", "user__email")}
    # Changing an existing account's owner follows the team rule (accounts.access.can_manage_team).
    importer = Membership.objects.filter(user_id=importer_id).first()
    managed = set(
        Account.objects.filter(team_managed_filter(membership=importer), external_id__in=ids).values_list(
            "pk", flat=True
        )
    )
    # The bound of potential levels, looked up once and only for a file that has that column.
    top = top_level() if any("potential_level" in values for _, values in raw_rows) else None
    for row, (_, values) in zip(rows, raw_rows):
        account = existing.get(row.external_id)
        row.instance = account
        row.label = values.get("name", "")
        new = {}
        name = values.get("name", "")
        if not name:
            row.error("name", "is required.")
        new["name"] = _text(row, "name", name, Account, "name")
        new["external_id"] = row.external_id
        for column in ("industry", "segment", "notes"):
            if column in values:
                new[column] = _text(row, column, values[column], Account, column)
        if "owner_email" in values:
            email = values["owner_email"].lower()
            if email and email not in members:
                row.error("owner_email", f"{values['owner_email']} is not a member of this tenant.")
            new["owner_id"] = members.get(email) if email else None
        for column, choices in (
            ("revenue_tier", RevenueTier),
            ("motivation", Motivation),
            ("relationship_category", RelationshipCategory),
        ):
            if column in values:
                new[column] = _choice(row, column, values[column], choices) if values[column] else ""
        if values.get("status"):
            new["status"] = _choice(row, "status", values["status"], AccountStatus)
            if new["status"] == AccountStatus.DECLASSIFIED and (
                account is None or account.status != AccountStatus.DECLASSIFIED
            ):
                row.error(
                    "status",
                    "declassified is set by the declassification review (Ratings), which records "
                    "the reason; import the account as customer or prospect.",
                )
        elif account is None:
            new["status"] = AccountStatus.PROSPECT
        if "potential_level" in values:
            raw = values["potential_level"]
            if raw == "":
                new["potential_level"] = None
            elif raw.isdigit() and 1 <= int(raw) <= top:
                new["potential_level"] = int(raw)
            else:
                row.error(
                    "potential_level",
                    f"“{raw}” is not a level from 1 to {top} (the top of the active hierarchy model).",
                )
        if "partner_programme" in values:
            new["partner_programme"] = _partner_programme(row, values["partner_programme"])
        for column in ("reference_customer", "beachhead"):
            if column in values:
                new[column] = _bool(row, column, values[column], blank=False)
        # Classification: only through a change with its reason (recorded in the history).
        wanted = values.get("classification", "")
        reason = values.get("classification_reason", "")
        if wanted:
            classification = _choice(row, "classification", wanted, Classification)
            current = account.classification if account else Classification.UNQUALIFIED
            current_reason = account.classification_reason if account else ""
            if classification and (classification != current or (reason and reason != current_reason)):
                if not reason:
                    row.error("classification_reason", f"is required to change the classification to {classification}.")
                else:
                    row.classify = (current, classification, reason)
        elif reason and (account is None or reason != account.classification_reason):
            row.error(
                "classification",
                "is blank, but a classification_reason is given: say which classification it explains.",
            )
        row.values = new
        if row.errors:
            row.action = "error"
        elif account is None:
            row.action = "create"
            _validate_new(row, Account(**new), exclude=["tenant", "owner", "classified_by"])
        else:
            row.changed = [f for f, v in new.items() if getattr(account, f) != v]
            if "owner_id" in row.changed and account.pk not in managed:
                row.error("owner_email", TEAM_RULE)
                row.action = "error"
                continue
            row.action = "update" if (row.changed or row.classify) else "unchanged"
    return ImportPlan(kind=ImportKind.ACCOUNTS, rows=rows)


def _validate_new(row: RowPlan, instance, exclude) -> None:
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as error:
        for field_name, messages in error.message_dict.items():
            for message in messages:
                row.error(field_name, message)
        row.action = "error"


def _parse_date(row: RowPlan, column: str, raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        row.error(column, f"“{raw}” is not a date as YYYY-MM-DD.")
        return None


def plan_contacts(raw_rows) -> ImportPlan:
    rows, in_file = _first_rows(raw_rows)
    account_refs = {values.get("account_external_id", "") for _, values in raw_rows} - {""}
    accounts = dict(Account.objects.filter(external_id__in=account_refs).values_list("external_id", "pk"))
    boss_refs = {values.get("reports_to_external_id", "") for _, values in raw_rows} - {""}
    ids = [row.external_id for row in rows if row.external_id]
    existing = {c.external_id: c for c in Contact.objects.filter(external_id__in=ids).select_related("reports_to")}
    # Managers already here (not in the file): their account, to keep the chart within one account.
    bosses_here = {
        ext: (pk, account_id)
        for ext, pk, account_id in Contact.objects.filter(external_id__in=boss_refs - set(in_file)).values_list(
            "external_id", "pk", "account_id"
        )
    }
    plan = ImportPlan(
        kind=ImportKind.CONTACTS, rows=rows, existing_contact_ids={ext: pk for ext, (pk, _) in bosses_here.items()}
    )
    account_of_row: dict[str, int | None] = {}
    for row, (_, values) in zip(rows, raw_rows):
        contact = existing.get(row.external_id)
        row.instance = contact
        row.label = values.get("full_name", "")
        new = {"external_id": row.external_id}
        account_ref = values.get("account_external_id", "")
        if not account_ref:
            row.error("account_external_id", "is required.")
        elif account_ref not in accounts:
            row.error(
                "account_external_id", f"no account has the external id “{account_ref}” (import the accounts first)."
            )
        elif contact is not None and contact.account_id != accounts[account_ref]:
            # The same rule as the API: their history (relationships, calls) belongs to the old account.
            row.error(
                "account_external_id",
                f"{contact.full_name} works at another account in Keystone; a contact "
                "cannot move to another account: mark them as left there and import them as a new contact.",
            )
        else:
            new["account_id"] = accounts[account_ref]
        account_of_row[row.external_id] = new.get("account_id")
        if not values.get("full_name"):
            row.error("full_name", "is required.")
        new["full_name"] = _text(row, "full_name", values.get("full_name", ""), Contact, "full_name")
        for column in ("title", "department", "phone"):
            if column in values:
                new[column] = _text(row, column, values[column], Contact, column)
        if "email" in values:
            email = values["email"]
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    row.error("email", f"“{email}” is not an e-mail address.")
            new["email"] = email
        if "is_active" in values:
            new["is_active"] = _bool(row, "is_active", values["is_active"], blank=True)
        if "left_on" in values:
            new["left_on"] = _parse_date(row, "left_on", values["left_on"]) if values["left_on"] else None
        active = new.get("is_active", contact.is_active if contact else True)
        if active and new.get("left_on"):
            row.error("left_on", "is set, but is_active says the person is still there.")
        if not active and not new.get("left_on"):
            # Gone without a date: keep the date we know, or today (so a re-import changes nothing).
            new["left_on"] = contact.left_on if contact and contact.left_on else timezone.localdate()
        if new.get("left_on") and new["left_on"] > timezone.localdate():
            row.error("left_on", "is in the future.")
        row.reports_to_external_id = values.get("reports_to_external_id", "")
        row.reports_to_given = "reports_to_external_id" in values
        row.values = new
    # Managers: in the file (earlier or later) or already here; same account; no loops.
    boss_of: dict[str, str] = {}
    for row in rows:
        ref = row.reports_to_external_id
        if not ref or "account_id" not in row.values:
            continue
        if ref == row.external_id:
            row.error("reports_to_external_id", "a person cannot report to themselves.")
            continue
        if ref in in_file:
            boss_account = account_of_row.get(ref)
        elif ref in bosses_here:
            boss_account = bosses_here[ref][1]
        else:
            row.error(
                "reports_to_external_id", f"no contact has the external id “{ref}”, in this file or already here."
            )
            continue
        if boss_account is not None and boss_account != row.values.get("account_id"):
            row.error("reports_to_external_id", f"“{ref}” works at another account.")
            continue
        boss_of[row.external_id] = ref
    _find_loops(rows, boss_of, {v for v in account_of_row.values() if v})
    for row in rows:
        contact = row.instance
        if row.errors:
            row.action = "error"
            continue
        if contact is None:
            row.action = "create"
            _validate_new(row, Contact(**row.values), exclude=["tenant", "account", "reports_to"])
            continue
        row.changed = [f for f, v in row.values.items() if getattr(contact, f) != v]
        if row.reports_to_given and (row.reports_to_external_id or None) != _current_boss_ref(contact):
            row.changed.append("reports_to")
        row.newly_left = contact.is_active and row.values.get("is_active") is False
        row.action = "update" if row.changed else "unchanged"
    return plan


def _current_boss_ref(contact: Contact) -> str | None:
    """The external id of the contact's manager now (None without one)."""
    if contact.reports_to_id is None:
        return None
    boss = contact.reports_to  # loaded with select_related: a join, not a query per row
    return boss.external_id or f"#{boss.pk}"


def _find_loops(rows: list[RowPlan], boss_of: dict[str, str], account_ids: set[int]) -> None:
    """A loop of managers (A reports to B, B to A) cannot be drawn as a chart. The file's lines are
    laid over the charts of its accounts as they are now (one query)."""
    here = list(Contact.objects.filter(account_id__in=account_ids).values_list("pk", "external_id", "reports_to_id"))
    key = {pk: (ext or f"#{pk}") for pk, ext, _ in here}
    graph = {key[pk]: key.get(boss) for pk, _, boss in here if boss is not None}
    for row in rows:  # the file decides the manager of each row that has the column
        if row.external_id and row.reports_to_given:
            graph.pop(row.external_id, None)
    graph.update(boss_of)
    for row in rows:
        if row.external_id not in boss_of:
            continue
        seen, current = [], row.external_id
        while current in graph and current not in seen:
            seen.append(current)
            current = graph[current]
        if current == row.external_id:
            chain = " → ".join([*seen, current])
            row.error("reports_to_external_id", f"makes a loop of managers: {chain}.")


SAMPLES = {
    ImportKind.ACCOUNTS: [
        {
            "external_id": "CRM-1001",
            "name": "Harbour Freight Logistics",
            "industry": "Logistics",
            "segment": "Mid-market",
            "revenue_tier": "silver",
            "classification": "strategic",
            "classification_reason": "First customer in cold-chain logistics: our beachhead in the segment.",
            "motivation": "grow",
            "relationship_category": "dedicated",
            "potential_level": "4",
            "status": "customer",
            "beachhead": "yes",
        },
        {
            "external_id": "CRM-1002",
            "name": "Brightwater Utilities",
            "industry": "Utilities",
            "segment": "Enterprise",
            "revenue_tier": "platinum",
            "classification": "tactical",
            "classification_reason": "Large, but buys on price through tenders; little future advantage.",
            "motivation": "retain",
            "relationship_category": "personal",
            "potential_level": "2",
            "status": "customer",
        },
    ],
    ImportKind.CONTACTS: [
        {
            "external_id": "P-501",
            "account_external_id": "CRM-1001",
            "full_name": "Dana Whitfield",
            "title": "COO",
            "department": "Operations",
            "email": "dana.whitfield@example.com",
            "is_active": "yes",
        },
        {
            "external_id": "P-502",
            "account_external_id": "CRM-1001",
            "full_name": "Omar Lindqvist",
            "title": "Head of Cold Chain",
            "department": "Operations",
            "reports_to_external_id": "P-501",
            "email": "omar.lindqvist@example.com",
            "is_active": "yes",
        },
    ],
}
