"""The small condition language shared by the questionnaire and the rules.

A condition looks at one answer (``{"question": "cold_sores", "equals": true}``)
or combines others (``{"all": [...]}``, ``{"any": [...]}``). It is data, so a
practice's clinical lead can read it in the JSON file next to the question it
refers to.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

_TESTS = ("equals", "includes", "includes_any", "one_of", "within_days")


class Condition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    question: str | None = None
    equals: bool | str | None = None
    includes: str | None = None
    includes_any: tuple[str, ...] | None = None
    one_of: tuple[str, ...] | None = None
    # A date answer no more than this many days before the day the intake is judged on.
    within_days: int | None = Field(default=None, ge=0, le=3650)
    all: tuple[Condition, ...] | None = None
    any: tuple[Condition, ...] | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> Self:
        tests = [name for name in _TESTS if getattr(self, name) is not None]
        groups = [name for name in ("all", "any") if getattr(self, name) is not None]
        if groups:
            if self.question is not None or tests or len(groups) > 1:
                raise ValueError("a condition with 'all' or 'any' must have nothing else")
            if not getattr(self, groups[0]):
                raise ValueError(f"'{groups[0]}' needs at least one condition")
            return self
        if self.question is None:
            raise ValueError("a condition needs 'question' (or 'all' / 'any')")
        if len(tests) != 1:
            raise ValueError(f"a condition on {self.question!r} needs exactly one of {', '.join(_TESTS)}")
        return self

    def questions(self) -> set[str]:
        """Every question id this condition reads."""
        if self.all or self.any:
            return set().union(*(c.questions() for c in (self.all or self.any or ())))
        return {self.question} if self.question else set()

    def values(self) -> set[str]:
        """Option values this condition compares against (to check they exist)."""
        found: set[str] = set()
        for cond in (*(self.all or ()), *(self.any or ())):
            found |= cond.values()
        if isinstance(self.equals, str):
            found.add(self.equals)
        if self.includes is not None:
            found.add(self.includes)
        found.update(self.includes_any or ())
        found.update(self.one_of or ())
        return found

    def holds(self, answers: dict[str, Any], *, on: date) -> bool:
        """Whether the answers meet the condition; an unanswered question never does."""
        if self.all:
            return all(c.holds(answers, on=on) for c in self.all)
        if self.any:
            return any(c.holds(answers, on=on) for c in self.any)
        answer = answers.get(self.question or "")
        if answer is None:
            return False
        if self.equals is not None:
            return answer == self.equals
        if self.includes is not None:
            return isinstance(answer, list | tuple) and self.includes in answer
        if self.includes_any is not None:
            return isinstance(answer, list | tuple) and any(v in answer for v in self.includes_any)
        if self.one_of is not None:
            return answer in self.one_of
        return _within_days(answer, days=self.within_days or 0, on=on)


def _within_days(answer: Any, *, days: int, on: date) -> bool:
    try:
        when = date.fromisoformat(str(answer))
    except ValueError:
        return False
    return on - timedelta(days=days) <= when <= on
