"""Credit rule files: one YAML document per jurisdiction in ``config/credit_rules``.

The domain (``lti_tool.domain.credit_rules``) validates the data; this adapter only finds and
reads the files, so the domain never imports yaml.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from lti_tool.domain.credit_rules import JurisdictionRules
from lti_tool.domain.credit_rules_parse import parse_rules

RULES_DIR = Path("config/credit_rules")


def default_rules_dir() -> Path:
    """``config/credit_rules`` of the working directory, else of the source checkout."""
    for base in (Path.cwd(), Path(__file__).resolve().parents[1]):
        if (base / RULES_DIR).is_dir():
            return base / RULES_DIR
    return Path.cwd() / RULES_DIR


class CreditRuleFiles:
    """A :class:`lti_tool.ports_credit.CreditRuleSource` over a folder of YAML files."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or default_rules_dir()

    def load(self) -> tuple[dict[str, JurisdictionRules], list[str]]:
        found: dict[str, JurisdictionRules] = {}
        problems: list[str] = []
        if not self.folder.is_dir():
            return found, [f"{self.folder}: no such folder of credit rules"]
        for path in sorted(self.folder.glob("*.y*ml")):
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
                mark = getattr(error, "problem_mark", None)
                where = f"{path.name}:{mark.line + 1}" if mark is not None else path.name
                problems.append(f"{where}: cannot be read ({error.__class__.__name__})")
                continue
            rules, found_problems = parse_rules(data, path.name)
            problems.extend(found_problems)
            if rules is None:
                continue
            if rules.jurisdiction in found:
                problems.append(f"{path.name}: {rules.jurisdiction} is defined twice")
                continue
            found[rules.jurisdiction] = rules
        return found, problems
