"""deploy/netsuite is the SDF account customization project an admin deploys (`suitecloud project:deploy`).
What can be checked without an account is checked here: the XML parses, every file it names exists, the
script parameters and API secrets the XML declares are those the scripts read, and the ids the NetSuite mock,
custsync's configuration defaults and the contracts use are the project's (the objects are the one source).

Element names follow Oracle's SDF XML reference (restlet, suitelet, scriptdeployment, secret, manifest);
the reference pages are cited in the XML where a form is unconfirmed on an account."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mock_netsuite.portal_suitelet_config import DEFAULT_CONFIG as MOCK_SUITELET
from mock_netsuite.restlet import SEARCH_SCRIPT as MOCK_RESTLET_SCRIPT
from mock_netsuite.restlet_parameters import DEFAULT_PARAMETERS as MOCK_RESTLET_PARAMETERS
from mock_netsuite.state import DEFAULT_STATE as MOCK_STATE
from sync_core.config import NetSuiteConfig

DEPLOY_DIR = Path(__file__).resolve().parents[1] / "deploy" / "netsuite"
OBJECTS = DEPLOY_DIR / "Objects"
SCRIPT_TYPES = {"restlet": ("Restlet", "post"), "suitelet": ("Suitelet", "onRequest")}
# The mock's names for the portal Suitelet's parameters (its state document's portal_suitelet keys).
MOCK_SUITELET_PARAMETERS = {"stripe_id_field": "custscript_custsync_stripe_id_field",
                            "return_url": "custscript_custsync_return_url",
                            "company_name": "custscript_custsync_company_name",
                            "support_contact": "custscript_custsync_support_contact"}


def xml(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def scripts() -> dict[str, ET.Element]:
    """Script objects by root tag: {"restlet": <restlet>, "suitelet": <suitelet>}."""
    found = {}
    for path in OBJECTS.glob("*.xml"):
        root = xml(path)
        if root.tag in SCRIPT_TYPES:
            assert root.tag not in found, f"two {root.tag} objects"
            found[root.tag] = root
    return found


def script_file(obj: ET.Element) -> Path:
    reference = obj.findtext("scriptfile")
    found = re.fullmatch(r"\[(/SuiteScripts/[^\]]+\.js)\]", reference or "")
    assert found, f"{obj.get('scriptid')}: scriptfile must be a File Cabinet path in brackets, got {reference!r}"
    return DEPLOY_DIR / "FileCabinet" / found.group(1).lstrip("/")


def parameters(obj: ET.Element) -> set[str]:
    return {f.get("scriptid") for f in obj.iterfind("scriptcustomfields/scriptcustomfield")}


def deployment(obj: ET.Element) -> ET.Element:
    found = obj.findall("scriptdeployments/scriptdeployment")
    assert len(found) == 1, f"{obj.get('scriptid')}: one deployment"
    return found[0]


def named_in(source: str, prefix: str) -> set[str]:
    return set(re.findall(rf"'({prefix}_[a-z0-9_]+)'", source))


def loaded_files(script: Path) -> set[Path]:
    """The script and the modules of ours it loads: define([... './custsync_link_signature' ...])."""
    found = {script}
    deps = re.search(r"define\(\[([^\]]*)\]", script.read_text())
    assert deps, f"{script.name} has no define([...])"
    for module in re.findall(r"'\./([\w./-]+)'", deps.group(1)):
        found |= loaded_files(script.parent / f"{module}.js")
    return found


def source_of(obj: ET.Element) -> str:
    """The text of the script and of the modules it loads."""
    return "\n".join(p.read_text() for p in sorted(loaded_files(script_file(obj))))


RESTLET, SUITELET = scripts()["restlet"], scripts()["suitelet"]


def test_every_xml_file_is_well_formed():
    files = [p for p in DEPLOY_DIR.rglob("*.xml") if "node_modules" not in p.parts]
    assert {p.name for p in files} >= {"manifest.xml", "deploy.xml"}
    for path in files:
        ET.parse(path)  # raises ParseError naming the line


def test_the_manifest_is_an_account_customization_that_depends_on_paypack():
    manifest = xml(DEPLOY_DIR / "manifest.xml")
    assert manifest.tag == "manifest" and manifest.get("projecttype") == "ACCOUNTCUSTOMIZATION"
    assert manifest.findtext("frameworkversion") == "1.0"
    features = {f.text: f.get("required") for f in manifest.iterfind("dependencies/features/feature")}
    assert features["SERVERSIDESCRIPTING"] == "true" and features["RESTWEBSERVICES"] == "true"
    depends_on = {o.text for o in manifest.iterfind("dependencies/objects/object")}
    defaults = NetSuiteConfig.model_fields
    paypack = {defaults[k].default for k in ("stripe_id_field", "portal_url_field", "customer_sync_search",
                                             "mass_customer_sync_search")}
    assert paypack <= depends_on
    # PayPack's fields and searches are PayPack's: referenced, never defined here (and SDF cannot author searches).
    defined = {p.stem for p in OBJECTS.glob("*.xml")}
    assert not defined & depends_on
    # Fields the project defines are custsync's own (its status fields), never another bundle's; no searches.
    assert not [name for name in defined if name.startswith("customsearch")
                or (name.startswith("custentity") and not name.startswith("custentity_custsync_"))]


def test_deploy_xml_names_folders_that_hold_the_project():
    deploy = xml(DEPLOY_DIR / "deploy.xml")
    for section in ("files", "objects"):
        paths = [p.text for p in deploy.iterfind(f"{section}/path")]
        assert paths, f"deploy.xml has no {section} path"
        for path in paths:
            assert path.startswith("~/") and path.endswith("/*"), path
            folder = DEPLOY_DIR / path[2:-2]
            assert folder.is_dir() and any(folder.iterdir()), f"{path} names no files"
    shipped = {p.resolve() for p in (DEPLOY_DIR / "FileCabinet").rglob("*") if p.is_file()}
    loaded = set().union(*(loaded_files(script_file(obj)) for obj in (RESTLET, SUITELET)))
    assert shipped == {p.resolve() for p in loaded}  # each file exists, and none ships that nothing loads


@pytest.mark.parametrize("obj", [RESTLET, SUITELET], ids=["restlet", "suitelet"])
def test_each_script_object_names_its_file_and_type(obj):
    path = OBJECTS / f"{obj.get('scriptid')}.xml"
    assert path.exists(), "an object's file is named by its scriptid"
    source = script_file(obj).read_text()
    script_type, entry_point = SCRIPT_TYPES[obj.tag]
    assert f"@NScriptType {script_type}" in source and "@NApiVersion 2.1" in source
    assert re.search(rf"return \{{[^}}]*\b{entry_point}\b", source), f"{entry_point} is not returned"
    assert obj.findtext("name") and len(obj.findtext("name")) <= 40  # SDF: name up to 40 characters
    dep = deployment(obj)
    assert dep.get("scriptid").startswith("customdeploy_") and len(dep.get("scriptid")) <= 40
    assert dep.findtext("status") == "RELEASED" and dep.findtext("isdeployed") == "T"


@pytest.mark.parametrize("obj", [RESTLET, SUITELET], ids=["restlet", "suitelet"])
def test_the_parameters_declared_are_those_the_script_reads(obj):
    source = source_of(obj)
    declared = parameters(obj)
    assert declared == named_in(source, "custscript")
    for field in obj.iterfind("scriptcustomfields/scriptcustomfield"):
        assert field.findtext("fieldtype") in ("TEXT", "URL") and field.findtext("label")
        assert field.findtext("ismandatory") == "F"  # SDF cannot fill a mandatory parameter at deploy time
        assert len(field.get("scriptid")) <= 40
    # The deployment sets each parameter, and nothing that is not one.
    set_on_deployment = {child.tag for child in deployment(obj) if child.tag.startswith("custscript")}
    assert set_on_deployment == declared


def test_the_restlet_points_at_the_suitelet_of_the_project():
    dep = deployment(RESTLET)
    assert dep.findtext("custscript_custsync_portal_script") == SUITELET.get("scriptid")
    assert dep.findtext("custscript_custsync_portal_deploy") == deployment(SUITELET).get("scriptid")


def test_the_contract_and_the_mock_use_the_restlets_parameters():
    contract = (DEPLOY_DIR / "restlet_contract.json").read_text()
    assert set(re.findall(r"custscript_[a-z0-9_]+", contract)) <= parameters(RESTLET)
    assert set(MOCK_RESTLET_PARAMETERS) <= parameters(RESTLET)
    for name, value in MOCK_RESTLET_PARAMETERS.items():
        assert deployment(RESTLET).findtext(name) == value  # the mock's default is what the project deploys


def test_the_mock_suitelet_has_every_parameter_of_the_script():
    assert set(MOCK_SUITELET_PARAMETERS.values()) == parameters(SUITELET)
    assert set(MOCK_SUITELET_PARAMETERS) <= set(MOCK_SUITELET)
    dep = deployment(SUITELET)
    assert MOCK_SUITELET["stripe_id_field"] == dep.findtext("custscript_custsync_stripe_id_field")


def test_the_api_secrets_referenced_are_those_the_scripts_use_and_hold_no_value():
    used = set()
    for obj in (RESTLET, SUITELET):
        used |= named_in(source_of(obj), "custsecret")
    secrets = {p.stem: xml(p) for p in OBJECTS.glob("custsecret_*.xml")}
    assert set(secrets) == used == {"custsecret_custsync_portal_link", "custsecret_custsync_stripe_key"}
    for name, root in secrets.items():
        assert root.tag == "secret" and root.attrib == {"scriptid": name}
        assert len(root) == 0 and not (root.text or "").strip(), f"{name}: a reference only, never a value"


def test_the_mock_and_custsyncs_defaults_use_the_projects_ids():
    pairs = {(obj.get("scriptid"), deployment(obj).get("scriptid")) for obj in (RESTLET, SUITELET)}
    assert {(d["scriptId"], d["deploymentId"]) for d in MOCK_STATE["deployments"]} == pairs
    assert (MOCK_SUITELET["scriptId"], MOCK_SUITELET["deploymentId"]) == (
        SUITELET.get("scriptid"), deployment(SUITELET).get("scriptid"))
    assert MOCK_RESTLET_SCRIPT == RESTLET.get("scriptid")
    defaults = NetSuiteConfig.model_fields
    assert (defaults["restlet_script"].default, defaults["restlet_deploy"].default) == (
        RESTLET.get("scriptid"), deployment(RESTLET).get("scriptid"))
    assert defaults["portal_deployment"].default == deployment(SUITELET).get("scriptid")
    endpoint = json.loads((DEPLOY_DIR / "restlet_contract.json").read_text())["endpoint"]
    assert f"script={RESTLET.get('scriptid')}&deploy={deployment(RESTLET).get('scriptid')}" in endpoint


def test_the_suitelet_opens_without_login_for_no_one_else():
    dep = deployment(SUITELET)
    assert dep.findtext("isonline") == "T"
    # Oracle: an external URL works when Released with the external role Online Form User selected; the
    # other audience fields stay blank. No internal role, no Execute As Role.
    assert [r.text for r in dep.iterfind("audslctrole")] == ["ONLINE_FORM_USER"]
    assert dep.findtext("allroles") == "F" and dep.findtext("allemployees") == "F"
    assert dep.find("runasrole") is None and dep.find("allpartners") is None


def test_the_restlet_answers_the_integration_role_only():
    dep = deployment(RESTLET)
    roles = [r.text for r in dep.iterfind("audslctrole")]
    assert len(roles) == 1 and re.fullmatch(r"\[scriptid=(customrole_[a-z0-9_]+)\]", roles[0])
    role = roles[0][len("[scriptid="):-1]
    manifest = xml(DEPLOY_DIR / "manifest.xml")
    assert role in {o.text for o in manifest.iterfind("dependencies/objects/object")}
    assert dep.findtext("allroles") == "F" and dep.findtext("allemployees") == "F"
