"""Undo and redo of the corrections made to conversations: one history per conversation, Ctrl+Z and Ctrl+Shift+Z.

Each correction (a speaker renamed or merged, a phrase given to another speaker, a text corrected)
is pushed on its conversation's QUndoStack at once, and runs through Library.correct on the
library thread, which fills in the Edit it made; undo and redo hand that Edit back to the library
on the same thread, so they always run after the correction they take back, however fast the keys
are pressed. When one of these steps fails, the steps asked after it are canceled before they run
(they were asked of a state that did not come about), and the history is put back where the library
is: without the failed step when it was refused because the conversation changed since (its whole
history then goes, as it no longer describes what is stored), or as it was before the step on any
other error (a busy library, a full disk), so the step can be tried again.

An undo or redo shows what it changed, as an editor moves to the text it took back: when that was in
a transcript version other than the one shown, that version is shown again, and `revealed` names the
first phrase changed for the view to bring into sight.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QUndoCommand, QUndoGroup, QUndoStack
from PySide6.QtWidgets import QWidget

from core.errors import Canceled, NotFoundError
from core.store.edits import Correction, EditConflict
from desktop.ops import Ops

UNDO_LIMIT = 100  # steps kept per conversation


class _Made:
    """The Edit a correction made: filled in on the library thread before any step queued after it runs."""

    edit = None


@dataclass
class _Steps:
    """The library-thread steps of one conversation's history, numbered as asked, and which of them to cancel."""

    asked: int = 0
    failed: int | None = None  # the step that failed: those asked after it are canceled...
    canceled_to: int | None = None  # ...up to this one, the last asked before the GUI heard of the failure

    def canceled(self, step: int) -> bool:
        return self.failed is not None and step > self.failed and (self.canceled_to is None or step <= self.canceled_to)


class _EditCommand(QUndoCommand):
    """A correction: redo() does nothing when it is pushed (the correction is already asked for)."""

    def __init__(self, history: "EditHistory", conversation_id: str, description: str):
        super().__init__(description.replace("&", "&&"))  # a name such as "R&D" is not a menu mnemonic
        self.history, self.conversation_id, self.made, self._pushed = history, conversation_id, _Made(), False
        self.step = 0  # the library-thread step that makes the correction

    def redo(self) -> None:
        if self._pushed:
            self.history._replay(self, undo=False)
        self._pushed = True

    def undo(self) -> None:
        self.history._replay(self, undo=True)


class EditHistory(QObject):
    """The undo histories of the conversations edited in this window, and the Undo and Redo actions of the shown one."""

    revealed = Signal(str, str)  # conversation id, result id of the first phrase an undo or redo changed

    def __init__(self, ops: Ops, widget: QWidget):
        super().__init__(widget)
        self.ops, self.widget = ops, widget
        self.group = QUndoGroup(self)
        self._stacks: dict[str, QUndoStack] = {}
        self._steps: dict[str, _Steps] = {}
        self._shown: str | None = None
        self._quiet = False  # moving a history's position without asking the library
        self.undo_action = self.group.createUndoAction(widget, "&Undo")
        self.redo_action = self.group.createRedoAction(widget, "&Redo")
        for action, keys, name in ((self.undo_action, QKeySequence.StandardKey.Undo, "undo"),
                                   (self.redo_action, QKeySequence.StandardKey.Redo, "redo")):
            action.setObjectName(name)
            action.setShortcuts(keys)
            # anywhere in the window while a conversation is shown (off it, its actions are off); a focused text field
            # keeps its own Ctrl+Z
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            widget.addAction(action)
        ops.changes.library_changed.connect(self._drop_deleted)

    def _drop_deleted(self) -> None:
        """Forget the histories of conversations deleted meanwhile (from the library list, or elsewhere)."""
        if not self._stacks:
            return
        ids = list(self._stacks)
        self.ops.library_op(lambda lib: set(ids) - lib.existing(ids), parent=self.widget).success(lambda deleted: [self.forget(cid) for cid in deleted]).run()

    def show(self, conversation_id: str | None) -> None:
        """Make the conversation's history the one Undo and Redo act on (None: neither acts); returns nothing."""
        self._shown = conversation_id
        self.group.setActiveStack(self._stacks.get(conversation_id) if conversation_id else None)

    def forget(self, conversation_id: str) -> None:
        """Drop a conversation's history (it was deleted); returns nothing."""
        self._steps.pop(conversation_id, None)
        stack = self._stacks.pop(conversation_id, None)
        if stack is not None:
            self.group.removeStack(stack)
            stack.deleteLater()

    def has_history(self, conversation_id: str) -> bool:
        """Return whether the conversation has a history in this window."""
        return conversation_id in self._stacks

    def record(self, conversation_id: str, correction: Correction, description: str) -> None:
        """Make the correction to the conversation as a step Undo can take back; returns nothing."""
        stack = self._stacks.get(conversation_id)
        if stack is None:
            stack = self._stacks[conversation_id] = QUndoStack(self.group)
            stack.setUndoLimit(UNDO_LIMIT)
            if self._shown == conversation_id:
                self.group.setActiveStack(stack)
        command = _EditCommand(self, conversation_id, description)

        def run(lib):
            result, command.made.edit = lib.correct(conversation_id, correction, description)
            return result

        command.step = self._run(command, run, lambda error: self._failed(command, error, undo=None))
        stack.push(command)

    def _replay(self, command: _EditCommand, *, undo: bool) -> None:
        if self._quiet:
            return

        def run(lib):
            edit = command.made.edit
            if edit is None or edit.empty:
                return None
            place = lib.undo_edit(edit) if undo else lib.redo_edit(edit)
            if place is not None and not place.current:  # made out of sight: show that version again
                lib.set_current_pass(command.conversation_id, place.pass_id)
            return place

        def done(place) -> None:
            if place is not None:
                self.revealed.emit(command.conversation_id, place.result_id)

        self._run(command, run, lambda error: self._failed(command, error, undo=undo), done)

    def _run(self, command: _EditCommand, fn, failed, done=None) -> int:
        steps = self._steps.setdefault(command.conversation_id, _Steps())
        steps.asked += 1
        step = steps.asked

        def run(lib):
            if steps.canceled(step):
                raise Canceled("An earlier step of this conversation's history failed.")
            try:
                return fn(lib)
            except BaseException:
                steps.failed, steps.canceled_to = step, None
                raise

        op = self.ops.library_op(run, parent=self.widget).changes().failure(failed)
        if done is not None:
            op.success(done)
        op.run()
        return step

    def _failed(self, command: _EditCommand, error: BaseException, *, undo: bool | None) -> None:
        """Put the history back where the library is after a step failed, then say why; returns nothing.

        A correction that failed (`undo` None) is dropped, with any asked after it. After a failed undo or redo the
        position goes back to where it was before it, and corrections asked since (canceled) leave Redo; when the
        library refused because the conversation changed since, the whole history goes.
        """
        from desktop.errors import show_error

        steps = self._steps.get(command.conversation_id) or _Steps()
        steps.canceled_to = steps.asked  # steps asked until now were asked of a state that did not come about
        stack = self._stacks.get(command.conversation_id)
        at = _position(stack, command) if stack is not None else None
        refused = undo is not None and isinstance(error, (EditConflict, NotFoundError))
        if stack is not None and (at is None or refused):
            stack.clear()
        elif stack is not None:
            later = [i for i in range(at, stack.count()) if stack.command(i).step > (steps.failed or 0)]
            cut = at if undo is None else min(later, default=None)  # corrections not made: nothing to redo from there
            self._quiet = True
            try:
                if cut is not None:
                    stack.setIndex(cut)
                    stack.push(_obsolete())
                stack.setIndex(min(at + 1 if undo else at, stack.count()))
            finally:
                self._quiet = False
        self.ops.changes.library_changed.emit()  # show what the library holds
        show_error(self.widget, error)


def _position(stack: QUndoStack, command: _EditCommand) -> int | None:
    return next((i for i in range(stack.count()) if stack.command(i) is command), None)


def _obsolete() -> QUndoCommand:
    """Return a command QUndoStack.push drops at once, after dropping the commands that could be redone."""
    command = QUndoCommand()
    command.setObsolete(True)
    return command
