"""The Export dialog: every format core offers, with every option ExportOptions has, for one or many conversations.

Formats and options are read from core (FORMATS, the ExportOptions dataclass), so a format or
option added there shows up here without a change.
"""

from __future__ import annotations

import logging
import re
from dataclasses import MISSING, Field, fields
from pathlib import Path

from PySide6.QtCore import QSignalBlocker, QStandardPaths, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services import Services

log = logging.getLogger(__name__)

LABELS = {
    "speakers": "Speaker labels",
    "timestamps": "Timestamps",
    "word_timestamps": "Word timings (JSON formats)",
    "text_form": "Text form",
    "sentiment": "Sentiment scores (English only)",
    "profanity": "Profanity",
    "punctuation": "Punctuation",
    "hesitations": "Hesitations (uh, um)",
    "keywords": "Keywords (comma separated)",
    "keywords_threshold": "Keyword threshold (0–1)",
    "max_alternatives": "Alternatives per phrase",
    "word_alternatives_threshold": "Word alternatives threshold (0–1)",
}
_CHOICE_MODULES = ("core.export.base", "core.text.options", "core.jobs.model")


def _stem(name: str) -> str:
    return name.split("_")[0].lower().rstrip("s")


def option_choices(field: Field) -> tuple[str, ...] | None:
    """Return the values a text option may take (from its metadata or core's *_MODES/*_FORMS constants)."""
    if field.metadata.get("choices"):
        return tuple(field.metadata["choices"])
    import importlib

    for module_name in _CHOICE_MODULES:
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if (name.isupper() and isinstance(value, tuple) and value and all(isinstance(v, str) for v in value)
                    and _stem(name) == _stem(field.name) and field.default in value):
                return value
    return None


def _default(field: Field):
    if field.default is not MISSING:
        return field.default
    return field.default_factory() if field.default_factory is not MISSING else None


class OptionsForm(QWidget):
    """One input per ExportOptions field; `options()` reads them back into an ExportOptions."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        from core.export import ExportOptions

        self._cls = ExportOptions
        self.inputs: dict[str, QWidget] = {}
        layout = QFormLayout(self)
        for field in fields(ExportOptions):
            kind, default = str(field.type), _default(field)
            label = LABELS.get(field.name, field.name.replace("_", " ").capitalize())
            if kind == "bool" or isinstance(default, bool):
                widget = QCheckBox()
                widget.setChecked(bool(default))
            elif (choices := option_choices(field)) is not None:
                widget = QComboBox()
                widget.addItems(list(choices))
                widget.setCurrentText(str(default))
            else:
                widget = QLineEdit()
                widget.setPlaceholderText("default" if default is None else "")
                if isinstance(default, tuple):
                    widget.setText(", ".join(map(str, default)))
                elif default is not None:
                    widget.setText(str(default))
            widget.setObjectName(f"option_{field.name}")
            widget.setAccessibleName(label)
            layout.addRow(label, widget)
            self.inputs[field.name] = widget

    def options(self):
        """Return the chosen ExportOptions (raises ExportError for a value that is not a number where one is needed)."""
        from core.errors import ExportError

        values = {}
        for field in fields(self._cls):
            widget, kind = self.inputs[field.name], str(field.type)
            if isinstance(widget, QCheckBox):
                values[field.name] = widget.isChecked()
            elif isinstance(widget, QComboBox):
                values[field.name] = widget.currentText()
            else:
                text = widget.text().strip()
                try:
                    if "tuple" in kind:
                        values[field.name] = tuple(w.strip() for w in text.split(",") if w.strip())
                    elif not text:
                        values[field.name] = None if "None" in kind else _default(field)
                    elif "float" in kind:
                        values[field.name] = float(text)
                    elif "int" in kind:
                        values[field.name] = int(text)
                    else:
                        values[field.name] = text
                except ValueError:
                    raise ExportError(f"“{text}” is not a number ({LABELS.get(field.name, field.name)}).", hint="Type a number or leave it empty.") from None
        return self._cls(**values).check()

    def set_value(self, name: str, value) -> None:
        """Set one option's input (for presets and tests); returns nothing."""
        widget = self.inputs[name]
        if isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        elif isinstance(widget, QComboBox):
            widget.setCurrentText(str(value))
        else:
            widget.setText(", ".join(value) if isinstance(value, tuple) else "" if value is None else str(value))


def _safe(title: str) -> str:
    return re.sub(r"[^\w\-]+", "-", title).strip("-_")[:60] or "conversation"


class ExportDialog(QDialog):
    """Exports the given conversations in a chosen format with chosen options."""

    exported = Signal(list)  # the paths written

    def __init__(self, services: Services, conversation_ids: list[str], titles: dict[str, str] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        from core.export import FORMATS

        self.setObjectName("exportDialog")
        self.setWindowTitle("Export")
        self.services = services
        self.ids = list(conversation_ids)
        self.titles = titles or {}
        self.many = len(self.ids) > 1
        self.format_box = QComboBox(objectName="exportFormat")
        for name, exporter in FORMATS.items():
            self.format_box.addItem(f"{exporter.description} ({exporter.extension})", name)
        self.format_box.currentIndexChanged.connect(self._format_changed)
        self.form = OptionsForm()
        for name in ("profanity", "punctuation"):  # as the settings show the transcripts
            self.form.set_value(name, getattr(services.settings, name))
        group = QGroupBox("Options")
        QVBoxLayout(group).addWidget(self.form)
        self.destination = QLineEdit(objectName="exportDestination")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.destination, 1)
        where.addWidget(browse)
        self.status = QLabel("", objectName="exportStatus")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setObjectName("exportRun")
        self.buttons.accepted.connect(self.export)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        what = f"{len(self.ids)} conversations, one file each" if self.many else f"“{self.titles.get(self.ids[0], 'conversation')}”"
        layout.addWidget(QLabel(f"Export {what}"))
        form = QFormLayout()
        form.addRow("Format", self.format_box)
        form.addRow("Folder (or .zip)" if self.many else "File", where)
        layout.addLayout(form)
        layout.addWidget(group)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        last = services.settings.export_folder  # the last export's folder and format come first
        documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or Path.home()
        self._folder = Path(last) if last and Path(last).is_dir() else Path(documents)
        if self.format_box.findData(services.settings.export_format) >= 0:
            with QSignalBlocker(self.format_box):
                self.set_format(services.settings.export_format)
        self._format_changed()

    def fmt(self) -> str:
        """Return the chosen format name."""
        return self.format_box.currentData()

    def set_format(self, name: str) -> None:
        """Choose a format by name; returns nothing."""
        self.format_box.setCurrentIndex(self.format_box.findData(name))

    def _extension(self) -> str:
        from core.export import FORMATS

        return FORMATS[self.fmt()].extension

    def _format_changed(self) -> None:
        current = self.destination.text().strip()
        if self.many:
            if not current:
                self.destination.setText(str(self._folder / "Parley export"))
            return
        if current:
            path = Path(current)
            self.destination.setText(str(path.with_suffix(self._extension())))
        else:
            title = self.titles.get(self.ids[0], "conversation")
            self.destination.setText(str(self._folder / f"{_safe(title)}{self._extension()}"))

    def _browse(self) -> None:
        if self.many:
            folder = QFileDialog.getExistingDirectory(self, "Export into folder", self.destination.text())
            if folder:
                self.destination.setText(folder)
        else:
            path, _ = QFileDialog.getSaveFileName(self, "Export to", self.destination.text(), f"*{self._extension()}")
            if path:
                self.destination.setText(path)

    def export(self) -> None:
        """Export with the chosen format and options (off the GUI thread); closes when done."""
        from desktop.errors import show_error

        try:
            options = self.form.options()
        except Exception as exc:  # an unusable option value: say so, keep the dialog open
            show_error(self, exc)
            return
        fmt, ids, destination = self.fmt(), list(self.ids), Path(self.destination.text().strip()).expanduser()
        many, extension = self.many, self._extension()
        self.export_button.setEnabled(False)
        self.status.setText("Exporting…")

        def write(conversations):
            from core.export import export_conversation

            if not many:
                return export_conversation(conversations[0], fmt, destination, options)
            try:
                from core.export import export_many
            except ImportError:
                export_many = None
            if export_many is not None:
                return export_many(conversations, fmt, destination, options)
            destination.mkdir(parents=True, exist_ok=True)
            written = []
            for c in conversations:
                written += export_conversation(c, fmt, destination / f"{_safe(c.title)}-{c.conversation_id[:8]}{extension}", options)
            return written

        def failed(error) -> None:
            self.export_button.setEnabled(True)
            self.status.setText("")
            show_error(self, error)

        def done(paths) -> None:
            self.services.change_settings(export_format=fmt, export_folder=str(destination.parent))
            self.status.setText(f"Wrote {len(paths)} file{'s' if len(paths) != 1 else ''}.")
            self.exported.emit([Path(p) for p in paths])
            self.accept()

        def loaded(conversations) -> None:
            self.services.ops.background(lambda: write(conversations), parent=self).success(done).failure(failed).run()

        ops = self.services.ops
        ops.library_op(lambda lib: [lib.get_conversation(i) for i in ids], parent=self).success(loaded).failure(failed).run()
