"""Where the shipped questionnaire, rules and consent texts live."""

from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
QUESTIONNAIRE_FILE = RESOURCES / "intake" / "questionnaire-v1.json"
RULES_FILE = RESOURCES / "rules" / "contraindications-v1.json"
CONSENTS_DIR = RESOURCES / "consents"
