"""Undo and redo of the corrections made to conversations: one history per conversation, Ctrl+Z and Ctrl+Shift+Z.

Each correction (a speaker renamed or merged, a phrase given to another speaker, a text corrected)
runs through Library.recording_edit, and the Edit it returns is pushed on the conversation's
QUndoStack; undo and redo hand it back to the library on its thread. When the library refuses
(the conversation changed since, elsewhere), the error is shown and that conversation's history
is cleared, since it no longer describes what is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence, QUndoCommand, QUndoGroup, QUndoStack
from PySide6.QtWidgets import QWidget

from core.store.edits import Edit
from desktop.ops import Ops


class _EditCommand(QUndoCommand):
    """An edit already made in the library: redo() does nothing the first time it is pushed."""

    def __init__(self, history: "EditHistory", edit: Edit):
        super().__init__(edit.description.replace("&", "&&"))  # a name such as "R&D" is not a menu mnemonic
        self.history, self.edit, self._made = history, edit, True

    def redo(self) -> None:
        if self._made:
            self._made = False
            return
        self.history._replay(self.edit, undo=False)

    def undo(self) -> None:
        self.history._replay(self.edit, undo=True)


class EditHistory(QObject):
    """The undo histories of the conversations edited in this window, and the Undo and Redo actions of the shown one."""

    def __init__(self, ops: Ops, widget: QWidget):
        super().__init__(widget)
        self.ops, self.widget = ops, widget
        self.group = QUndoGroup(self)
        self._stacks: dict[str, QUndoStack] = {}
        self.undo_action = self.group.createUndoAction(widget, "&Undo")
        self.redo_action = self.group.createRedoAction(widget, "&Redo")
        for action, keys, name in ((self.undo_action, QKeySequence.StandardKey.Undo, "undo"),
                                   (self.redo_action, QKeySequence.StandardKey.Redo, "redo")):
            action.setObjectName(name)
            action.setShortcuts(keys)
            # only while the conversation has the focus: a search field keeps its own Ctrl+Z
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            widget.addAction(action)

    def stack(self, conversation_id: str) -> QUndoStack:
        """Return the conversation's history (made empty the first time)."""
        if conversation_id not in self._stacks:
            self._stacks[conversation_id] = QUndoStack(self.group)
        return self._stacks[conversation_id]

    def show(self, conversation_id: str | None) -> None:
        """Make the conversation's history the one Undo and Redo act on (None: neither acts); returns nothing."""
        self.group.setActiveStack(self.stack(conversation_id) if conversation_id else None)

    def record(self, conversation_id: str, description: str, change: Callable[[Any], Any]) -> None:
        """Run change(library) as an undoable edit of the conversation, then put it on its history; returns nothing."""
        stack = self.stack(conversation_id)

        def made(result) -> None:
            edit = result[1]
            if not edit.empty:
                stack.push(_EditCommand(self, edit))

        op = self.ops.library_op(lambda lib: lib.recording_edit(conversation_id, description, change), parent=self.widget)
        op.changes().success(made).run()

    def _replay(self, edit: Edit, *, undo: bool) -> None:
        def refused(error: BaseException) -> None:
            from desktop.errors import show_error

            self.stack(edit.conversation_id).clear()
            show_error(self.widget, error)

        fn = (lambda lib: lib.undo_edit(edit)) if undo else (lambda lib: lib.redo_edit(edit))
        self.ops.library_op(fn, parent=self.widget).changes().failure(refused).run()
