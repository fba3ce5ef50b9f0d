"""CSV import of Stripe ids against both mocks: plan first, write only on apply, never overwrite a link."""

import subprocess
import sys

from sync_core.config import DEFAULT_STRIPE_ID_FIELD as ID_FIELD
from sync_core.csv_import import apply_import, plan_import, read_rows


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
        plan = await plan_import(engine, read_rows(path))
        assert [r.action for r in plan.rows] == ["set", "conflict", "error", "error"]
        assert "NONEXISTENT" not in plan.rows[3].message and plan.rows[3].message
        assert world.ns_customers()["101"].get(ID_FIELD) is None  # the plan wrote nothing
        await apply_import(engine, plan)
    ns = world.ns_customers()
    assert plan.applied == 1 and ns["101"][ID_FIELD] == "cus_A"
    assert ns["102"][ID_FIELD] == "cus_OLD" and ns["103"].get(ID_FIELD) is None


def test_cli_refuses_malformed_file_before_touching_anything(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("internal_id,stripe_customer_id\n101,not-an-id\n")
    r = subprocess.run([sys.executable, "-m", "tui.cli", "import-stripe-ids", str(path), "--apply"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "line 2" in r.stderr and "nothing was written" in r.stderr
    assert "starting the bundled" not in r.stderr  # refused before any service was contacted
