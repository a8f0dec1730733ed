"""The intake questionnaire: loaded from data, shown question by question, checked, signed.

The questionnaire is a JSON file in ``resources/intake/`` so a practice can
read and revise it without touching code. Conditional questions carry a
``show_if`` condition and appear only when it holds; answers to hidden
questions are dropped, so a form never keeps an answer the client did not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from medspa_desk.documents.conditions import Condition
from medspa_desk.documents.resources import QUESTIONNAIRE_FILE, read_json_model
from medspa_desk.documents.sealing import UNSEALED, seal
from medspa_desk.records import Client, IntakeForm, Signature

QuestionId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
MAX_TEXT_ANSWER = 2000


class QuestionType(StrEnum):
    YES_NO = "yes_no"
    TEXT = "text"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    DATE = "date"


class Option(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    value: Annotated[str, Field(min_length=1, max_length=64)]
    label: Annotated[str, Field(min_length=1, max_length=200)]


class Question(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: QuestionId
    text: Annotated[str, Field(min_length=1, max_length=500)]
    type: QuestionType
    required: bool = False
    options: tuple[Option, ...] = ()
    show_if: Condition | None = None
    # A yes/no the client must answer this way to submit (the closing attestation).
    must_be: bool | None = None
    # Dates in this questionnaire are past events unless a question says otherwise.
    allow_future: bool = False

    @model_validator(mode="after")
    def _options_fit_type(self) -> Self:
        has_options = self.type in (QuestionType.CHOICE, QuestionType.MULTI_CHOICE)
        if has_options and len(self.options) < 2:
            raise ValueError(f"question {self.id!r} is a {self.type.value} and needs at least two options")
        if not has_options and self.options:
            raise ValueError(f"question {self.id!r} is {self.type.value} and cannot have options")
        values = [o.value for o in self.options]
        if len(set(values)) != len(values):
            raise ValueError(f"question {self.id!r} lists an option value twice")
        if self.must_be is not None and self.type is not QuestionType.YES_NO:
            raise ValueError(f"question {self.id!r}: 'must_be' only applies to yes_no questions")
        return self

    def label_for(self, value: str) -> str:
        return next((o.label for o in self.options if o.value == value), value)


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: QuestionId
    title: Annotated[str, Field(min_length=1, max_length=200)]
    questions: tuple[Question, ...] = Field(min_length=1)


class Questionnaire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
    version: int = Field(ge=1)
    title: Annotated[str, Field(min_length=1, max_length=200)]
    intro: Annotated[str, Field(max_length=2000)] = ""
    sections: tuple[Section, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _conditions_refer_to_earlier_questions(self) -> Self:
        seen: dict[str, Question] = {}
        for question in self.questions:
            if question.id in seen:
                raise ValueError(f"question id {question.id!r} is used twice")
            if question.show_if is not None:
                check_condition(question.show_if, seen, where=f"question {question.id!r}")
            seen[question.id] = question
        return self

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for s in self.sections for q in s.questions)

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)


def check_condition(condition: Condition, questions: dict[str, Question], *, where: str) -> None:
    """Refuse a condition that names an unknown question or option (a typo would silently never match)."""
    for qid in condition.questions():
        if qid not in questions:
            raise ValueError(f"{where}: condition refers to {qid!r}, which is not an earlier question")
    known = {o.value for qid in condition.questions() for o in questions[qid].options}
    unknown = condition.values() - known
    if unknown:
        raise ValueError(f"{where}: condition uses option {sorted(unknown)[0]!r}, "
                         f"which none of {sorted(condition.questions())} offers")


class QuestionnaireFileError(ValueError):
    """A questionnaire file that cannot be used; the message names the file and what is wrong."""


def load_questionnaire(path: Path | str = QUESTIONNAIRE_FILE) -> Questionnaire:
    return read_json_model(Path(path), Questionnaire, what="questionnaire", error=QuestionnaireFileError)


@cache
def shipped_questionnaire() -> Questionnaire:
    return load_questionnaire(QUESTIONNAIRE_FILE)


# --- Answering ---------------------------------------------------------------


def visible_questions(questionnaire: Questionnaire, answers: dict[str, Any], *,
                      on: date | None = None) -> list[Question]:
    """The questions the client sees given the answers so far, in order.

    A question whose condition depends on a hidden question is hidden too, so
    stale answers left behind by a changed mind never reveal anything.
    """
    on = on or date.today()
    shown: list[Question] = []
    visible_answers: dict[str, Any] = {}
    for question in questionnaire.questions:
        if question.show_if is None or question.show_if.holds(visible_answers, on=on):
            shown.append(question)
            if question.id in answers:
                visible_answers[question.id] = answers[question.id]
    return shown


@dataclass(frozen=True)
class AnswerProblem:
    question_id: str
    message: str


class AnswersInvalid(ValueError):
    """Answers that cannot be submitted; ``problems`` says which question and why."""

    def __init__(self, problems: list[AnswerProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.question_id}: {p.message}" for p in problems))


def clean_answers(questionnaire: Questionnaire, answers: dict[str, Any], *, on: date) -> dict[str, Any]:
    """Answers checked against the questionnaire, normalised to JSON values, hidden ones dropped.

    Raises AnswersInvalid listing every problem at once so the form can mark
    them all, not one per attempt.
    """
    known = {q.id for q in questionnaire.questions}
    problems = [AnswerProblem(qid, "is not a question on this form") for qid in answers if qid not in known]
    cleaned: dict[str, Any] = {}
    for question in visible_questions(questionnaire, answers, on=on):
        value = answers.get(question.id)
        if _is_blank(value):
            if question.required:
                problems.append(AnswerProblem(question.id, "needs an answer"))
            continue
        try:
            cleaned[question.id] = _normalise(question, value, on=on)
        except ValueError as exc:
            problems.append(AnswerProblem(question.id, str(exc)))
    if problems:
        raise AnswersInvalid(problems)
    return cleaned


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple) and not value) or (
        isinstance(value, str) and not value.strip())


def _normalise(question: Question, value: Any, *, on: date) -> Any:
    match question.type:
        case QuestionType.YES_NO:
            if not isinstance(value, bool):
                raise ValueError("answer yes or no")
            if question.must_be is not None and value is not question.must_be:
                raise ValueError("must be confirmed before the form can be signed")
            return value
        case QuestionType.TEXT:
            if not isinstance(value, str):
                raise ValueError("should be text")
            text = value.strip()
            if len(text) > MAX_TEXT_ANSWER:
                raise ValueError(f"is too long; keep it under {MAX_TEXT_ANSWER} characters")
            if any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
                raise ValueError("contains control characters; retype the answer")
            return text
        case QuestionType.CHOICE:
            if value not in {o.value for o in question.options}:
                raise ValueError("pick one of the listed answers")
            return value
        case QuestionType.MULTI_CHOICE:
            if not isinstance(value, list | tuple | set | frozenset):
                raise ValueError("pick one or more of the listed answers")
            allowed = [o.value for o in question.options]
            if any(v not in allowed for v in value):
                raise ValueError("pick only from the listed answers")
            if "none" in value and len(set(value)) > 1:
                raise ValueError("'none of these' cannot be picked together with another answer")
            return [v for v in allowed if v in value]  # the form's order, no repeats
        case QuestionType.DATE:
            when = _as_date(value)
            if not question.allow_future and when > on:
                raise ValueError("is in the future; enter the date it happened")
            if when.year < 1900:
                raise ValueError("is too far in the past; check the year")
            return when.isoformat()
    raise ValueError("has an unknown question type")  # pragma: no cover - the enum is exhaustive


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        raise ValueError("should be a date without a time")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError("should be a date like 2024-05-31") from None


def build_intake(questionnaire: Questionnaire, *, client: Client, answers: dict[str, Any],
                 submitted_at: datetime, signer_name: str, signature: Signature | None = None) -> IntakeForm:
    """A submitted intake form, its answers checked and its content hashed.

    ``submitted_at`` must carry the location's zone: the date it falls on in
    that zone is the day the answers are judged against (no future dates).
    """
    if submitted_at.tzinfo is None:
        raise ValueError("the submission time must carry the location's time zone")
    name = " ".join(signer_name.split())
    if not name:
        raise AnswersInvalid([AnswerProblem("signer_name", "type your full name to sign")])
    cleaned = clean_answers(questionnaire, answers, on=submitted_at.date())
    unsealed = IntakeForm(client_id=client.id, questionnaire_id=questionnaire.id,
                          questionnaire_version=questionnaire.version, answers=cleaned,
                          submitted_at=submitted_at, signer_name=name, signature=signature,
                          content_sha256=UNSEALED)
    return seal(unsealed)
