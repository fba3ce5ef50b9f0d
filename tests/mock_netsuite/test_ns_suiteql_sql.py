"""SuiteQL as Oracle SQL (issue 15): the constructs Oracle's own examples use, on the mock as a server.

Executing SuiteQL Queries Through REST Web Services:
https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_157909186990.html
SuiteQL Supported Built-in Functions (BUILTIN.DF):
https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/article_161950565221.html
"""
from __future__ import annotations

import pytest

from tests.support.ns_helpers import SUITEQL, customer, error_detail

TRANSIENT = {"Prefer": "transient"}
ADDRESS = {"items": [{"defaultBilling": True, "defaultShipping": False, "label": "HQ",
                      "addressBookAddress": {"addr1": "1 Main St", "city": "Springfield", "zip": "62701",
                                             "country": "US"}},
                     {"defaultBilling": False, "defaultShipping": True,
                      "addressBookAddress": {"addr1": "9 Dock Rd", "city": "Shelbyville", "country": "US"}}]}


def rows(ns, q, **params):
    resp = ns.post(SUITEQL, params=params, headers=TRANSIENT, json={"q": q})
    assert resp.status_code == 200, resp.text
    return [{k: v for k, v in item.items() if k != "links"} for item in resp.json()["items"]]


@pytest.fixture
def accounts(seed):
    seed([customer(101, companyName="Acme", email="ap@acme.test", addressBook=ADDRESS,
                   dateCreated="2024-01-10T09:00:00Z", lastModifiedDate="2024-01-10T09:00:00Z"),
          customer(102, companyName="Globex", email=None, isInactive=True,
                   dateCreated="2024-02-10T09:00:00Z", lastModifiedDate="2024-02-11T09:00:00Z"),
          customer(103, companyName="Initech", email="ar@initech.test",
                   dateCreated="2024-03-10T09:00:00Z", lastModifiedDate="2024-03-10T09:00:00Z")])


def test_joins_reach_the_address_tables(ns, accounts):
    got = rows(ns, "SELECT c.id, ea.addr1, ea.city, cab.defaultbilling FROM customer c "
                   "JOIN customeraddressbook cab ON cab.entity = c.id "
                   "JOIN customeraddressbookentityaddress ea ON ea.nkey = cab.addressbookaddress ORDER BY ea.city")
    assert got == [{"id": "101", "addr1": "9 Dock Rd", "city": "Shelbyville", "defaultbilling": "F"},
                   {"id": "101", "addr1": "1 Main St", "city": "Springfield", "defaultbilling": "T"}]
    billing = rows(ns, "SELECT c.id, ea.zip FROM customer c LEFT JOIN entityaddress ea "
                       "ON ea.nkey = c.defaultbillingaddress ORDER BY c.id")
    assert billing == [{"id": "101", "zip": "62701"}, {"id": "102"}, {"id": "103"}]


def test_aggregates_group_by_nvl_case(ns, accounts):
    assert rows(ns, "SELECT COUNT(*) FROM customer") == [{"expr1": "3"}]
    assert rows(ns, "SELECT isinactive, COUNT(*) AS n FROM customer GROUP BY isinactive ORDER BY isinactive") == \
        [{"isinactive": "F", "n": "2"}, {"isinactive": "T", "n": "1"}]
    assert rows(ns, "SELECT id, NVL(email, 'none') AS email FROM customer WHERE id = 102") == \
        [{"id": "102", "email": "none"}]
    assert rows(ns, "SELECT CASE WHEN isinactive = 'T' THEN 'inactive' ELSE 'active' END AS state "
                    "FROM customer WHERE id = 102") == [{"state": "inactive"}]


def test_rownum_and_fetch_first_limit_rows(ns, accounts):
    assert rows(ns, "SELECT id FROM customer WHERE ROWNUM <= 2") == [{"id": "101"}, {"id": "102"}]
    assert rows(ns, "SELECT id FROM customer WHERE isinactive = 'F' AND ROWNUM < 2") == [{"id": "101"}]
    assert rows(ns, "SELECT id FROM customer ORDER BY id DESC FETCH FIRST 1 ROWS ONLY") == [{"id": "103"}]


def test_dates_and_builtin_df(ns, accounts):
    assert rows(ns, "SELECT id FROM customer WHERE datecreated >= TO_DATE('2024-02-01', 'YYYY-MM-DD') "
                    "AND datecreated < TO_DATE('2024-03-01', 'YYYY-MM-DD')") == [{"id": "102"}]
    assert rows(ns, "SELECT TO_CHAR(lastmodifieddate, 'YYYY-MM') AS month FROM customer WHERE id = 102") == \
        [{"month": "2024-02"}]
    assert rows(ns, "SELECT id FROM customer WHERE datecreated > SYSDATE - 100000 AND ROWNUM <= 1") == [{"id": "101"}]
    assert rows(ns, "SELECT TRUNC(datecreated) AS d FROM customer WHERE id = 101") == [{"d": "1/10/2024"}]
    assert rows(ns, "SELECT BUILTIN.DF(subsidiary) AS sub FROM customer WHERE id = 101") == [{"sub": "Parent Company"}]


def test_like_is_case_sensitive_as_in_oracle(ns, accounts):
    assert rows(ns, "SELECT id FROM customer WHERE companyname LIKE 'acme%'") == []
    assert rows(ns, "SELECT id FROM customer WHERE UPPER(companyname) LIKE 'ACME%'") == [{"id": "101"}]


def test_paging_applies_to_the_sql_result(ns, accounts):
    resp = ns.post(SUITEQL, params={"limit": 2, "offset": 2}, headers=TRANSIENT,
                   json={"q": "SELECT id FROM customer ORDER BY id"})
    body = resp.json()
    assert [i["id"] for i in body["items"]] == ["103"] and body["totalResults"] == 3 and body["hasMore"] is False


@pytest.mark.parametrize("q, words", [
    ("UPDATE customer SET email = 'x'", "Only SELECT"),
    ("SELECT id FROM customer; SELECT id FROM customer", "one query"),
    ("SELECT BUILTIN.CONSOLIDATE(id) FROM customer", "BUILTIN.CONSOLIDATE"),
    ("SELECT ROWNUM FROM customer", "ROWNUM"),
    ("SELECT id FROM customer WHERE datecreated > 'soon'", "not a date"),
])
def test_what_netsuite_refuses_stays_refused(ns, accounts, q, words):
    resp = ns.post(SUITEQL, headers=TRANSIENT, json={"q": q})
    assert resp.status_code == 400, resp.text
    assert words in error_detail(resp)["detail"]
