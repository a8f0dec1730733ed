"""Where the shipped questionnaire, rules and consent texts live."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
QUESTIONNAIRE_FILE = RESOURCES / "intake" / "questionnaire-v1.json"
RULES_FILE = RESOURCES / "rules" / "contraindications-v1.json"
CONSENTS_DIR = RESOURCES / "consents"


def read_json_model(path: Path, model: type[M], *, what: str, error: type[ValueError]) -> M:
    """Read and validate a data file, raising ``error`` with a message naming the file and the item."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"cannot read the {what} {path.name}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise error(f"the {what} {path.name} is not valid JSON (line {exc.lineno}: {exc.msg}); "
                    "fix the file or restore the shipped one") from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise error(f"the {what} {path.name} is not usable: {describe(exc, raw)}") from exc


def describe(exc: ValidationError, raw: Any) -> str:
    """The first validation problem, naming the item by its id rather than a list index."""
    error = exc.errors()[0]
    place = _name_location(raw, error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    return f"{place}: {message}" if place else message


def _name_location(raw: Any, loc: tuple[Any, ...]) -> str:
    names: list[str] = []
    node = raw
    for step in loc:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            names.append(str(step))
            continue
        if isinstance(step, int) and isinstance(node, dict) and "id" in node:
            label = names.pop().rstrip("s") if names else "item"
            names.append(f"{label} {node['id']!r}")
        elif isinstance(step, int):
            names.append(f"entry {step + 1}")
        else:
            names.append(str(step))
    return " > ".join(names)
