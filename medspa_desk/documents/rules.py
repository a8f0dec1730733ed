"""Contraindication rules: which intake answers stop, flag or hold a treatment.

The rules are data (``resources/rules/contraindications-v1.json``), each one
an answer pattern for some service categories and an outcome:

- ``block``: the treatment does not happen today;
- ``provider_review``: a provider must look before the client goes in;
- ``warn``: the provider should know, nothing stops.

Every rule's ``reason`` is written for the front desk to read out. The file
is checked against the questionnaire when it is loaded, so a rule cannot
refer to a question or an answer the form never asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from medspa_desk.documents.conditions import Condition
from medspa_desk.documents.questionnaire import (
    Questionnaire,
    check_condition,
    shipped_questionnaire,
)
from medspa_desk.documents.resources import RULES_FILE, read_json_model
from medspa_desk.records import IntakeForm, ServiceCategory


class Outcome(StrEnum):
    BLOCK = "block"
    PROVIDER_REVIEW = "provider_review"
    WARN = "warn"

    @property
    def stops_check_in(self) -> bool:
        """Block and provider review both hold the client at the desk until a provider acts."""
        return self is not Outcome.WARN


_SEVERITY = {Outcome.BLOCK: 0, Outcome.PROVIDER_REVIEW: 1, Outcome.WARN: 2}


class Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
    categories: tuple[ServiceCategory, ...] = Field(min_length=1)
    outcome: Outcome
    when: Condition
    reason: Annotated[str, Field(min_length=10, max_length=300)]


class RuleBook(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    version: int = Field(ge=1)
    questionnaire_id: str
    rules: tuple[Rule, ...]

    @model_validator(mode="after")
    def _ids_unique(self) -> RuleBook:
        ids = [r.id for r in self.rules]
        if len(set(ids)) != len(ids):
            raise ValueError(f"rule id {next(i for i in ids if ids.count(i) > 1)!r} is used twice")
        return self

    def for_category(self, category: ServiceCategory) -> tuple[Rule, ...]:
        return _by_category(self)[category]


@cache
def _by_category(book: RuleBook) -> dict[ServiceCategory, tuple[Rule, ...]]:
    return {c: tuple(r for r in book.rules if c in r.categories) for c in ServiceCategory}


class RulesFileError(ValueError):
    """A rules file that cannot be used; the message names the file and the rule."""


def load_rules(path: Path | str = RULES_FILE, *, questionnaire: Questionnaire | None = None) -> RuleBook:
    path = Path(path)
    questionnaire = questionnaire or shipped_questionnaire()
    book = read_json_model(path, RuleBook, what="rules file", error=RulesFileError)
    if book.questionnaire_id != questionnaire.id:
        raise RulesFileError(f"the rules file {path.name} is written for questionnaire "
                             f"{book.questionnaire_id!r}, not {questionnaire.id!r}")
    questions = {q.id: q for q in questionnaire.questions}
    for rule in book.rules:
        try:
            check_condition(rule.when, questions, where=f"rule {rule.id!r}")
        except ValueError as exc:
            raise RulesFileError(f"the rules file {path.name} is not usable: "
                                 f"{str(exc).replace('an earlier question', 'a question on the form')}") from exc
    return book


@cache
def shipped_rules() -> RuleBook:
    return load_rules(RULES_FILE)


@dataclass(frozen=True)
class Finding:
    rule_id: str
    category: ServiceCategory
    outcome: Outcome
    reason: str


def evaluate(intake: IntakeForm, category: ServiceCategory, *, rules: RuleBook | None = None,
             on: date | None = None) -> list[Finding]:
    """Every rule for ``category`` the intake's answers meet, most serious first.

    ``on`` is the day the client is being treated (date-based rules such as
    "a cold sore in the last two weeks" count back from it); by default the
    day the intake was submitted.
    """
    book = rules or shipped_rules()
    day = on or intake.submitted_at.date()
    found = [Finding(rule_id=r.id, category=category, outcome=r.outcome, reason=r.reason)
             for r in book.for_category(category) if r.when.holds(intake.answers, on=day)]
    found.sort(key=lambda f: _SEVERITY[f.outcome])
    return found
