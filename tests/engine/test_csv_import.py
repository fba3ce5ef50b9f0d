"""CSV import of Stripe ids against both mocks: plan first, write only on apply, never overwrite a link."""

from sync_core.admin.csv_import import _batch_condition, apply_import, plan_import, read_rows
from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD
from tests.support.cli import custsync


def load(world):
    world.load(
        [{"id": "101", "companyName": "No Email Ltd"}, {"id": "102", "companyName": "Linked", ID_FIELD: "cus_OLD"},
         {"id": "103", "companyName": "Gone"}],
        [{"id": "cus_A", "name": "No Email Ltd"}, {"id": "cus_OLD"}, {"id": "cus_NEW"}, {"id": "cus_DEL", "deleted": True}])


async def test_plan_then_apply(world, tmp_path):
    load(world)
    path = tmp_path / "ids.csv"
    path.write_text("internal_id,stripe_customer_id\n101,cus_A\n102,cus_NEW\n103,cus_DEL\n999,cus_A\n")
    async with world.engine() as engine:
        plan = await plan_import(engine.services, read_rows(path))
        assert [r.action for r in plan.rows] == ["set", "conflict", "error", "error"]
        assert "NONEXISTENT" not in plan.rows[3].message and plan.rows[3].message
        assert world.ns_customers()["101"].get(ID_FIELD) is None  # the plan wrote nothing
        await apply_import(engine.services, plan)
    ns = world.ns_customers()
    assert plan.applied == 1 and ns["101"][ID_FIELD] == "cus_A"
    assert ns["102"][ID_FIELD] == "cus_OLD" and ns["103"].get(ID_FIELD) is None


def test_cli_refuses_malformed_file_before_touching_anything(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("internal_id,stripe_customer_id\n101,not-an-id\n")
    r = custsync("import-stripe-ids", str(path), "--apply")
    assert r.returncode == 2 and "line 2" in r.stderr and "nothing was written" in r.stderr
    assert "starting the bundled" not in r.stderr  # refused before any service was contacted


# --- ownership (issue 12): a Stripe customer that belongs to another NetSuite customer is a conflict -------

def load_owned(world):
    world.load(
        [{"id": "101", "companyName": "A"}, {"id": "102", "companyName": "Holder", ID_FIELD: "cus_HELD"},
         {"id": "103", "companyName": "B"}, {"id": "104", "companyName": "C"}, {"id": "105", "companyName": "D"},
         {"id": "106", "companyName": "E"}],
        [{"id": "cus_HELD"}, {"id": "cus_TAGGED", "metadata": {"netsuite_internal_id": "777"}},
         {"id": "cus_TWICE"}, {"id": "cus_MINE", "metadata": {"netsuite_internal_id": "106"}}])


OWNED_CSV = "internal_id,stripe_customer_id\n101,cus_HELD\n103,cus_TAGGED\n104,cus_TWICE\n105,cus_TWICE\n106,cus_MINE\n"


async def test_stripe_customer_of_another_netsuite_customer_is_a_conflict(world, tmp_path):
    load_owned(world)
    path = tmp_path / "ids.csv"
    path.write_text(OWNED_CSV)
    async with world.engine() as engine:
        plan = await plan_import(engine.services, read_rows(path))
        await apply_import(engine.services, plan)
    by_id = {r.internal_id: r for r in plan.rows}
    assert [by_id[i].action for i in ("101", "103", "104", "105", "106")] == \
        ["conflict", "conflict", "conflict", "conflict", "written"]
    assert "customer 102" in by_id["101"].message and "STRIPE CUSTOMER ID" in by_id["101"].message
    assert "777" in by_id["103"].message and "metadata" in by_id["103"].message
    assert "105" in by_id["104"].message and "another row of this file" in by_id["104"].message
    assert "--allow-shared" in by_id["101"].message
    ns = world.ns_customers()
    assert [ns[i].get(ID_FIELD) for i in ("101", "103", "104", "105")] == [None] * 4  # conflicts are not written


def test_cli_writes_conflicts_only_with_allow_shared(world, tmp_path):
    from tests.support.engine_world import config_file

    load_owned(world)
    path = tmp_path / "ids.csv"
    path.write_text(OWNED_CSV)
    config, env = config_file(world, tmp_path)
    base = ["--config", str(config), "import-stripe-ids", str(path), "--apply"]
    r = custsync(*base, env=env)
    assert r.returncode == 3 and "conflict 4" in r.stdout, r.stdout + r.stderr  # 3: rows need a person
    assert world.ns_customers()["101"].get(ID_FIELD) is None
    r = custsync(*base, "--allow-shared", "--json", env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    ns = world.ns_customers()
    assert (ns["101"][ID_FIELD], ns["103"][ID_FIELD], ns["104"][ID_FIELD]) == ("cus_HELD", "cus_TAGGED", "cus_TWICE")


# --- scale (issue 12): NetSuite in batches, Stripe listed or retrieved, whichever is cheaper ---------------

def numbered(world, tmp_path, rows: int, account: int | None = None):
    """`rows` NetSuite customers without a Stripe id, an account of `account` Stripe customers (oldest first), and
    a file linking each NetSuite customer to one of the account's oldest."""
    world.load([{"id": str(1000 + i), "companyName": f"C{i}"} for i in range(rows)],
               [{"id": f"cus_{i:06d}", "created": 1_700_000_000 + i} for i in range(account or rows)])
    path = tmp_path / "ids.csv"
    path.write_text("internal_id,stripe_customer_id\n" + "".join(f"{1000 + i},cus_{i:06d}\n" for i in range(rows)))
    return path


async def test_thousands_of_rows_cost_a_few_batched_requests(world, tmp_path):
    n = 2500
    path = numbered(world, tmp_path, n)
    seen = []
    async with world.engine() as engine:
        plan = await plan_import(engine.services, read_rows(path), on_progress=lambda *p: seen.append(p))
    assert plan.count("set") == n
    # 3 id batches of <= 1000 + the linked-customers pass; 25 list pages of 100 instead of 2500 retrieves
    assert plan.netsuite_requests <= 5, plan.netsuite_requests
    assert plan.stripe_requests <= 26 and "listed" in plan.stripe_strategy and "retrieved" not in plan.stripe_strategy
    assert ("NetSuite customers", n, n) in seen and ("Stripe customers", n, n) in seen


async def test_a_few_rows_in_a_large_account_are_retrieved_one_by_one_and_sparse_ids_use_in_lists(world, tmp_path):
    world.load([{"id": str(i), "companyName": f"C{i}"} for i in (101, 5000, 90000)],
               [{"id": f"cus_{i:04d}"} for i in range(300)])
    path = tmp_path / "ids.csv"
    path.write_text("internal_id,stripe_customer_id\n101,cus_0001\n5000,cus_0002\n90000,cus_0003\n")
    async with world.engine() as engine:
        plan = await plan_import(engine.services, read_rows(path))
    assert [r.action for r in plan.rows] == ["set"] * 3
    assert plan.stripe_requests == 3 and "one by one" in plan.stripe_strategy
    # the three sparse ids went as one IN list (a range would have read 89,900 ids)
    assert _batch_condition([101, 5000, 90000]) == "id IN (101, 5000, 90000)"
    assert _batch_condition(list(range(1000, 1900, 2))) == "id BETWEEN 1000 AND 1898"
    assert plan.netsuite_requests == 2  # the ids, and the customers already linked


async def test_rows_naming_the_accounts_oldest_customers_are_listed_not_retrieved(world, tmp_path):
    """A listing reads the newest customers first: 500 rows naming the 500 oldest of 3,000 found nothing on the
    first pages, so every row was retrieved (one request a row; 14 minutes for 20,000). Listing on while the
    pages read stay below the retrieves still needed costs the 30 pages of the account."""
    n, rows = 3000, 500
    path = numbered(world, tmp_path, rows, n)
    async with world.engine() as engine:
        plan = await plan_import(engine.services, read_rows(path))
    assert plan.count("set") == rows
    assert plan.stripe_requests <= n // 100 + 1, (plan.stripe_requests, plan.stripe_strategy)
    assert "listed" in plan.stripe_strategy and "retrieved" not in plan.stripe_strategy


async def test_apply_writes_in_the_restlets_batches_and_counts_its_requests(world, tmp_path):
    n = 250
    path = numbered(world, tmp_path, n)
    async with world.engine() as engine:
        engine.config.netsuite.write_back_batch = 100
        plan = await plan_import(engine.services, read_rows(path))
        planned_requests, before = plan.netsuite_requests, engine.netsuite.requests
        await apply_import(engine.services, plan)
        writes = engine.netsuite.requests - before
    assert plan.applied == n == plan.count("written")
    assert writes == 3, writes  # three writeBack calls of at most 100, not one request per row
    assert plan.netsuite_requests == planned_requests + writes
    assert all(c.get(ID_FIELD) for c in world.ns_customers().values())
