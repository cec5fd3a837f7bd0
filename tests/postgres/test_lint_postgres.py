"""PostgreSQL is the oracle of lint: every rule's claim about what PostgreSQL does, observed.

The ``shop`` app of ``tests/postgres/project/`` holds one migration per unsafe or safe example
of a rule, each on top of ``0001_initial`` (or of the migrations it names). For each case, a real
``migrate`` builds the tables, they get 1,000 rows each, Django's own schema editor emits the
migration's SQL (what ``sqlmigrate`` prints), and that SQL runs against the live server, which is
watched from other sessions (see ``pg_observe``): the lock taken on each table, whether other
sessions' reads and writes had to wait, whether the table was rewritten, whether it was scanned.

Each case states what the rule claims PostgreSQL does, and whether the linter reports the rule
there; both must hold. A claim PostgreSQL does not confirm is a bug in the rule. The linter runs
with ``postgres-version`` set to the server's major version; a claim that only holds from some
version on says so (``since``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pg_fixtures import DjangoWorker, Postgres, django_worker, postgres
from pg_observe import Observation, run_atomic, run_outside_transaction

from manifest_core.lint import LintReport, LintSettings, lint_project
from manifest_core.lint.rules import OPERATION_RULES
from manifest_core.project import load_project

django = pytest.importorskip("django")
if django.VERSION < (5, 0):
    pytest.skip(
        "the oracle project uses db_default and GeneratedField (Django 5.0+)",
        allow_module_level=True,
    )

PROJECT = Path(__file__).with_name("project")
__all__ = ["django_worker", "postgres"]  # the session fixtures this module uses
ORDER, CUSTOMER, EVENT = "shop_order", "shop_customer", "shop_event"
AX, SRX, SHARE, SUX = (
    "AccessExclusiveLock",
    "ShareRowExclusiveLock",
    "ShareLock",
    "ShareUpdateExclusiveLock",
)
#: 1,000 rows in every table of 0001_initial, valid for every constraint the cases add.
SEED = (
    "INSERT INTO shop_customer (name) SELECT 'c' || g FROM generate_series(1, 1000) g",
    "INSERT INTO shop_coupon (code) SELECT 'k' || g FROM generate_series(1, 1000) g",
    "INSERT INTO shop_gift (name) SELECT 'g' || g FROM generate_series(1, 1000) g",
    "INSERT INTO shop_order"
    " (status, total, price_cents, quantity, legacy_code, number, created_at, seller_id)"
    " SELECT 'new', g, g, 1, 'x', 'n' || g, now(), g FROM generate_series(1, 1000) g",
    "INSERT INTO shop_event (count, title, body, amount, name, code)"
    " SELECT g, 't' || g, 'b', g, 'e' || g, 'c' || g FROM generate_series(1, 1000) g",
    "INSERT INTO shop_booking (span) SELECT int4range(g * 10, g * 10 + 5)"
    " FROM generate_series(1, 1000) g",
    "ANALYZE shop_customer, shop_coupon, shop_gift, shop_order, shop_event, shop_booking",
)
#: An INSERT from code that does not know the columns the cases add.
OLD_INSERT = "INSERT INTO shop_order (total, price_cents, quantity, number) VALUES (1, 1, 1, 'x')"


@dataclass(frozen=True)
class Case:
    rule: str
    migration: str
    #: Whether the linter reports ``rule`` on this migration.
    reported: bool
    #: What PostgreSQL must be observed doing (keys of :func:`facts`).
    claim: dict[str, Any]
    table: str = ORDER
    #: Follow-up statements run after the migration, in its transaction (see ``after``).
    after: tuple[str, ...] = ()
    #: Run the migration with Django's ``migrate`` and observe only its outcome.
    migrate: bool = False
    #: The oldest PostgreSQL major version the claim holds on.
    since: int = 0
    #: What the finding's message must say about it (as observed).
    says: str = ""

    @property
    def id(self) -> str:
        return f"{self.rule}:{self.migration}"


def facts(case: Case, seen: Observation) -> dict[str, Any]:
    """The observation, in the terms of a claim."""
    return {
        "error": seen.error,
        "lock": seen.locks.get(case.table),
        "locks": seen.locks,
        "reads_blocked": seen.reads_blocked.get(case.table, False),
        "writes_blocked": seen.writes_blocked.get(case.table, False),
        "rewritten": case.table in seen.rewritten,
        "scanned": None if seen.scanned is None else sorted(seen.scanned),
        "after": seen.after,
    }


def blocks(*, reads: bool, writes: bool) -> dict[str, Any]:
    return {"reads_blocked": reads, "writes_blocked": writes}


#: ACCESS EXCLUSIVE on the table: other sessions can neither read nor write it.
LOCKED = {"lock": AX, **blocks(reads=True, writes=True)}

#: ACCESS EXCLUSIVE, but only for a catalog change: no rewrite, no scan.
BRIEF = {"lock": AX, "rewritten": False, "scanned": []}

CASES = (
    # ML001: Django drops the temporary default; an INSERT that does not name the column fails.
    Case(
        "add-not-null-field",
        "0101_order_is_gift_python_default",
        True,
        {**LOCKED, "rewritten": False, "after": ["NotNullViolation"]},
        after=(OLD_INSERT,),
    ),
    Case(
        "add-not-null-field",
        "0102_order_is_gift_db_default",
        False,
        {"rewritten": False, "after": ["ok"]},
        after=(OLD_INSERT,),
    ),
    Case(
        "add-not-null-field",
        "0103_order_is_gift_nullable",
        False,
        {"rewritten": False, "after": ["ok"]},
        after=(OLD_INSERT,),
    ),
    # ML002: a volatile default rewrites the table under ACCESS EXCLUSIVE; a stable one does not.
    Case(
        "volatile-db-default",
        "0201_order_public_id_random",
        True,
        {**LOCKED, "rewritten": True},
        since=11,
    ),
    Case(
        "volatile-db-default",
        "0202_order_placed_at_now",
        False,
        {"rewritten": False, "scanned": []},
        since=11,
    ),
    # ML003: SET NOT NULL scans the table under ACCESS EXCLUSIVE, unless a validated CHECK
    # constraint already proves it (PostgreSQL 12+).
    Case(
        "set-not-null",
        "0301_order_status_not_null",
        True,
        {**LOCKED, "rewritten": False, "scanned": [ORDER]},
    ),
    Case(
        "set-not-null",
        "0304_order_status_not_null_checked",
        False,  # the safe path: a validated CHECK (col IS NOT NULL) proves it, no scan
        {"lock": AX, "rewritten": False, "scanned": []},
        since=12,
    ),
    # DROP NOT NULL only changes the catalog: no scan.
    Case("set-not-null", "0305_order_total_nullable", False, BRIEF),
    # ML004: a type change rewrites the table, unless the conversion is binary-coercible.
    Case(
        "alter-column-type",
        "0401_event_count_bigint",
        True,
        {**LOCKED, "rewritten": True},
        table=EVENT,
    ),
    Case(
        "alter-column-type",
        "0402_event_title_longer",
        False,
        BRIEF,
        table=EVENT,
    ),
    Case(
        "alter-column-type",
        "0403_event_title_text",
        False,
        BRIEF,
        table=EVENT,
    ),
    Case(
        "alter-column-type",
        "0404_event_amount_precision",
        False,
        BRIEF,
        table=EVENT,
    ),
    Case(
        "alter-column-type",
        "0405_event_title_shorter",
        True,
        {**LOCKED, "rewritten": True},
        table=EVENT,
    ),
    Case(
        "alter-column-type",
        "0406_event_body_varchar",
        True,
        {**LOCKED, "rewritten": True},
        table=EVENT,
    ),
    # A new collation rewrites nothing, but rebuilds the column's indexes (reading the table).
    Case(
        "alter-column-type",
        "0407_event_name_collation",
        True,
        {**LOCKED, "rewritten": False, "scanned": []},
        table=EVENT,
    ),
    Case(
        "alter-column-type",
        "0408_event_code_collation",
        True,
        {**LOCKED, "rewritten": False, "scanned": [EVENT]},
        table=EVENT,
    ),
    # ML005-ML010: the running code's queries name what is gone.
    Case(
        "remove-field",
        "0501_remove_order_legacy_code",
        True,
        {**LOCKED, "rewritten": False, "after": ["UndefinedColumn"]},
        after=("SELECT legacy_code FROM shop_order",),
    ),
    Case(
        "remove-field",
        "0502_remove_order_legacy_code_state",
        False,
        {"locks": {}, "after": ["ok"]},
        after=("SELECT legacy_code FROM shop_order",),
    ),
    Case(
        "delete-model",
        "0601_delete_coupon",
        True,
        {**LOCKED, "after": ["UndefinedTable"]},
        table="shop_coupon",
        after=("SELECT code FROM shop_coupon",),
    ),
    Case(
        "delete-model",
        "0602_delete_coupon_state",
        False,
        {"locks": {}, "after": ["ok"]},
        table="shop_coupon",
        after=("SELECT code FROM shop_coupon",),
    ),
    Case(
        "rename-field",
        "0701_rename_order_total",
        True,
        {**LOCKED, "rewritten": False, "scanned": [], "after": ["UndefinedColumn"]},
        after=("SELECT total FROM shop_order",),
    ),
    Case(
        "rename-field",
        "0702_rename_order_price",
        False,
        {"locks": {}, "after": ["ok"]},
        after=("SELECT price_cents FROM shop_order",),
    ),
    Case(
        "rename-model",
        "0801_rename_coupon_voucher",
        True,
        {**LOCKED, "rewritten": False, "after": ["UndefinedTable"]},
        table="shop_coupon",
        after=("SELECT code FROM shop_coupon",),
    ),
    Case(
        "rename-model",
        "0802_rename_present_gift",
        False,
        {"locks": {}, "after": ["ok"]},
        table="shop_gift",
        after=("SELECT name FROM shop_gift",),
    ),
    Case(
        "alter-model-table",
        "0901_alter_coupon_table",
        True,
        {**LOCKED, "rewritten": False, "after": ["UndefinedTable"]},
        table="shop_coupon",
        after=("SELECT code FROM shop_coupon",),
    ),
    Case(
        "alter-model-table",
        "0902_alter_coupon_table_state",
        False,
        {"locks": {}, "after": ["ok"]},
        table="shop_coupon",
        after=("SELECT code FROM shop_coupon",),
    ),
    Case(
        "change-db-column",
        "1001_order_total_db_column",
        True,
        {**LOCKED, "rewritten": False, "after": ["UndefinedColumn"]},
        after=("SELECT total FROM shop_order",),
    ),
    Case(
        "change-db-column",
        "1002_order_total_same_db_column",
        False,
        {"locks": {}, "after": ["ok"]},
        after=("SELECT total FROM shop_order",),
    ),
    # ML011: CREATE INDEX takes SHARE: reads go on, writes wait; CONCURRENTLY lets writes go on.
    Case(
        "add-index",
        "1101_order_created_idx",
        True,
        {"lock": SHARE, **blocks(reads=False, writes=True), "scanned": [ORDER]},
    ),
    Case(
        "add-index",
        "1102_order_created_idx_concurrently",
        False,
        {"error": None, "lock": SUX, **blocks(reads=False, writes=False)},
    ),
    Case(
        "add-index",
        "1103_order_region_db_index",
        True,
        {**LOCKED, "scanned": [ORDER]},
    ),
    # ML012: CONCURRENTLY in a transaction: Django refuses its operations, PostgreSQL the SQL.
    Case(
        "concurrent-index-in-atomic",
        "1201_order_created_idx_runsql_atomic",
        True,
        {"error": "ActiveSqlTransaction"},
    ),
    Case(
        "concurrent-index-in-atomic",
        "1202_order_created_idx_concurrently_atomic",
        True,
        {"error": "NotSupportedError"},
    ),
    Case(
        "concurrent-index-in-atomic",
        "1102_order_created_idx_concurrently",
        False,
        {"error": None},
    ),
    # ML013: DROP INDEX queues for ACCESS EXCLUSIVE, and every query queues behind it.
    Case("remove-index", "1301_remove_order_number_idx", True, LOCKED),
    Case(
        "remove-index",
        "1302_remove_order_number_idx_concurrently",
        False,
        {"error": None, "lock": SUX, **blocks(reads=False, writes=False)},
    ),
    # ML014: ADD CONSTRAINT UNIQUE builds the index under ACCESS EXCLUSIVE; a conditional
    # constraint is a CREATE UNIQUE INDEX (SHARE: writes wait).
    Case(
        "add-unique-constraint",
        "1401_order_number_unique",
        True,
        {**LOCKED, "scanned": [ORDER]},
        says="while reads and writes of the table are blocked",
    ),
    Case(
        "add-unique-constraint",
        "1402_order_number_unique_conditional",
        True,
        {"lock": SHARE, **blocks(reads=False, writes=True), "scanned": [ORDER]},
        says="while writes to the table are blocked",
    ),
    Case(
        "add-unique-constraint",
        "1403_order_number_unique_using_index",
        False,
        {"error": None, "lock": AX, "rewritten": False},
    ),
    Case(
        "add-unique-constraint",
        "1404_order_unique_together",
        True,
        LOCKED,
        says="while reads and writes of the table are blocked",
    ),
    # ML015: ADD CONSTRAINT CHECK scans under ACCESS EXCLUSIVE; NOT VALID does not scan, and
    # VALIDATE scans under SHARE UPDATE EXCLUSIVE (reads and writes go on).
    Case("add-check-constraint", "1501_order_total_check", True, {**LOCKED, "scanned": [ORDER]}),
    Case(
        "add-check-constraint",
        "1502_order_total_check_not_valid",
        False,
        {"lock": AX, "scanned": []},
    ),
    Case(
        "add-check-constraint",
        "1503_order_total_check_validate",
        False,
        {"lock": SUX, **blocks(reads=False, writes=False), "scanned": [ORDER]},
    ),
    # ML016: validated in the transaction that added it: the scan runs under ACCESS EXCLUSIVE.
    Case(
        "validate-constraint-mixed",
        "1601_order_total_check_add_and_validate",
        True,
        {**LOCKED, "scanned": [ORDER]},
    ),
    Case(
        "validate-constraint-mixed",
        "1503_order_total_check_validate",
        False,
        {"lock": SUX, "scanned": [ORDER]},
    ),
    # ML017: a foreign key locks both tables (SHARE ROW EXCLUSIVE on the referenced one) and
    # validates existing rows, except on a new column without a default (all NULL: no scan).
    Case(
        "add-foreign-key",
        "1701_order_customer_nullable",
        False,
        {"locks": {ORDER: AX, CUSTOMER: SRX}, "rewritten": False, "scanned": []},
    ),
    Case(
        "add-foreign-key",
        "1702_order_customer_default",
        True,
        {"locks": {ORDER: AX, CUSTOMER: SRX}, "scanned": [CUSTOMER, ORDER]},
        says="PostgreSQL checks every existing row",
    ),
    Case(
        "add-foreign-key",
        "1703_order_seller_constraint",
        True,
        {"locks": {ORDER: SRX, CUSTOMER: SRX}, "scanned": [CUSTOMER, ORDER]},
        says="while writes to both tables are blocked",
    ),
    Case(
        "add-foreign-key",
        "1704_order_customer_no_constraint",
        False,
        {"locks": {ORDER: AX}, "scanned": []},
    ),
    Case(
        "add-foreign-key",
        "1705_order_customer_nullable_db_default",
        True,
        {"locks": {ORDER: AX, CUSTOMER: SRX}, "scanned": [CUSTOMER, ORDER]},
        says="PostgreSQL checks every existing row",
    ),
    # The same with the index Django gives a ForeignKey: the build reads the table, but the
    # referenced table is not read (no row is checked); add-index reports the build.
    Case(
        "add-foreign-key",
        "1706_order_customer_nullable_indexed",
        False,
        {"locks": {ORDER: AX, CUSTOMER: SRX}, "scanned": [ORDER]},
    ),
    Case(
        "add-index",
        "1706_order_customer_nullable_indexed",
        True,
        {**LOCKED, "scanned": [ORDER]},
    ),
    # ML018: the CHECK of a Positive* field is validated against every row, new column or not.
    Case("positive-field-check", "1801_order_units_positive", True, {**LOCKED, "scanned": [ORDER]}),
    Case("positive-field-check", "1802_order_units_not_valid", False, {"lock": AX, "scanned": []}),
    # ML019: an exclusion constraint builds its index and checks every row under ACCESS EXCLUSIVE.
    Case(
        "add-exclusion-constraint",
        "1901_booking_no_overlap",
        True,
        {**LOCKED, "scanned": ["shop_booking"]},
        table="shop_booking",
    ),
    Case(
        "add-exclusion-constraint",
        "1902_slot_no_overlap_new_table",
        False,
        {"error": None, "locks": {}},
        table="shop_slot",
    ),
    # ML020: rows changed before an ALTER TABLE of a table with deferred constraints.
    Case(
        "run-python-with-schema-changes",
        "2001_order_note_after_backfill",
        True,
        {"error": "ObjectInUse"},
        migrate=True,
    ),
    Case(
        "run-python-with-schema-changes",
        "2002_order_note_alone",
        False,
        {"error": None},
        migrate=True,
    ),
    # ML023: raw SQL gets the same treatment as Django's operations.
    Case(
        "unsafe-run-sql",
        "2301_order_created_idx_runsql",
        True,
        {"lock": SHARE, **blocks(reads=False, writes=True)},
    ),
    Case(
        "unsafe-run-sql",
        "2302_order_created_idx_runsql_concurrently",
        False,
        {"lock": SUX, **blocks(reads=False, writes=False)},
    ),
    Case("unsafe-run-sql", "2303_order_total_check_runsql", True, {**LOCKED, "scanned": [ORDER]}),
    Case(
        "unsafe-run-sql",
        "2304_order_total_check_runsql_not_valid",
        False,
        {"lock": AX, "scanned": []},
    ),
    Case(
        "unsafe-run-sql",
        "2305_order_status_not_null_runsql",
        True,
        {**LOCKED, "rewritten": False, "scanned": [ORDER]},
    ),
    Case(
        "unsafe-run-sql",
        "2306_order_seller_fk_runsql",
        True,
        {"locks": {ORDER: SRX, CUSTOMER: SRX}, "scanned": [CUSTOMER, ORDER]},
    ),
    Case(
        "unsafe-run-sql",
        "2307_order_seller_fk_runsql_not_valid",
        False,
        {"locks": {ORDER: SRX, CUSTOMER: SRX}, "scanned": []},
    ),
    Case("unsafe-run-sql", "2308_remove_order_number_idx_runsql", True, LOCKED),
    Case(
        "unsafe-run-sql",
        "2309_reindex_order_number_idx_runsql",
        True,
        {"lock": SHARE, **blocks(reads=True, writes=True)},
    ),
    Case(
        "unsafe-run-sql",
        "2310_order_total_bigint_runsql",
        True,
        {**LOCKED, "rewritten": True},
    ),
    # ML024: a stored generated column rewrites the table under ACCESS EXCLUSIVE.
    Case(
        "add-generated-field", "2401_order_line_total_stored", True, {**LOCKED, "rewritten": True}
    ),
    # ... in the CreateModel of a new table, no existing table is locked.
    Case(
        "add-generated-field",
        "2402_line_new_table_stored",
        False,
        {"error": None, "locks": {}},
        table="shop_line",
    ),
)


#: Rules whose claims are about Django alone (it refuses to unapply a migration), not PostgreSQL.
NOT_ABOUT_POSTGRES = frozenset({"run-python-without-reverse", "run-sql-without-reverse"})


def test_every_rule_about_postgres_has_a_reported_and_a_quiet_case() -> None:
    for rule in OPERATION_RULES:
        if rule.name not in NOT_ABOUT_POSTGRES:
            verdicts = {case.reported for case in CASES if case.rule == rule.name}
            assert verdicts == {True, False}, f"{rule.name}: cases {verdicts or 'missing'}"


@cache
def lint_report(version: int) -> LintReport:
    project = load_project(str(PROJECT), use_cache=False)
    return lint_project(project, LintSettings(postgres_version=version))


def messages(version: int, migration: str, rule: str) -> list[str]:
    """The messages of the rule's findings on the migration."""
    path = f"shop/migrations/{migration}.py"
    for result in lint_report(version).results:
        if result.path == path:
            return [finding.message for finding in result.findings if finding.name == rule]
    raise AssertionError(f"{path} was not linted")


#: Whether the database holds exactly 0001_initial and the seed rows (atomic cases roll back).
_pristine: list[bool] = [False]


def observe(case: Case, postgres: Postgres, worker: DjangoWorker) -> Observation:
    import psycopg

    if not _pristine[0]:
        assert worker.ask(reset=True) == {}
        assert worker.ask(migrate="0001_initial") == {}
        with psycopg.connect(postgres.conninfo, autocommit=True) as connection:
            for sql in SEED:
                connection.execute(sql)
    _pristine[0] = False
    assert worker.ask(prepare=case.migration) == {}
    prepared = worker.ask(applied=True)["applied"] == ["0001_initial"]
    if case.migrate:
        return Observation(error=_error_name(worker.ask(migrate=case.migration)))
    emitted = worker.ask(sql=case.migration)
    if "error" in emitted:
        _pristine[0] = prepared
        return Observation(error=_error_name(emitted))
    if emitted["atomic"]:
        seen = run_atomic(postgres.conninfo, emitted["statements"], after=case.after)
        _pristine[0] = prepared
        return seen
    return run_outside_transaction(postgres.conninfo, emitted["statements"], case.table)


def _error_name(answer: dict[str, Any]) -> str | None:
    error = answer.get("error")
    return error.split(":", 1)[0] if isinstance(error, str) else None


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_postgres_confirms_the_rule(
    case: Case, postgres: Postgres, django_worker: DjangoWorker
) -> None:
    if postgres.version < case.since:
        pytest.skip(f"the claim holds from PostgreSQL {case.since} on")
    seen = facts(case, observe(case, postgres, django_worker))
    assert {key: seen[key] for key in case.claim} == case.claim
    said = messages(postgres.version, case.migration, case.rule)
    assert bool(said) == case.reported, said
    assert all(case.says in message for message in said), said


@pytest.mark.parametrize("case", [case for case in CASES if case.since], ids=lambda case: case.id)
def test_before_a_claims_version_the_linter_reports_it(case: Case) -> None:
    """A claim that only holds from some PostgreSQL version on is keyed on the same version by
    the linter's ``postgres-version``: one version earlier, the pattern is reported."""
    assert messages(case.since - 1, case.migration, case.rule)
