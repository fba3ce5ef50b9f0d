"""docs/configuration.md documents every configuration key and every secret's variable (a remedy that
names "[netsuite] rest_url" sends the reader there), and the README points at the project's own docs."""

from __future__ import annotations

from pathlib import Path

from sync_core.config import SECRET_ENV, Config

ROOT = Path(__file__).resolve().parents[1]


def test_every_key_and_secret_is_documented():
    doc = (ROOT / "docs" / "configuration.md").read_text()
    for section, model in Config.model_fields.items():
        if section == "source":
            continue
        assert f"## `[{section}]`" in doc
        for key in model.annotation.model_fields:
            if (section, key) in SECRET_ENV:
                assert SECRET_ENV[(section, key)] in doc, key
            else:
                assert f"| `{key}` |" in doc, f"[{section}] {key} is not documented"


def test_readme_points_at_the_projects_own_docs():
    readme = (ROOT / "README.md").read_text()
    assert "../shared" not in readme
    assert "docs/architecture.md" in readme and "docs/configuration.md" in readme
