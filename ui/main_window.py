"""The window a receptionist lives in: schedule in the middle, clients in tabs, sync below.

Everything that shows PHI lives on the *desk page* and is built fresh after
each unlock; ``clear_phi_views`` destroys it (widgets and their models), and
the *lock page* that replaces it knows only the signed-in user's name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from medspa_desk.desk.practice import needs_setup
from medspa_desk.records import utc_now
from medspa_desk.rules import UseCase, may
from medspa_desk.session import DeskSession, NotReady, changes_waiting_notice
from medspa_desk.store import Changes
from ui.calls import CallsToReturn
from ui.client_profile import ClientProfile
from ui.compliance import compliance_menu
from ui.confirmations import ConfirmationCalls
from ui.conflicts import ConflictInbox
from ui.events import bus, post_to_gui_thread
from ui.forms.viewers import open_day_sheet, template_manager_action
from ui.injector import door_card_action, lot_recall_action
from ui.lock import LockController, LockPolicy, LockView
from ui.manager import manager_actions
from ui.next_free import NextFreeDialog
from ui.operations import QueryOp, db_worker, network_pool
from ui.os_session import os_session_watcher
from ui.qt import (
    QAction,
    QCloseEvent,
    QDialog,
    QKeySequence,
    QMainWindow,
    QMessageBox,
    QSize,
    QStackedWidget,
    Qt,
    QTabWidget,
    QToolBar,
    QWidget,
    Signal,
    is_alive,
)
from ui.schedule.block_time import BlockTimeDialog
from ui.schedule.day_view import DayScheduleView
from ui.screen_fit import size_for_screen
from ui.search import ClientSearch
from ui.status_bar import DeskStatusBar, FirstSyncPage
from ui.waitlist import WaitlistDialog

log = logging.getLogger(__name__)

APP_TITLE = "Medspa Desk"

class MainWindow(QMainWindow):
    signed_out = Signal()
    switch_user_requested = Signal()

    def __init__(self, session: DeskSession, *, policy: LockPolicy | None = None) -> None:
        super().__init__()
        self.session = session
        self.setObjectName("mainWindow")
        size_for_screen(self, QSize(1280, 820))
        self.pages = QStackedWidget(self)
        self.setCentralWidget(self.pages)
        self.desk: QTabWidget | None = None
        self.schedule: DayScheduleView | None = None
        self.search: ClientSearch | None = None
        self.inbox: ConflictInbox | None = None
        self.lock_view: LockView | None = None
        self.waiting: FirstSyncPage | None = None
        self.setup_offered = False  # the set-up assistant opens by itself at most once per sign-in
        self.setup_assistant: QDialog | None = None
        self.leaving = False  # signing out or switching user: under way, off the GUI thread
        self.quitting = False  # quitting: the desk locks, then sync stops off the GUI thread
        self.leaving_notice: QMessageBox | None = None
        self.status = DeskStatusBar(self, zone=self._zone(), has_sync=session.sync is not None)
        self.status.conflicts_requested.connect(self.open_conflict_inbox)
        self.setStatusBar(self.status)
        if session.sync is not None:
            # The engine started at sign-in, before this bar existed: show where it is now.
            self.status.show_status(session.sync.status)
        self.locker = LockController(self, session=session, policy=policy or LockPolicy.of(session))
        self._build_actions()
        bus.operation_did_execute.connect(self._on_changes)
        bus.privacy_mode_did_change.connect(self._privacy_changed)
        bus.session_will_lock.connect(self._pause_sync)
        bus.sync_did_finish.connect(lambda _changes: self._check_first_sync())
        bus.sync_did_fail.connect(lambda _error: self._check_first_sync())
        os_session_watcher().network_did_come_up.connect(self.network_is_back)
        self.show_desk()
        self.locker.start()

    # --- actions, menus, toolbar -------------------------------------------------

    def _action(self, text: str, shortcut: str | QKeySequence.StandardKey | None,
                slot: Callable[[], Any], *, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        action.setToolTip(tip or text.replace("&", ""))
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.find_action = self._action("&Find client…", "Ctrl+K", self.open_search,
                                        tip="Find a client by name or phone (Ctrl+K)")
        self.lock_action = self._action("&Lock desk", "Ctrl+L", lambda: self.locker.lock("shortcut"),
                                        tip="Lock this desk now (Ctrl+L)")
        self.privacy_action = self._action("&Privacy mode", "Ctrl+Shift+P", self.toggle_privacy,
                                           tip="Show initials instead of names (Ctrl+Shift+P)")
        self.privacy_action.setCheckable(True)
        self.inbox_action = self._action("Conflict &inbox", "Ctrl+Shift+I", self.open_conflict_inbox)
        self.close_tab_action = self._action("&Close client tab", "Ctrl+W", self.close_current_client)
        self.sign_out_action = self._action("Sign &out", None, self.sign_out)
        self.day_sheet_action = self._action("&Print day sheet…", "Ctrl+P", self.open_day_sheet,
                                             tip="The day's appointments to print (initials in privacy mode)")
        self.calls_action = self._action("Confirmation &calls…", "Ctrl+Shift+C", self.open_confirmation_calls,
                                         tip="Tomorrow's visits not yet confirmed, and how to reach each client")
        self.calls_action.setVisible(may(self.session.actor.role, UseCase.CONFIRM_VISIT))
        self.return_calls_action = self._action("Calls to &return…", None, self.open_calls_to_return,
                                                tip="Calls taken at the desk and not yet followed up; log a call")
        self.return_calls_action.setVisible(may(self.session.actor.role, UseCase.FOLLOW_UP_CALL))
        self.block_action = self._action("&Block time…", None, self.open_block_time,
                                         tip="A provider's time off or break, a room's maintenance: "
                                             "nothing can be booked then")
        self.block_action.setVisible(may(self.session.actor.role, UseCase.BLOCK_TIME)
                                     or may(self.session.actor.role, UseCase.BLOCK_BREAK))
        self.next_free_action = self._action("Find next &free time…", "Ctrl+Shift+F", self.open_next_free,
                                             tip="The first free times for a service with any provider (Ctrl+Shift+F)")
        self.next_free_action.setVisible(may(self.session.actor.role, UseCase.BOOK_VISIT))
        self.waitlist_action = self._action("&Waitlist…", None, self.open_waitlist,
                                            tip="Clients waiting for a service; add one or take one off")
        self.waitlist_action.setVisible(may(self.session.actor.role, UseCase.ADD_TO_WAITLIST))
        self.sync_action = self._action("&Sync now", "F5", self.sync_now)
        self.sync_action.setEnabled(self.session.sync is not None)
        self.quit_action = self._action("&Quit", "Ctrl+Q", self.quit)

        menus = self.menuBar()
        desk = menus.addMenu("&Desk")
        for action in (self.day_sheet_action, self.calls_action, self.return_calls_action, self.next_free_action,
                       self.waitlist_action, self.block_action, self.lock_action,
                       self.sign_out_action, self.sync_action, self.quit_action):
            desk.addAction(action)
        self.template_action = template_manager_action(self, self.session)  # managers and admins only
        if self.template_action is not None:
            desk.addAction(self.template_action)
        clients = menus.addMenu("&Clients")
        clients.addAction(self.find_action)
        clients.addAction(self.close_tab_action)
        view = menus.addMenu("&View")
        view.addAction(self.privacy_action)
        view.addAction(self.inbox_action)
        clinical = menus.addMenu("C&linical")
        self.lot_recall_action = lot_recall_action(self, self.session)
        clinical.addAction(self.lot_recall_action)
        self.manager_actions = manager_actions(self, self.session)  # managers and admins only
        if self.manager_actions:
            manager = menus.addMenu("&Manager")
            for action in self.manager_actions:
                manager.addAction(action)
        self.compliance_menu = compliance_menu(self, self.session)  # what the person's role may use
        menus.addMenu(self.compliance_menu)
        toolbar = QToolBar("Desk", self)
        toolbar.setObjectName("deskToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (self.find_action, self.privacy_action, self.inbox_action, self.lock_action):
            toolbar.addAction(action)
        self.addToolBar(toolbar)
        self.toolbar = toolbar

    def _phi_actions(self) -> tuple[QAction, ...]:
        """Actions that open client data: off while the desk is locked."""
        optional = (self.template_action,) if self.template_action is not None else ()
        optional += tuple(self.manager_actions)
        return (self.find_action, self.privacy_action, self.inbox_action, self.close_tab_action,
                self.lot_recall_action, self.day_sheet_action, self.calls_action, *optional)

    def _show_menus(self, on: bool) -> None:
        """Menus, toolbar and every shortcut of the window: off while locked (the lock view unlocks)."""
        for action in (*self.actions(), *self._phi_actions()):
            action.setEnabled(on)
        if on:
            self.sync_action.setEnabled(self.session.sync is not None)
        self.menuBar().setVisible(on)
        self.toolbar.setVisible(on)

    # --- the desk page (PHI) and the lock page -------------------------------

    def show_desk(self) -> None:
        self._drop_lock_view()
        if self._zone() is None:
            self._show_first_sync_page()
            return
        self._drop_first_sync_page()
        self.status.zone = self._zone()
        self.desk = QTabWidget(self.pages)
        self.desk.setObjectName("deskTabs")
        self.desk.setAccessibleName("Desk")
        self.desk.setTabsClosable(True)
        self.desk.tabCloseRequested.connect(self._close_tab)
        self.schedule = DayScheduleView(self.session, self.desk)
        canvas = self.schedule.canvas
        # Space or Ctrl+I on the selected appointment: the client-at-the-door card.
        door_card_action(self.schedule, self.session, selected=lambda: canvas.selected)
        self.desk.addTab(self.schedule, "&Schedule")
        self.desk.tabBar().setTabButton(0, self.desk.tabBar().ButtonPosition.RightSide, None)
        self.pages.addWidget(self.desk)
        self.pages.setCurrentWidget(self.desk)
        self._show_menus(True)
        self.setWindowTitle(f"{APP_TITLE} — {self._location_name()}")
        self.schedule.setFocus()
        self._refresh_conflict_count()
        self._offer_setup()

    def _offer_setup(self) -> None:
        """A manager on a practice that cannot book yet (no rooms, providers or services): the set-up
        assistant opens by itself, once per sign-in (after that, Manager → Set-up assistant)."""
        if self.setup_offered or not may(self.session.actor.role, UseCase.SET_UP_PRACTICE):
            return
        self.setup_offered = True

        def offer(needed: bool) -> None:
            if needed and self.desk is not None:
                from ui.manager.setup_assistant import SetupAssistant

                self.setup_assistant = SetupAssistant(self.session, self)
                self.setup_assistant.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
                self.setup_assistant.open()

        QueryOp(self, body=needs_setup, success=offer, failure=lambda _exc: None).run()

    def clear_phi_views(self) -> None:
        """Destroy every widget and model that may show a client's data."""
        for widget in (self.search, self.inbox):
            if widget is not None:
                widget.close()
                widget.deleteLater()
        self.search = None
        self.inbox = None
        # ui.compliance's windows: staff names, record ids, incidents as the manager described them
        for handle in ("audit_viewer", "evidence_window", "sign_policies", "practice_export"):
            viewer = getattr(self, handle, None)
            if viewer is not None and is_alive(viewer):
                viewer.close()
        if self.desk is not None:
            self.pages.removeWidget(self.desk)
            self.desk.hide()
            # Immediately: a walk of the widget tree right after a lock must find nothing.
            self.desk.setParent(None)
            self.desk.deleteLater()
        self.desk = None
        self.schedule = None
        self._show_menus(False)
        self.status.message.clear()
        self.setWindowTitle(f"{APP_TITLE} — Locked")

    def show_lock_view(self) -> None:
        self._drop_lock_view()
        user = self.session.user
        label = user.display_name or user.username
        self.lock_view = LockView(self.pages, user_label=label,
                                  pin_available=self.session.pin_available)
        self.lock_view.unlock_with_pin.connect(self.locker.try_pin)
        self.lock_view.unlock_with_password.connect(self.locker.try_password)
        self.lock_view.switch_user.connect(self.switch_user)
        self.lock_view.sign_out.connect(self.sign_out)
        self.pages.addWidget(self.lock_view)
        self.pages.setCurrentWidget(self.lock_view)
        self.setWindowTitle(f"{APP_TITLE} — Locked")
        self.lock_view.focus_first()

    def _drop_lock_view(self) -> None:
        self._drop_page(self.lock_view)
        self.lock_view = None

    def _drop_page(self, page: QWidget | None) -> None:
        if page is not None:
            self.pages.removeWidget(page)
            page.deleteLater()

    def _location_name(self) -> str:
        try:
            return self.session.location.name or "Front desk"
        except NotReady:
            return "Front desk"

    def _zone(self) -> ZoneInfo | None:
        try:
            return self.session.zone
        except NotReady:
            return None

    # --- before the first sync has brought the practice ------------------------------

    def _show_first_sync_page(self) -> None:
        if self.waiting is None:
            self.waiting = FirstSyncPage(self.pages, online=self.session.sync is not None)
            self.pages.addWidget(self.waiting)
        self.pages.setCurrentWidget(self.waiting)
        for action in self._phi_actions():
            action.setEnabled(False)
        self.setWindowTitle(f"{APP_TITLE} — Getting the practice ready")
        engine = self.session.sync
        if engine is None or engine.status.last_success_at is not None:
            self._check_first_sync()

    def _drop_first_sync_page(self) -> None:
        self._drop_page(self.waiting)
        self.waiting = None

    def _check_first_sync(self) -> None:
        """After a sync cycle ends: once the location has arrived, show the desk."""
        if self.waiting is None or self.locker.locked:
            return
        QueryOp(self, body=lambda _store: self.session.reload_location(),
                success=lambda location: self.show_desk() if location is not None and self.waiting else None,
                failure=lambda _exc: None).run()

    def _pause_sync(self) -> None:
        """Stop sync from starting store calls before the lock runs on the worker.

        The engine's store calls are jobs on that worker, so its pause does
        not wait for a call in flight (that call is queued on the worker,
        ahead of the lock), and this never blocks the GUI thread.
        """
        engine = self.session.sync
        if engine is not None:
            engine.pause()

    # --- clients -------------------------------------------------------------------

    def open_search(self) -> None:
        if self.desk is None:
            return
        if self.search is None:
            self.search = ClientSearch(self)
            self.search.client_chosen.connect(self.open_client)
        self.search.clear()
        self.search.show()
        self.search.raise_()
        self.search.activateWindow()
        self.search.query.setFocus()

    def open_client(self, client_id: UUID) -> ClientProfile | None:
        if self.desk is None:
            return None
        for index in range(1, self.desk.count()):
            page = self.desk.widget(index)
            if isinstance(page, ClientProfile) and page.client_id == client_id:
                self.desk.setCurrentIndex(index)
                return page
        profile = ClientProfile(self.desk, session=self.session, client_id=client_id)
        index = self.desk.addTab(profile, "Client")
        profile.did_load.connect(lambda: self._title_client_tab(profile))
        self.desk.setCurrentIndex(index)
        return profile

    def _title_client_tab(self, profile: ClientProfile) -> None:
        if self.desk is None or profile.data is None:
            return
        index = self.desk.indexOf(profile)
        if index < 0:
            return
        client = profile.data.client
        self.desk.setTabText(index, client.initials if bus.privacy_mode else client.full_name)

    def client_profiles(self) -> list[ClientProfile]:
        if self.desk is None:
            return []
        return [w for i in range(self.desk.count()) if isinstance(w := self.desk.widget(i), ClientProfile)]

    def close_current_client(self) -> None:
        if self.desk is not None and self.desk.currentIndex() > 0:
            self._close_tab(self.desk.currentIndex())

    def _close_tab(self, index: int) -> None:
        if self.desk is None or index == 0:
            return
        page = self.desk.widget(index)
        self.desk.removeTab(index)
        page.deleteLater()

    # --- privacy, conflicts, sync ----------------------------------------------------

    def toggle_privacy(self) -> None:
        bus.set_privacy_mode(not bus.privacy_mode)

    def _privacy_changed(self, on: bool) -> None:
        self.privacy_action.setChecked(on)
        if self.schedule is not None:
            self.schedule.set_privacy(on)
        for profile in self.client_profiles():
            self._title_client_tab(profile)

    def open_confirmation_calls(self) -> None:
        self.confirmation_calls = ConfirmationCalls(self.session, parent=self)
        self.confirmation_calls.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.confirmation_calls.open()

    def open_calls_to_return(self) -> None:
        self.calls_to_return = CallsToReturn(self.session, parent=self)
        self.calls_to_return.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.calls_to_return.open()

    def open_block_time(self) -> None:
        day = self.schedule.day if self.schedule is not None else \
            utc_now().astimezone(self.session.location.zone).date()
        self.block_dialog = BlockTimeDialog(self.session, parent=self, day=day)
        self.block_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.block_dialog.open()

    def open_next_free(self) -> None:
        day = self.schedule.day if self.schedule is not None else None
        self.next_free_dialog = NextFreeDialog(self.session, parent=self, day=day)
        self.next_free_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.next_free_dialog.open()

    def open_waitlist(self) -> None:
        self.waitlist_dialog = WaitlistDialog(self.session, parent=self)
        self.waitlist_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.waitlist_dialog.open()

    def open_day_sheet(self) -> None:
        if self.schedule is not None:
            open_day_sheet(self, self.session, self.schedule.day, privacy=bus.privacy_mode,
                           shown=lambda viewer: setattr(self, "day_sheet", viewer))

    def open_conflict_inbox(self) -> None:
        if self.desk is None:
            return
        if self.inbox is None:
            self.inbox = ConflictInbox(self, session=self.session)
            self.inbox.did_load.connect(self.status.show_conflict_count)
        self.inbox.show()
        self.inbox.raise_()

    def _on_changes(self, changes: Changes, _initiator: object) -> None:
        if changes.conflicts:
            self._refresh_conflict_count()

    def _refresh_conflict_count(self) -> None:
        QueryOp(self, body=lambda store: len(store.conflicts(open_only=True)),
                success=self.status.show_conflict_count, failure=lambda _exc: None).run()

    def network_is_back(self) -> None:
        """The OS says the network is up: changes waiting on the backoff go now (no I/O here)."""
        engine = self.session.sync
        if engine is not None and not self.leaving:
            engine.network_did_return()

    def sync_now(self) -> None:
        engine = self.session.sync
        if engine is not None:
            engine.sync_now()

    # --- leaving -------------------------------------------------------------------

    # Signing out and switching user: first the person's own queued changes are sent (a bounded
    # wait, on the network pool), then the desk locks (on the database worker), then sync stops
    # and the server session ends (network pool again). The GUI thread only starts each step and
    # hears it end, so a bad network never freezes the window.

    def sign_out(self) -> None:
        self._leave(switching=False)

    def switch_user(self) -> None:
        self._leave(switching=True)

    def _leave(self, *, switching: bool) -> None:
        if self.leaving:
            return
        self.leaving = True
        for action in (self.sign_out_action, self.sync_action, self.lock_action):
            action.setEnabled(False)
        if self.lock_view is not None:
            self.lock_view.show_message("Signing out…")
        self.status.showMessage("Sending your changes before you leave…")
        session = self.session
        if self.locker.locked:
            # Nothing can be sent from a locked desk; the count was taken at lock (no store, no network).
            self._lock_then_end(switching=switching, waiting=session.own_changes_waiting())
        elif session.sync is None:
            # Signed in offline: nothing to send with; count on the worker that owns the store.
            db_worker().submit(lambda _store: session.own_changes_waiting(),
                               done=lambda outcome: self._lock_then_end(switching=switching, waiting=outcome.value))
        else:
            self._off_the_gui_thread(session.send_own_changes,
                                     then=lambda left: self._lock_then_end(switching=switching, waiting=left))

    def _lock_then_end(self, *, switching: bool, waiting: int | None) -> None:
        if not self.locker.locked:
            self.locker.lock("sign out")
        self.locker.stop()
        session = self.session
        # Switching keeps the person's server session (their password alone brings them back inside the
        # practice's switch window); signing out ends it. Either way: the network pool, never this thread.
        leave = session.hand_over if switching else session.sign_out
        self._off_the_gui_thread(leave, then=lambda _done: self._signed_out(switching=switching, waiting=waiting))

    def _signed_out(self, *, switching: bool, waiting: int | None) -> None:
        notice = changes_waiting_notice(waiting or 0, who=self.session.user.display_name)
        if notice:
            self.leaving_notice = box = QMessageBox(None)
            box.setIcon(QMessageBox.Icon.Information)
            box.setWindowTitle("Changes waiting to be sent")
            box.setAccessibleName("Changes waiting to be sent")
            box.setText(notice)
            box.open()
        if switching:
            self.switch_user_requested.emit()
        bus.session_did_sign_out.emit()
        self.signed_out.emit()
        self.close()

    def quit(self) -> None:
        """Quit, keeping the sign-in for next time: lock now (nothing readable stays on screen, the
        store closes on the database worker), stop sync on the network pool (it may wait on the
        network), and close the window when that has ended. The GUI thread never waits."""
        if self.quitting:
            return
        self.quitting = True
        for action in (self.sign_out_action, self.sync_action, self.lock_action, self.quit_action):
            action.setEnabled(False)
        if not self.locker.locked:
            self.locker.lock("quit")
        self.locker.stop()
        if self.lock_view is not None:
            self.lock_view.show_message("Closing…")
        self._off_the_gui_thread(self.session.stop_sync, then=lambda _done: self.close())

    def _off_the_gui_thread(self, task: Callable[[], Any], *, then: Callable[[Any], None]) -> None:
        """Run ``task`` on the network pool; ``then(result)`` on the GUI thread (None if it failed)."""
        def job() -> None:
            try:
                result = task()
            except Exception as exc:  # sign-out carries on: the session ends here whatever the server says
                log.error("%s failed: %s", getattr(task, "__name__", "leaving"), type(exc).__name__)
                result = None
            post_to_gui_thread(lambda: then(result))

        network_pool().submit(job)

    def closeEvent(self, event: QCloseEvent) -> None:
        if event.spontaneous() and self.session.sync is not None and not self.leaving:
            event.ignore()  # the window's close button: quit as Quit does
            self.quit()
            return
        if not self.locker.locked:
            self.clear_phi_views()
        self.locker.stop()
        super().closeEvent(event)
