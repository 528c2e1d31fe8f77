"""The transfer lists' index (migration settlements 0007, docs/scale.md): in the lists' order, and
used by a first page of a broad filter on PostgreSQL."""

import pytest
from django.db import connection

from settlements.models import Transfer

pytestmark = pytest.mark.django_db


def test_the_index_is_in_the_lists_order():
    assert Transfer._meta.ordering == ["-created_at", "-id"]
    (index,) = [i for i in Transfer._meta.indexes if i.name == "transfer_test_created_idx"]
    assert index.fields == ["is_for_test", "-created_at", "-id"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's catalog and plans")
def test_postgresql_builds_it_and_a_first_page_walks_it():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'transfer_test_created_idx'"
        )
        (definition,) = cursor.fetchone()
        assert definition.endswith("USING btree (is_for_test, created_at DESC, id DESC)"), (
            definition
        )
        query = Transfer.objects.filter(is_for_test=True).order_by("-created_at", "-id")[:50]
        sql, params = query.query.sql_with_params()
        # an empty table: leave the planner no cheaper way than an index scan
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "transfer_test_created_idx" in plan and "Sort" not in plan, plan
