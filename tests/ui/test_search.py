"""Ctrl+K search: as you type, by name prefix and by phone digits, over the real store."""

from __future__ import annotations

from typing import Any

from ui.search import ClientSearch


def shown_lines(search: ClientSearch) -> list[str]:
    return [search.results.item(row).text() for row in range(search.results.count())]


def type_and_wait(qtbot: Any, search: ClientSearch, text: str) -> list[str]:
    final = search.generation + len(text)
    with qtbot.waitSignal(search.results_did_show, timeout=5000,
                          check_params_cb=lambda generation: generation == final):
        qtbot.keyClicks(search.query, text)
    return shown_lines(search)


def test_search_finds_a_client_by_name_prefix(qtbot: Any, sign_in: Any) -> None:
    sign_in("desk.amy")
    search = ClientSearch(None)
    qtbot.addWidget(search)
    lines = type_and_wait(qtbot, search, "quint")
    assert any("Marisol Quintanilla" in line for line in lines)
    assert not any("Vanterpool" in line for line in lines)


def test_search_finds_a_client_by_phone_digits_whatever_the_punctuation(qtbot: Any, sign_in: Any) -> None:
    sign_in("desk.amy")
    search = ClientSearch(None)
    qtbot.addWidget(search)
    lines = type_and_wait(qtbot, search, "8642209")
    assert [line for line in lines if "Theodora Vanterpool" in line]
    search.clear()
    lines = type_and_wait(qtbot, search, "555 417")
    assert any("Wilhelmina Ashgrove" in line for line in lines)


def test_only_the_newest_keystrokes_results_are_shown(qtbot: Any, sign_in: Any) -> None:
    sign_in("desk.amy")
    search = ClientSearch(None)
    qtbot.addWidget(search)
    lines = type_and_wait(qtbot, search, "wilhelm")
    assert len(lines) == 1 and "Wilhelmina Ashgrove" in lines[0]


def test_enter_opens_the_chosen_client(qtbot: Any, sign_in: Any, practice: Any) -> None:
    sign_in("desk.amy")
    search = ClientSearch(None)
    qtbot.addWidget(search)
    type_and_wait(qtbot, search, "Vanterp")
    with qtbot.waitSignal(search.client_chosen, timeout=2000) as chosen:
        qtbot.keyClick(search.query, "\r")
    assert chosen.args == [practice.known[1].id]
