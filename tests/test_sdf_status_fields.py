"""The NetSuite side declares custsync's status fields as SDF objects (deploy/netsuite/Objects): entity custom
fields on the customer (`entitycustomfield`, https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/
SDFxml_1378498284.html: scriptid, label and fieldtype required; fieldtype TEXT is Free-Form Text,
SDFxml_2791641793.html), whose ids are the configuration's defaults and whose length holds what a sync writes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from sync_core.config import NetSuiteConfig
from sync_core.run.status_fields import TEXT_LIMIT

OBJECTS = Path(__file__).resolve().parent.parent / "deploy" / "netsuite" / "Objects"


def test_each_status_field_is_a_stored_text_field_on_customers_named_as_configured():
    defaults = NetSuiteConfig()
    wanted = {defaults.status_field, defaults.status_time_field, defaults.status_error_field}
    found = {}
    for path in OBJECTS.glob("custentity_custsync_*.xml"):
        root = ET.parse(path).getroot()
        assert root.tag == "entitycustomfield" and path.stem == root.get("scriptid")
        fields = {child.tag: (child.text or "").strip() for child in root}
        assert fields["label"] and fields["fieldtype"] == "TEXT" and fields["appliestocustomer"] == "T"
        assert fields["storevalue"] == "T" and int(fields["maxlength"]) >= TEXT_LIMIT
        found[root.get("scriptid")] = fields
    assert set(found) == wanted
    readme = (OBJECTS.parent / "README.md").read_text()
    assert all(f in readme for f in wanted) and "custscript_custsync_writeback_fields" in readme
