"""Scenario reports as JUnit XML (`custsync scenario run --junit-xml FILE`), the file CI servers read.

One <testsuite> per scenario file, one <testcase> per step (named by its number and what it does), one more
for the final `then` when the scenario has one. A failed check is a <failure> whose text says expected vs
actual and carries the step's decision trace; a step that could not run is an <error>; steps not reached
after that are <skipped>; a scenario whose setup failed is one <error>.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from .scenario_checks import Check
from .scenario_load import LoadedScenario
from .scenario_report import ScenarioReport, StepReport
from .scenario_runner import describe

SUITE_NAME = "custsync scenarios"


def _failed(checks: list[Check]) -> list[str]:
    return [f"{c.what}: expected {c.expected!r}, actual {c.actual!r}" for c in checks if not c.ok]


def _case(suite: ET.Element, classname: str, name: str, seconds: float) -> ET.Element:
    return ET.SubElement(suite, "testcase", classname=classname, name=name, time=f"{seconds:.3f}")


def _step_case(suite: ET.Element, classname: str, step: StepReport) -> str | None:
    case = _case(suite, classname, f"step {step.index}: {step.title}", step.elapsed)
    body = "\n".join([f"happened: {step.happened}", *step.details]) if step.happened or step.details else ""
    if step.error is not None:
        ET.SubElement(case, "error", message=step.error[:500], type="StepError").text = body or step.error
        return "error"
    failures = _failed(step.checks)
    if failures:
        text = "\n".join(failures) + ("\n\n" + body if body else "")
        ET.SubElement(case, "failure", message="; ".join(failures)[:500], type="ExpectationFailed").text = text
        return "failure"
    if body:
        ET.SubElement(case, "system-out").text = body
    return None


def _suite(root: ET.Element, loaded: LoadedScenario, report: ScenarioReport) -> None:
    suite = ET.SubElement(root, "testsuite", name=report.name, file=report.path)
    classname = f"scenarios.{report.name}"
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}

    def count(outcome: str | None) -> None:
        counts["tests"] += 1
        if outcome == "failure":
            counts["failures"] += 1
        elif outcome == "error":
            counts["errors"] += 1
        elif outcome == "skipped":
            counts["skipped"] += 1

    if report.error is not None:
        case = _case(suite, classname, "setup", report.elapsed)
        ET.SubElement(case, "error", message=report.error[:500], type="SetupError").text = report.error
        count("error")
    for step in report.steps:
        count(_step_case(suite, classname, step))
    steps = loaded.scenario.steps
    for index in range(len(report.steps), len(steps)):
        case = _case(suite, classname, f"step {index + 1}: {describe(steps[index])}", 0.0)
        ET.SubElement(case, "skipped", message="not run: an earlier step or the setup could not run")
        count("skipped")
    if loaded.scenario.then is not None:
        case = _case(suite, classname, "then", 0.0)
        failures = _failed(report.then)
        if failures:
            ET.SubElement(case, "failure", message="; ".join(failures)[:500],
                          type="ExpectationFailed").text = "\n".join(failures)
            count("failure")
        elif not report.then:
            ET.SubElement(case, "skipped", message="not checked: not every step ran")
            count("skipped")
        else:
            count(None)
    for key, value in counts.items():
        suite.set(key, str(value))
    suite.set("time", f"{report.elapsed:.3f}")


def junit_xml(results: list[tuple[LoadedScenario, ScenarioReport]]) -> str:
    root = ET.Element("testsuites", name=SUITE_NAME)
    for loaded, report in results:
        _suite(root, loaded, report)
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(s.get(key, "0")) for s in root)))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit_xml(path: Path, results: list[tuple[LoadedScenario, ScenarioReport]]) -> None:
    path.write_text(junit_xml(results), encoding="utf-8")
