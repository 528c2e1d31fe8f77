"""A bulk payout of 10,000 partners from creation to COMPLETED against the sandbox bank at zero
latency, beside a bare loop doing the same SQL writes per payout, measured in the same run on
the same database (DATABASE_URL; SQLite by default).

    .venv/bin/python bench/bulk_payout.py [--partners 10000] [--keep] [--profile]
    scripts/with-postgres.sh sh -c '.venv/bin/python manage.py migrate -v0 && \
        .venv/bin/python bench/bulk_payout.py'

Target: the run phase within RUN_TARGET (2.0) times the reference below; the issue's
absolute target, 10,000 payouts created, started and run to COMPLETED in < 60 s, is printed
beside it. `report()` records "bulk_payout_10k_run" (bulk_payout_<n>_run at other sizes) with
create/start/run/total seconds, statements per payout and payouts/s.

Setup (not timed): the partners (partners_create in batches of 10,000) on one contract of their
own; one SETTLED ORDER transfer each, inserted (COPY on PostgreSQL) and gathered by
`partner_settlements_gather` into one real PAYOUT_PREPARED partner settlement each. Timed, with
the SQL statements each phase sends (connection.execute_wrapper):

1. selection + creation: `bulk_payout_create` over the filter (the bench contract and date);
2. approval (`bulk_payout_approve` by a second actor: the total is over the approval threshold)
   and a deposit of exactly what the payouts need (`ledger.deposit_record`; not timed);
3. start: `bulk_payout_start` (reservation: one withdrawal per payout);
4. run: `payouts.tasks.run_bulk_payout`, the django-q2 task's own code, in-process and
   synchronous, with the sandbox bank at zero latency (PAYOUT_BANK_LATENCY_MS forced to 0).

Then it verifies: the bulk payout COMPLETED, every payout SUCCEEDED, every settlement PAID_OUT,
the ledger balance = balance before + deposit − total paid − fees, `assert_ledger_invariant`.

The reference: the rows are put back as the start left them (raw UPDATEs, then VACUUM ANALYZE on
PostgreSQL so it does not pay for the run's dead tuples; not timed), and a bare loop of DB-API
`cursor.execute` calls — no ORM, no Django cursor wrapper — sends the writes the runner sends,
in the same transactions: the queue read once (the ids, in pk order), then batch by batch
(PAYOUT_RUN_BATCH payouts of that list): (1) claim: those ids still queued, by pk (FOR UPDATE
SKIP LOCKED), payouts PROCESSING and sent, withdrawals PROCESSING and sent, settlements
IN_PAYOUT, the withdrawals read; (2) the stop check before each send; (3) record: the
withdrawals still in flight locked, the balance − the batch total (RETURNING), withdrawals
SUCCEEDED, their running balance_after (one UPDATE ... FROM unnest), payouts SUCCEEDED,
settlements PAID_OUT; the queue read again (empty); then the finalize's writes once (bulk
payout, bank batch, one INSERT ... SELECT of the settlements' history rows, the paid payouts'
statements SEND_PREPARED with their ids in one UPDATE ... FROM unnest, one django-q2 task row
per SEND_CHUNK payouts). The bank call is left out (the sandbox at zero latency answers from
memory in microseconds). The balance it took is given back after.

Measured 2026-12-02 (PostgreSQL 15, 2 cores, idle): 10,000 payouts in 25.6 s from creation to
COMPLETED (create 6.5 s, start 5.0 s, run 14.2 s); the run phase 2.5x the bare loop (5.6 s),
1.16 statements per payout. Before batching (one payout per transaction): 222 s, 14 statements
per payout.

Everything lives in the test namespace under a fresh prefix and is deleted afterwards with raw
DELETEs (the ORM's delete would write a history row per object), the bench's ledger entries
netted out of the test account's balance, unless --keep. --profile: cProfile of each timed
phase (top functions by own time and cumulative), which makes them slower.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import os
import pstats
import random
import sys
import time
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settlement_site.settings")

import django

django.setup()
logging.getLogger("django-q").setLevel(logging.WARNING)

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Q, Sum  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_q.models import OrmQ  # noqa: E402
from ulid import ULID  # noqa: E402

from bench.common import contract_terms, partner_change  # noqa: E402
from bench.gather_partner_settlements import insert_transfers  # noqa: E402
from bench.report import report  # noqa: E402
from core.versioning import services as versioning  # noqa: E402
from partners.models import Partner  # noqa: E402
from partners.services.partners import partners_create  # noqa: E402
from payouts import tasks  # noqa: E402
from payouts.models import (  # noqa: E402
    AccountTransfer,
    AccountTransferStatus,
    AccountTransferType,
    BulkAccountTransfer,
    BulkPayout,
    BulkPayoutStatus,
    Payout,
    PayoutAccount,
    PayoutSettlement,
    PayoutStatus,
)
from payouts.services import ledger, statements  # noqa: E402
from payouts.services.bulk_payouts import (  # noqa: E402
    Actor,
    bulk_payout_approve,
    bulk_payout_create,
    bulk_payout_start,
)
from payouts.services.selection import Selection  # noqa: E402
from policies.models import Contract  # noqa: E402
from policies.services import CONTRACT  # noqa: E402
from settlements.models import (  # noqa: E402
    AMOUNT_COLUMNS,
    PartnerSettlement,
    PartnerSettlementStatus,
    Transfer,
)
from settlements.selectors.partner_settlements import PartnerSettlementFilter  # noqa: E402
from settlements.services.gather import partner_settlements_gather  # noqa: E402

SETTLEMENT_DATE = date(2031, 2, 14)  # far from any real data in the test namespace
MAKER = Actor("bench:maker", "벤치 작성자")
CHECKER = Actor("bench:checker", "벤치 승인자")
BATCH = 10_000
#: the run phase within 2x the bare loop of its own writes: what is left above the loop is the
#: ORM building ~20 statements per batch and the model instances of the batch's withdrawals;
#: the bank call, which dominates with a real bank (tens of ms each), is not in either figure
RUN_TARGET = 2.0


# --- counting and timing ------------------------------------------------------------------------


class StatementCounter:
    """connection.execute_wrapper: statements by their first word (SELECT, UPDATE, ...)."""

    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()
        self.seconds: Counter[str] = Counter()  # by statement text (parameters apart)
        self.calls: Counter[str] = Counter()

    def __call__(self, execute, sql, params, many, context):
        self.kinds[sql.lstrip().split(None, 1)[0].upper()] += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds[sql] += time.perf_counter() - started
            self.calls[sql] += 1

    def slowest(self, top: int = 8) -> str:
        return "\n".join(
            f"    {seconds:7.2f} s {self.calls[sql]:>7,}x  {sql[:150]}"
            for sql, seconds in self.seconds.most_common(top)
        )

    @property
    def total(self) -> int:
        return sum(self.kinds.values())

    def per(self, n: int) -> str:
        kinds = ", ".join(f"{k} {v:,}" for k, v in self.kinds.most_common())
        return f"{self.total / n:.3f} per payout ({self.total:,}: {kinds})"


class Phase:
    def __init__(self, name: str) -> None:
        self.name, self.seconds, self.counter = name, 0.0, StatementCounter()
        self.cpu = 0.0  # this process's CPU time: the rest is waiting (database, scheduler)
        self.profile: pstats.Stats | None = None


@contextmanager
def timed(name: str, phases: list[Phase], profile: bool):
    phase = Phase(name)
    profiler = cProfile.Profile() if profile else None
    with connection.execute_wrapper(phase.counter):
        started, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        try:
            yield phase
        finally:
            if profiler:
                profiler.disable()
            phase.seconds = time.perf_counter() - started
            phase.cpu = time.process_time() - cpu
    if profiler:
        phase.profile = pstats.Stats(profiler, stream=io.StringIO())
    phases.append(phase)
    print(
        f"  {name}: {phase.seconds:.2f} s (CPU of this process {phase.cpu:.2f} s), "
        f"{phase.counter.total:,} statements",
        flush=True,
    )


def print_profile(phase: Phase, top: int = 25) -> None:
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        phase.profile.stream = out
        phase.profile.sort_stats(order).print_stats(top)
        body = out.getvalue()
        start = body.find("   ncalls")
        print(f"\n--- profile of {phase.name}, by {order} ---\n{body[start:]}")


# --- setup --------------------------------------------------------------------------------------


def make_partners(prefix: str, count: int, contract: Contract) -> list[Partner]:
    partners: list[Partner] = []
    for start in range(0, count, BATCH):
        items = [
            partner_change(f"{prefix}p{i}", contract.public_id)
            for i in range(start, min(count, start + BATCH))
        ]
        partners.extend(partners_create(is_for_test=True, items=items))
    return partners


def transfer_rows(prefix: str, partners: list[Partner], contract: Contract):
    """One SETTLED ORDER transfer per partner, unassigned (the gather makes its settlement)."""
    rng = random.Random(20310214)
    now = timezone.now()
    for i, partner in enumerate(partners):
        order = rng.randrange(10_000, 500_000)
        fee = order // 10
        amounts = dict.fromkeys(AMOUNT_COLUMNS, 0)
        amounts.update(
            amount_order=order,
            amount_payment=order,
            amount_payment_supply=order * 10 // 11,
            amount_payment_vat=order - order * 10 // 11,
            amount_platform_fee=fee,
            amount_platform_fee_vat=fee // 10,
            amount_settlement=order - fee - fee // 10,
        )
        yield {
            "public_id": f"{prefix}t{i}",
            "is_for_test": True,
            "type": "ORDER",
            "stored_status": "SETTLED",
            "partner_id": partner.pk,
            "contract_id": contract.pk,
            "settlement_start_date": SETTLEMENT_DATE - timedelta(days=3),
            "settlement_date": SETTLEMENT_DATE,
            "settlement_date_explicit": False,
            "settlement_currency": "KRW",
            "memo": None,
            "user_defined_properties": "[]",
            "parameters": "{}",
            "payment_id": None,
            "payment_public_id": f"pay-{prefix}{i}",
            "original_id": None,
            "cancellation_id": "",
            "cancelled_at": None,
            "snapshot": "{}",
            "calc_input": "{}",
            "partner_settlement_id": None,
            "created_at": now,
            "updated_at": now,
            **amounts,
        }


# --- the reference ------------------------------------------------------------------------------


def q(name: str) -> str:
    return connection.ops.quote_name(name)


T_PAYOUT = q(Payout._meta.db_table)
T_TRANSFER = q(AccountTransfer._meta.db_table)
T_SETTLEMENT = q(PartnerSettlement._meta.db_table)
T_LINK = q(PayoutSettlement._meta.db_table)
T_ACCOUNT = q(PayoutAccount._meta.db_table)
T_BULK = q(BulkPayout._meta.db_table)
T_BATCH = q(BulkAccountTransfer._meta.db_table)


def sql_of(text: str) -> str:
    return text.replace("%s", "?") if connection.vendor == "sqlite" else text


def reset_to_started(bulk: BulkPayout) -> None:
    """The bench's rows as `bulk_payout_start` left them (not timed)."""
    links = (
        f"SELECT l.partner_settlement_id FROM {T_LINK} l JOIN {T_PAYOUT} p ON p.id = l.payout_id "
        "WHERE p.bulk_payout_id = %s"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {T_PAYOUT} SET status = 'CONFIRMED', attempt_count = 0, sent_at = NULL, "
            "settlement_statement_status = 'UNSENT', settlement_statement_id = NULL "
            "WHERE bulk_payout_id = %s",
            [bulk.pk],
        )
        cursor.execute(
            f"UPDATE {T_TRANSFER} SET status = 'PREPARED', attempt_count = 0, sent_at = NULL, "
            "balance_after = NULL, traded_at = NULL WHERE bulk_payout_id = %s AND is_fee = %s",
            [bulk.pk, False],
        )
        cursor.execute(
            f"UPDATE {T_SETTLEMENT} SET status = 'CONFIRMED' WHERE id IN ({links})", [bulk.pk]
        )
        cursor.execute(f"UPDATE {T_BULK} SET status = 'ONGOING' WHERE id = %s", [bulk.pk])
        cursor.execute(  # what the run withdrew, back on the balance for the second withdrawal
            f"UPDATE {T_ACCOUNT} SET balance = balance + %s WHERE is_for_test = %s",
            [bulk.total_payout_amount, True],
        )
        cursor.execute(
            f"UPDATE {T_BATCH} SET status = 'ONGOING' WHERE bulk_payout_id = %s", [bulk.pk]
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in (T_PAYOUT, T_TRANSFER, T_SETTLEMENT, T_ACCOUNT, T_LINK):
                cursor.execute(f"VACUUM ANALYZE {table}")


def history_insert_sql() -> tuple[str, list[str]]:
    """core.history_sql.insert_history's statement for partner settlements, chosen by pks."""
    history = PartnerSettlement.history.model
    tracked = {f.column for f in PartnerSettlement._meta.concrete_fields}
    copied = [f.column for f in history._meta.concrete_fields if f.column in tracked]
    extra = [
        "history_date",
        "history_type",
        "history_change_reason",
        "history_user_id",
        "history_api_secret",
    ]
    columns = ", ".join(q(c) for c in [*copied, *extra])
    selected = ", ".join([*(f"b.{q(c)}" for c in copied), *(["%s"] * len(extra))])
    return (
        f"INSERT INTO {q(history._meta.db_table)} ({columns}) SELECT {selected} "
        f"FROM {T_SETTLEMENT} AS b WHERE b.id IN (SELECT l.partner_settlement_id FROM {T_LINK} l "
        f"JOIN {T_PAYOUT} p ON p.id = l.payout_id WHERE p.bulk_payout_id = %s "
        "AND p.status = 'SUCCEEDED') ORDER BY b.id"
    ), extra


def _reference_loop(
    bulk_pk: int, cur, s: dict[str, str], begin: str, stamp, account_pk: int, kinds, sqlite: bool
) -> tuple[int, list[int]]:
    """The runner's transactions per batch of PAYOUT_RUN_BATCH payouts, taken from the queue
    read once (and read again at the end): (1) claim by pk and mark sent: payouts, withdrawals,
    settlements IN_PAYOUT, the withdrawals read; (2) before each send, the stop check; (3)
    record: lock the withdrawals still in flight, the balance − the batch total (RETURNING), the
    withdrawals SUCCEEDED, their running balance_after, the payouts SUCCEEDED, the settlements
    PAID_OUT. Returns (balance taken, the payouts paid)."""

    def run(key: str, params, n: int | None = None, **fmt) -> None:
        sql = s[key]
        if n is not None:
            sql = sql.replace("{ids}", ", ".join(["%s"] * n))
        for k, v in fmt.items():
            sql = sql.replace("{" + k + "}", v)
        cur.execute(sql_of(sql), params)
        kinds[sql.lstrip().split(None, 1)[0].upper()] += 1

    size = max(1, int(getattr(settings, "PAYOUT_RUN_BATCH", 100)))
    taken = 0
    paid: list[int] = []
    run("queue", [bulk_pk])  # the queue read once; each batch is claimed from it by pk
    queue = [r[0] for r in cur.fetchall()]
    for at in range(0, len(queue), size):
        candidates = queue[at : at + size]
        now = stamp()
        cur.execute(begin)
        run("claim", [*candidates, bulk_pk], len(candidates))
        pks = [r[0] for r in cur.fetchall()]
        if not pks:
            cur.execute("COMMIT")
            kinds["BEGIN/COMMIT"] += 2
            continue
        n = len(pks)
        run("claim_payout", [now, now, now, *pks], n)
        run("claim_transfer", [now, now, now, *pks, False], n)
        run("follow", ["IN_PAYOUT", now, now, *pks, True], n)
        run("withdrawals", [*pks, False], n)
        rows = cur.fetchall()
        cur.execute("COMMIT")
        for _ in rows:  # the bank call itself is left out (zero latency: microseconds)
            run("stopped", [bulk_pk])
            cur.fetchall()
        now = stamp()
        cur.execute(begin)
        w_pks = [r[0] for r in rows]
        run("pending", w_pks, n)
        cur.fetchall()
        total = sum(r[1] for r in rows)
        run("balance", [total, account_pk])
        (running,) = cur.fetchone()
        running += total
        after = []
        for _, amount in rows:
            running -= amount
            after.append(running)
        run("ok_transfer", [now, now, now, *w_pks], n)
        if sqlite:
            whens = " ".join(["WHEN %s THEN %s"] * n)
            params = [x for pair in zip(w_pks, after, strict=True) for x in pair]
            run("balance_after", [*params, *w_pks], n, whens=whens)
        else:
            run("balance_after", [w_pks, after])
        run("ok_payout", [now, now, *pks], n)
        run("follow", ["PAID_OUT", now, now, *pks, True], n)
        cur.execute("COMMIT")
        kinds["BEGIN/COMMIT"] += 4
        taken += total
        paid.extend(pks)
    run("queue", [bulk_pk])  # read again: nothing left
    assert not cur.fetchall()
    return taken, paid


def reference_run(bulk: BulkPayout, account_pk: int) -> tuple[float, Counter[str], int]:
    """The runner's writes per payout in a bare DB-API loop; returns (seconds, statements by
    kind, balance taken)."""
    connection.ensure_connection()
    raw = connection.connection  # the DB-API connection itself, in autocommit mode
    cur = raw.cursor()
    sqlite = connection.vendor == "sqlite"
    begin = "BEGIN IMMEDIATE" if sqlite else "BEGIN"
    pending = "('PREPARED', 'SCHEDULED', 'PROCESSING', 'ASYNC_PROCESSING')"
    s = {
        "queue": f"SELECT id FROM {T_PAYOUT} WHERE bulk_payout_id = %s "
        "AND status IN ('CONFIRMED', 'SCHEDULED') ORDER BY id",
        "claim": f"SELECT id FROM {T_PAYOUT} WHERE id IN ({{ids}}) AND bulk_payout_id = %s "
        "AND status IN ('CONFIRMED', 'SCHEDULED') ORDER BY id"
        + ("" if sqlite else " FOR UPDATE SKIP LOCKED"),
        "claim_payout": f"UPDATE {T_PAYOUT} SET status = 'PROCESSING', status_updated_at = %s, "
        "updated_at = %s, attempt_count = attempt_count + 1, sent_at = %s WHERE id IN ({ids})",
        "claim_transfer": f"UPDATE {T_TRANSFER} SET status = 'PROCESSING', status_updated_at = %s, "
        "updated_at = %s, attempt_count = attempt_count + 1, sent_at = %s "
        "WHERE payout_id IN ({ids}) AND is_fee = %s AND status IN ('PREPARED', 'SCHEDULED')",
        "follow": f"UPDATE {T_SETTLEMENT} SET status = %s, status_updated_at = %s, "
        f"updated_at = %s WHERE id IN (SELECT partner_settlement_id FROM {T_LINK} "
        "WHERE payout_id IN ({ids}) AND active = %s)",
        "withdrawals": f"SELECT id, amount FROM {T_TRANSFER} WHERE payout_id IN ({{ids}}) "
        "AND is_fee = %s ORDER BY payout_id",
        "stopped": f"SELECT 1 FROM {T_BULK} WHERE id = %s AND stopped_at IS NOT NULL",
        "pending": f"SELECT id FROM {T_TRANSFER} WHERE id IN ({{ids}}) AND status IN {pending}"
        + ("" if sqlite else " FOR UPDATE"),
        "balance": f"UPDATE {T_ACCOUNT} SET balance = balance - %s WHERE id = %s RETURNING balance",
        "ok_transfer": f"UPDATE {T_TRANSFER} SET status = 'SUCCEEDED', status_updated_at = %s, "
        "traded_at = %s, updated_at = %s WHERE id IN ({ids})",
        "balance_after": (
            f"UPDATE {T_TRANSFER} SET balance_after = CASE id {{whens}} END WHERE id IN ({{ids}})"
            if sqlite
            else f"UPDATE {T_TRANSFER} AS t SET balance_after = v.value "
            "FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, value) WHERE t.id = v.id"
        ),
        "ok_payout": f"UPDATE {T_PAYOUT} SET status = 'SUCCEEDED', status_updated_at = %s, "
        "fail_reason = NULL, updated_at = %s WHERE id IN ({ids})",
    }
    history_sql, extra = history_insert_sql()
    kinds: Counter[str] = Counter()

    def stamp():
        now = datetime.now(UTC)
        return now.replace(tzinfo=None).isoformat(" ") if sqlite else now

    taken = 0
    started = time.perf_counter()
    try:
        taken, paid = _reference_loop(bulk.pk, cur, s, begin, stamp, account_pk, kinds, sqlite)
    except BaseException:
        if connection.vendor == "postgresql" or raw.in_transaction:
            cur.execute("ROLLBACK")
        raise
    # the finalize, once
    now = stamp()
    cur.execute(begin)
    cur.execute(
        sql_of(
            f"UPDATE {T_BULK} SET status = 'POST_PROCESS_PENDING', updated_at = %s WHERE id = %s"
        ),
        (now, bulk.pk),
    )
    cur.execute(
        sql_of(
            f"UPDATE {T_BATCH} SET status = 'COMPLETED', status_updated_at = %s "
            "WHERE bulk_payout_id = %s"
        ),
        (now, bulk.pk),
    )
    values = {"history_type": "~", "history_change_reason": f"bulkPayout:{bulk.public_id}:paid"}
    values.update(history_date=now, history_user_id=None, history_api_secret="")
    cur.execute(sql_of(history_sql), [*(values[k] for k in extra), bulk.pk])
    # the statements of the paid payouts: SEND_PREPARED with an id, one sending task per
    # SEND_CHUNK payouts queued for after the commit (django-q2's ORM broker: one row each)
    ids = [str(ULID()) for _ in paid]
    if sqlite:
        cur.executemany(
            sql_of(
                f"UPDATE {T_PAYOUT} SET settlement_statement_status = 'SEND_PREPARED', "
                "settlement_statement_id = %s, updated_at = %s WHERE id = %s"
            ),
            [(sid, now, pk) for sid, pk in zip(ids, paid, strict=True)],
        )
    else:
        cur.execute(
            f"UPDATE {T_PAYOUT} AS p SET settlement_statement_status = 'SEND_PREPARED', "
            "settlement_statement_id = v.sid, updated_at = %s "
            "FROM unnest(%s::bigint[], %s::text[]) AS v(id, sid) WHERE p.id = v.id",
            (now, paid, ids),
        )
    chunk = int(getattr(statements, "SEND_CHUNK", 25))
    payload = "x" * 400  # about the size of a signed task package
    cur.executemany(
        sql_of(f"INSERT INTO {q(OrmQ._meta.db_table)} (key, payload, lock) VALUES (%s, %s, %s)"),
        [("settlement", payload, None) for _ in range(0, len(paid), chunk)],
    )
    kinds["INSERT"] += (len(paid) + chunk - 1) // chunk
    cur.execute(
        sql_of(
            f"UPDATE {T_BULK} SET status = 'COMPLETED', completed_at = %s, updated_at = %s "
            "WHERE id = %s"
        ),
        (now, now, bulk.pk),
    )
    cur.execute("COMMIT")
    seconds = time.perf_counter() - started
    kinds.update({"UPDATE": 4, "INSERT": 1, "BEGIN/COMMIT": 2})
    cur.close()
    return seconds, kinds, taken


# --- verification and cleanup -------------------------------------------------------------------


def verify(bulk_pk: int, prefix: str, count: int, expected_balance: int, label: str) -> int:
    bulk = BulkPayout.objects.get(pk=bulk_pk)
    assert bulk.status == BulkPayoutStatus.COMPLETED, (label, bulk.status)
    payouts = Payout.objects.filter(bulk_payout_id=bulk_pk)
    succeeded = payouts.filter(status=PayoutStatus.SUCCEEDED).count()
    assert succeeded == count == payouts.count(), (label, succeeded, count)
    settlements = PartnerSettlement.objects.filter(
        is_for_test=True, partner__public_id__startswith=prefix
    )
    paid = settlements.filter(status=PartnerSettlementStatus.PAID_OUT).count()
    assert paid == count == settlements.count(), (label, paid, count)
    withdrawn = AccountTransfer.objects.filter(
        bulk_payout_id=bulk_pk, status=AccountTransferStatus.SUCCEEDED
    ).aggregate(s=Sum("amount"))["s"]
    assert withdrawn == bulk.total_payout_amount + count * int(settings.PAYOUT_BANK_FEE), label
    balance = ledger.payout_account(True)
    balance.refresh_from_db(fields=["balance"])
    assert balance.balance == expected_balance, (label, balance.balance, expected_balance)
    return bulk.total_payout_amount


def cleanup(prefix: str, contract: Contract, bulk_pks: list[int], deposit_source: str) -> None:
    account = PayoutAccount.objects.filter(is_for_test=True).first()
    mine = AccountTransfer.objects.filter(Q(bulk_payout_id__in=bulk_pks) | Q(source=deposit_source))
    ok = Q(status=AccountTransferStatus.SUCCEEDED)
    net = mine.aggregate(
        d=Sum("amount", filter=ok & Q(type=AccountTransferType.DEPOSIT), default=0),
        w=Sum("amount", filter=ok & Q(type=AccountTransferType.WITHDRAWAL), default=0),
    )
    settlement_pks = list(
        PartnerSettlement.all_objects.filter(
            is_for_test=True, partner__public_id__startswith=prefix
        ).values_list("pk", flat=True)
    )
    payout_pks = list(
        Payout.objects.filter(bulk_payout_id__in=bulk_pks).values_list("pk", flat=True)
    )
    with transaction.atomic():
        if account is not None and net["d"] != net["w"]:  # their entries leave: so does their sum
            ledger.lock_account(True)
            ledger.move_balance(account.pk, net["w"] - net["d"])
        with connection.cursor() as cursor:

            def delete(table: str, column: str, values: list) -> None:
                for i in range(0, len(values), 5_000):
                    chunk = values[i : i + 5_000]
                    marks = ", ".join(["%s"] * len(chunk))
                    cursor.execute(f"DELETE FROM {table} WHERE {q(column)} IN ({marks})", chunk)

            delete(T_TRANSFER, "id", list(mine.values_list("pk", flat=True)))
            delete(T_BATCH, "bulk_payout_id", bulk_pks)
            delete(T_LINK, "payout_id", payout_pks)
            delete(q(Payout.history.model._meta.db_table), "id", payout_pks)
            delete(T_PAYOUT, "id", payout_pks)
            delete(q(BulkPayout.history.model._meta.db_table), "id", bulk_pks)
            delete(T_BULK, "id", bulk_pks)
            cursor.execute(
                f"DELETE FROM {q(Transfer._meta.db_table)} WHERE is_for_test = %s "
                "AND public_id LIKE %s",
                [True, f"{prefix}%"],
            )
            delete(q(PartnerSettlement.history.model._meta.db_table), "id", settlement_pks)
            delete(T_SETTLEMENT, "id", settlement_pks)
    Partner.objects.filter(is_for_test=True, public_id__startswith=prefix).delete()
    Partner.history.filter(is_for_test=True, public_id__startswith=prefix).delete()
    contract.delete()
    Contract.history.filter(public_id=contract.public_id).delete()


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="leave the rows in the database")
    parser.add_argument("--profile", action="store_true", help="cProfile each timed phase")
    args = parser.parse_args()
    n = args.partners
    fee = int(settings.PAYOUT_BANK_FEE)
    if fee:
        raise SystemExit("the reference has no bank-fee entries: run with PAYOUT_BANK_FEE=0")
    if settings.PAYOUT_BANK_LATENCY_MS:
        print(f"PAYOUT_BANK_LATENCY_MS={settings.PAYOUT_BANK_LATENCY_MS} ignored: zero latency")
        settings.PAYOUT_BANK_LATENCY_MS = 0

    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    prefix = f"bp{str(ULID())[-8:].lower()}-"
    deposit_source = f"bench:{prefix}"
    queue_floor = OrmQ.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    contract = versioning.entity_create(
        CONTRACT,
        public_id=f"{prefix}contract",
        is_for_test=True,
        terms=contract_terms(name="벤치마크 일괄 지급 계약"),
    )
    bulk_pks: list[int] = []
    phases: list[Phase] = []
    try:
        t0 = time.perf_counter()
        partners = make_partners(prefix, n, contract)
        t1 = time.perf_counter()
        insert_transfers(transfer_rows(prefix, partners, contract))
        with transaction.atomic():
            gathered = partner_settlements_gather(
                settlement_date=SETTLEMENT_DATE, is_for_test=True, today=SETTLEMENT_DATE
            )
        assert gathered == n, (gathered, n)
        prepared = PartnerSettlement.objects.filter(
            is_for_test=True,
            partner__public_id__startswith=prefix,
            status=PartnerSettlementStatus.PAYOUT_PREPARED,
        ).count()
        assert prepared == n, (prepared, n)
        t2 = time.perf_counter()
        print(
            f"{connection.vendor}: setup {n:,} partners in {t1 - t0:.1f} s, {n:,} transfers "
            f"gathered into {prepared:,} PAYOUT_PREPARED settlements in {t2 - t1:.1f} s",
            flush=True,
        )

        selection = Selection.of_filter(
            PartnerSettlementFilter(
                settlement_dates=(SETTLEMENT_DATE,), contract_ids=(contract.public_id,)
            ),
            is_for_test=True,
        )
        print("framework (services, ORM):", flush=True)
        with timed("selection + creation (bulk_payout_create)", phases, args.profile):
            bulk = bulk_payout_create(selection=selection, name=f"벤치 {prefix}", actor=MAKER)
        bulk_pks.append(bulk.pk)
        assert bulk.payout_count == n, bulk.payout_count

        with timed("approval (bulk_payout_approve)", phases, args.profile):
            bulk_payout_approve(public_id=bulk.public_id, is_for_test=True, actor=CHECKER)
        need = bulk.total_payout_amount + fee * n
        before = ledger.balances(True).balance
        ledger.deposit_record(
            is_for_test=True, amount=need, depositor_name="벤치마크", source=deposit_source
        )
        with timed("start (bulk_payout_start)", phases, args.profile):
            bulk_payout_start(public_id=bulk.public_id, is_for_test=True, actor=MAKER)
        with timed("run to COMPLETED (tasks.run_bulk_payout)", phases, args.profile):
            outcome = tasks.run_bulk_payout(bulk.pk)
        assert outcome["succeeded"] == n, outcome
        assert outcome["status"] == "COMPLETED", outcome

        paid = verify(bulk.pk, prefix, n, before + need - bulk.total_payout_amount - fee * n, "run")
        ledger.assert_ledger_invariant(True)
        total = sum(p.seconds for p in phases)
        run = phases[-1]
        statements = sum(p.counter.total for p in phases)
        print(
            f"verified: COMPLETED, {n:,} payouts SUCCEEDED, {n:,} settlements PAID_OUT, "
            f"balance {before:,} + deposit {need:,} − paid {paid:,} = "
            f"{before + need - paid:,}원, ledger invariant holds"
        )
        print(
            f"total {total:.2f} s for {n:,} payouts ({n / total:,.0f} payouts/s; "
            f"run alone {n / run.seconds:,.0f}/s), target < 60 s at 10,000"
        )
        print(f"statements per payout, all phases: {statements / n:.2f}")
        for p in phases:
            print(f"  {p.name}: {p.counter.per(n)}")

        account = ledger.payout_account(True)
        after_run = before + need - paid
        reset_to_started(bulk)
        try:
            seconds, kinds, taken = reference_run(bulk, account.pk)
            assert taken == paid, (taken, paid)
            verify(bulk.pk, prefix, n, after_run, "reference")
        finally:
            with transaction.atomic():  # give back what the reference withdrew a second time
                locked = ledger.lock_account(True)
                ledger.move_balance(account.pk, after_run - locked.balance)
        ref_statements = sum(kinds.values())
        print(
            f"reference, bare DB-API loop of the runner's writes: {seconds:.2f} s "
            f"({n / seconds:,.0f} payouts/s), {ref_statements / n:.2f} statements per payout "
            f"({', '.join(f'{k} {v / n:.2f}' for k, v in kinds.most_common())})"
        )
        print(f"ratio, run phase / reference: {run.seconds / seconds:.1f}x")
        load = os.getloadavg()
        print(f"load average after: {' '.join(f'{x:.1f}' for x in load)}")
        print(
            f"ratio, whole flow (create + approve + start + run) / reference: "
            f"{total / seconds:.1f}x"
        )
        by_name = {p.name.split(" (")[0]: p for p in phases}
        report(
            "bulk_payout_10k_run" if n == 10_000 else f"bulk_payout_{n}_run",
            run.seconds,
            seconds,
            unit="s",
            reference_name="bare DB-API loop of the runner's writes per payout",
            target=RUN_TARGET,
            extra={
                "payouts": n,
                "create_s": round(by_name["selection + creation"].seconds, 2),
                "start_s": round(by_name["start"].seconds, 2),
                "run_s": round(run.seconds, 2),
                "total_s": round(total, 2),
                "total_target_s": 60,
                "statements_per_payout": round(statements / n, 3),
                "reference_statements_per_payout": round(ref_statements / n, 3),
                "payouts_per_s": round(n / total, 1),
                "run_cpu_s": round(run.cpu, 2),
                "load_average": round(load[0], 1),
            },
        )
        print("where the database time goes (time inside execute, by statement):")
        for p in phases:
            if p.seconds > 0.5:
                print(f"  {p.name}:\n{p.counter.slowest()}")
        if args.profile:
            for p in phases:
                if p.seconds > 0.5:
                    print_profile(p)
    finally:
        if not args.keep:
            cleanup(prefix, contract, bulk_pks, deposit_source)
            OrmQ.objects.filter(pk__gt=queue_floor).delete()  # partner checks, the runner task


if __name__ == "__main__":
    main()
