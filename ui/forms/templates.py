"""The consent template manager: every version of every consent, and publishing the practice's own text.

Managers and admins only. Publishing never changes a version: the practice's
text (pasted, or read from a .md/.txt file) becomes the next version through
``documents.consents.import_template_text`` and is saved with
``store.put_reference``. Forms already signed keep the title, text and
version they were signed on; new signatures use the newest version.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from medspa_desk.desk.context import SignedIn
from medspa_desk.desk.forms import publish_consent_version
from medspa_desk.documents.consents import TemplateRefused, import_template_text, shipped_templates
from medspa_desk.records import ConsentTemplate
from medspa_desk.rules import UseCase, may, refusal
from ui.forms.consent_form import sentence
from ui.operations import CollectionOp, QueryOp, Refusal, describe_error
from ui.qt import (
    QAction,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSize,
    QSplitter,
    Qt,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.schedule.forms import PROBLEM_STYLE, FormDialog
from ui.screen_fit import size_for_screen

MAX_FILE_BYTES = 1_000_000
KEPT_NOTE = ("Forms already signed keep the text and version they were signed on; each signed form "
             "shows its version. New signatures use the newest version.")


def can_manage_templates(session: SignedIn) -> bool:
    return may(session.user.role, UseCase.PUBLISH_CONSENT_VERSION)


def all_versions(stored: list[ConsentTemplate]) -> dict[str, list[ConsentTemplate]]:
    """Every version by key, newest first: the practice's published ones and the shipped texts."""
    by_id = {t.id: t for t in shipped_templates().values()}
    by_id.update({t.id: t for t in stored})
    versions: dict[str, list[ConsentTemplate]] = {}
    for template in by_id.values():
        versions.setdefault(template.key, []).append(template)
    for key in versions:
        versions[key].sort(key=lambda t: -t.template_version)
    return dict(sorted(versions.items(), key=lambda kv: kv[1][0].title.casefold()))


def read_template_file(path: Path) -> str:
    """The text of a .md or .txt file, or a TemplateRefused saying what to fix."""
    if path.suffix.lower() not in {".md", ".txt"}:
        raise TemplateRefused("pick a text file ending in .md or .txt (save a Word document as plain text first)")
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise TemplateRefused("that file is larger than 1 MB; a consent text is far smaller. Check it is "
                                  "the right file")
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TemplateRefused("that file is not UTF-8 text; save it as plain text (UTF-8) and try again") from None
    except OSError as exc:
        raise TemplateRefused(f"that file could not be read ({exc.strerror or type(exc).__name__})") from None


class PublishVersionDialog(FormDialog):
    """The practice's wording for one consent, pasted or loaded from a file, published as the next version."""

    published = Signal(object)  # the new ConsentTemplate, saved

    def __init__(self, session: SignedIn, *, current: ConsentTemplate, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"New version of {current.title}")
        self.setAccessibleName("Publish a new consent version")
        self._session = session
        self._current = current
        layout = QVBoxLayout(self)
        intro = QLabel(f"This publishes version {current.template_version + 1}. Version "
                       f"{current.template_version} stays as it is, and forms signed on it keep its text.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.title_field = QLineEdit(current.title)
        self.title_field.setAccessibleName("Form title")
        self.witness = QCheckBox("A member of staff must witness the signature")
        self.witness.setAccessibleName("Needs a witness")
        self.witness.setChecked(current.requires_witness)
        form.addRow("Title", self.title_field)
        form.addRow("", self.witness)
        layout.addLayout(form)
        row = QHBoxLayout()
        row.addWidget(QLabel("Text (paste it, or load a .md or .txt file). Headings start with ## and "
                             "list items with -."), 1)
        self.load_button = QPushButton("Load from file…")
        self.load_button.setAccessibleName("Load text from file")
        self.load_button.setAutoDefault(False)
        self.load_button.clicked.connect(self.choose_file)
        row.addWidget(self.load_button)
        layout.addLayout(row)
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("Consent text")
        self.text.setPlaceholderText("Paste the practice's consent text here.")
        layout.addWidget(self.text, 1)
        layout.addWidget(self.problem_label())
        buttons = QDialogButtonBox()
        self.publish_button = buttons.addButton("Publish new version", QDialogButtonBox.ButtonRole.AcceptRole)
        self.publish_button.setAccessibleName("Publish new version")
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.publish)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        size_for_screen(self, QSize(self.fontMetrics().averageCharWidth() * 100, self.fontMetrics().lineSpacing() * 34))

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Consent text", "", "Text (*.md *.txt)")
        if path:
            self.load_file(Path(path))

    def load_file(self, path: Path) -> None:
        try:
            self.text.setPlainText(read_template_file(path))
        except TemplateRefused as exc:
            self._problem(sentence(str(exc)))
            return
        self._clear_problem()

    def publish(self) -> None:
        try:
            template = import_template_text(self._current.key, self.title_field.text(), self.text.toPlainText(),
                                            previous=self._current, requires_witness=self.witness.isChecked(),
                                            published_by=self._session.user.id)
        except TemplateRefused as exc:
            self._problem(sentence(str(exc)))
            return
        actor = self._session.actor
        self.publish_button.setEnabled(False)

        def failed(exc: BaseException) -> None:
            self.publish_button.setEnabled(True)
            self._problem(f"The new version was not published. {describe_error(exc)}")

        def done(_changes: object) -> None:
            self.published.emit(template)
            self.accept()

        CollectionOp(self, body=lambda store: publish_consent_version(store, actor=actor, template=template),
                     success=done, failure=failed).run()


class TemplateManager(QDialog):
    """Every consent and its versions; the text of the one picked; publish a new version."""

    def __init__(self, session: SignedIn, parent: QWidget | None = None) -> None:
        if not can_manage_templates(session):
            raise Refusal(refusal(session.user.role, UseCase.PUBLISH_CONSENT_VERSION))
        super().__init__(parent)
        self.setWindowTitle("Consent forms")
        self.setAccessibleName("Consent forms")
        self._session = session
        self.versions: dict[str, list[ConsentTemplate]] = {}
        layout = QVBoxLayout(self)
        note = QLabel(KEPT_NOTE)
        note.setWordWrap(True)
        layout.addWidget(note)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Consent forms and versions")
        self.tree.setHeaderHidden(True)
        self.tree.setColumnCount(1)
        self.tree.setRootIsDecorated(True)
        self.tree.currentItemChanged.connect(lambda item, _old: self._show(item))
        split.addWidget(self.tree)
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel()
        self.heading.setAccessibleName("Version shown")
        self.heading.setWordWrap(True)
        column.addWidget(self.heading)
        self.text = QTextBrowser()
        self.text.setAccessibleName("Consent text")
        column.addWidget(self.text, 1)
        split.addWidget(right)
        chars = self.fontMetrics().averageCharWidth()
        split.setSizes([chars * 62, chars * 88])
        layout.addWidget(split, 1)
        row = QHBoxLayout()
        self.problem = QLabel()
        self.problem.setAccessibleName("Problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(PROBLEM_STYLE)
        self.publish_button = QPushButton("Publish a new version…")
        self.publish_button.setAccessibleName("Publish a new version")
        self.publish_button.setEnabled(False)
        self.publish_button.clicked.connect(self.open_publish)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        row.addWidget(self.problem, 1)
        row.addWidget(self.publish_button)
        row.addWidget(close)
        layout.addLayout(row)
        size_for_screen(self, QSize(self.fontMetrics().averageCharWidth() * 150, self.fontMetrics().lineSpacing() * 40))
        self.reload()

    def reload(self, *, select: ConsentTemplate | None = None) -> None:
        QueryOp(self, body=lambda store: store.consent_templates(),
                success=lambda stored: self._fill(all_versions(stored), select=select),
                failure=lambda exc: self.problem.setText(describe_error(exc))).run()

    def _fill(self, versions: dict[str, list[ConsentTemplate]], *, select: ConsentTemplate | None) -> None:
        self.versions = versions
        self.tree.clear()
        zone = self._session.location.zone
        chosen: QTreeWidgetItem | None = None
        for key, templates in versions.items():
            newest = templates[0]
            top = QTreeWidgetItem([newest.title])
            top.setToolTip(0, f"{newest.title}: version {newest.template_version} is current")
            top.setData(0, Qt.ItemDataRole.UserRole, (key, newest.template_version))
            for template in templates:
                shipped = template.published_by is None and template.id in {
                    t.id for t in shipped_templates().values()}
                when = "shipped with the app" if shipped else f"{template.updated_at.astimezone(zone):%b %-d, %Y}"
                current = " (current)" if template is newest else ""
                child = QTreeWidgetItem([f"Version {template.template_version}{current} · {when}"])
                child.setData(0, Qt.ItemDataRole.UserRole, (key, template.template_version))
                top.addChild(child)
                if select is not None and template.id == select.id:
                    chosen = child
            self.tree.addTopLevelItem(top)
            if chosen is not None:
                top.setExpanded(True)
        first = chosen or self.tree.topLevelItem(0)
        if first is not None:
            self.tree.setCurrentItem(first)

    def template_for(self, item: QTreeWidgetItem | None) -> ConsentTemplate | None:
        if item is None:
            return None
        key, version = item.data(0, Qt.ItemDataRole.UserRole)
        return next((t for t in self.versions.get(key, []) if t.template_version == version), None)

    def _show(self, item: QTreeWidgetItem | None) -> None:
        template = self.template_for(item)
        self.publish_button.setEnabled(template is not None)
        if template is None:
            self.heading.clear()
            self.text.clear()
            return
        newest = self.versions[template.key][0]
        state = "the current version" if template is newest else (
            f"an older version; version {newest.template_version} is current")
        witness = " A staff witness signs too." if template.requires_witness else ""
        self.heading.setText(f"<b>{escape(template.title)}</b>, version {template.template_version} "
                             f"({state}).{witness}")
        self.text.setMarkdown(template.body)

    def open_publish(self) -> None:
        template = self.template_for(self.tree.currentItem())
        if template is None:
            return
        dialog = PublishVersionDialog(self._session, current=self.versions[template.key][0], parent=self)
        dialog.published.connect(lambda published: self.reload(select=published))
        dialog.open()
        self.publish_dialog = dialog


def template_manager_action(parent: QWidget, session: SignedIn) -> QAction | None:
    """"Consent forms…" for a menu: None for roles that may not change consent forms."""
    if not can_manage_templates(session):
        return None
    action = QAction("Consent &forms…", parent)
    action.setToolTip("See every consent form and version; publish the practice's own text")

    def open_manager() -> None:
        manager = TemplateManager(session, parent)
        manager.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        manager.open()

    action.triggered.connect(lambda _checked=False: open_manager())
    return action

