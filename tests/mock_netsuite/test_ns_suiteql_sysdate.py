"""SYSDATE arithmetic in SuiteQL: `SYSDATE - n` is n days before now, fractions of a day included (Oracle date
arithmetic, which SuiteQL follows: https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/
Datetime-Data-Types-and-Time-Zone-Support.html, "Datetime and Interval Arithmetic"; SuiteQL:
https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_157909186990.html). The usual
"modified lately" filter, `lastmodifieddate >= SYSDATE - 1`, must leave older customers out."""
from __future__ import annotations

import time

from tests.support.ns_helpers import SUITEQL, customer


def ids(ns, q):
    resp = ns.post(SUITEQL, headers={"Prefer": "transient"}, json={"q": q})
    assert resp.status_code == 200, resp.text
    return [item["id"] for item in resp.json()["items"]]


def test_sysdate_minus_days_and_fractions_of_a_day(ns, seed):
    an_hour_ago = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    seed([customer(101, dateCreated="2024-01-10T09:00:00Z", lastModifiedDate="2024-01-10T09:00:00Z"),
          customer(102, dateCreated="2024-01-10T09:00:00Z", lastModifiedDate=an_hour_ago),
          customer(103, dateCreated="2024-01-10T09:00:00Z", lastModifiedDate=now)])
    assert ids(ns, "SELECT id FROM customer WHERE lastmodifieddate >= SYSDATE - 1 ORDER BY id") == ["102", "103"]
    assert ids(ns, "SELECT id FROM customer WHERE lastmodifieddate >= SYSDATE - (600 / 86400) ORDER BY id") == ["103"]
    assert ids(ns, "SELECT id FROM customer WHERE lastmodifieddate < SYSDATE - 1 ORDER BY id") == ["101"]
