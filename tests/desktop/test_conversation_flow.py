"""The conversation view: playback with click-to-seek, speakers (rename, merge, reassign), text edits, passes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QInputDialog

from core.store.edits import CorrectText
from desktop_helpers import store, wait_ops, words_of


def _open(qtbot, window, cid):
    window.open_conversation(cid)
    view = window.conversation_view
    qtbot.waitUntil(lambda: view.data is not None and view.conversation_id == cid)
    return view


def _menu_action(qtbot, view, utterance, text: str):
    """Open the transcript's context menu on an utterance and return the action whose text starts with `text`."""
    span = next(s for s in view.transcript.utterance_spans if s.result_id == utterance.result_id)
    point = view.transcript.point_of(span.start + 1)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point, view.transcript.viewport().mapToGlobal(point))
    QApplication.sendEvent(view.transcript.viewport(), event)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None)
    menu = QApplication.activePopupWidget()
    actions = [a for a in menu.actions()] + [a for m in menu.findChildren(type(menu)) for a in m.actions()]
    return menu, next(a for a in actions if a.text().startswith(text))


def test_a_skip_asked_while_the_recording_loads_starts_from_the_seek_asked_before(qtbot, sample_wav):
    from desktop.player import PlayerBar

    player = PlayerBar()
    qtbot.addWidget(player)
    player.load(sample_wav)
    player.seek(12_000)  # a search hit opening the conversation at its moment
    assert not player.loaded and player.position == 12_000
    player.seek(player.position - 5_000)  # Back 5 s before the file is ready
    qtbot.waitUntil(lambda: player.loaded and player.player.position() == 7_000, timeout=20_000)


def test_play_highlights_the_spoken_word_and_a_click_seeks(qtbot, window, services, two_speaker_sample, sample_wav):
    cid = store(services, two_speaker_sample, sample_wav)
    view = _open(qtbot, window, cid)
    transcript, player = view.transcript, view.player
    assert [s.offset_ms for s in transcript.utterance_spans] == [u.offset_ms for u in two_speaker_sample.ordered()]
    qtbot.waitUntil(lambda: player.loaded and player.player.duration() == 30_000, timeout=20_000)

    words = words_of(two_speaker_sample)
    starts = [w.offset_ms for w in words]
    target = next(w for w in words if w.offset_ms > 12_000 and len(w.text.strip()) > 3 and starts.count(w.offset_ms) == 1)
    span = next(s for s in transcript.word_spans if s.offset_ms == target.offset_ms)
    qtbot.mouseClick(transcript.viewport(), Qt.MouseButton.LeftButton, pos=transcript.point_of(span.start + 1))
    qtbot.waitUntil(lambda: player.position == target.offset_ms, timeout=20_000)
    assert transcript.current_word == span
    assert player.slider.value() == target.offset_ms

    window.play_action.trigger()  # the Space shortcut's action
    qtbot.waitUntil(lambda: player.playing, timeout=20_000)
    qtbot.waitUntil(lambda: player.position > target.end_ms + 300, timeout=10_000)
    spoken = transcript.current_word
    qtbot.waitUntil(lambda: transcript.current_word is not None and transcript.current_word != span, timeout=10_000)
    spoken = transcript.current_word
    assert spoken.offset_ms > target.offset_ms
    assert transcript.extraSelections()[-1].cursor.selectionStart() == spoken.start
    window.play_action.trigger()
    qtbot.waitUntil(lambda: not player.playing)

    player.speed.setCurrentIndex(player.speed.findData(1.5))
    assert player.player.playbackRate() == 1.5

    # Ctrl+Left hears the last 5 s again, Ctrl+Right skips on, both within the recording (the transcript has the focus)
    view.seek(12_000)
    qtbot.waitUntil(lambda: player.position == 12_000)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    transcript.setFocus()
    qtbot.keyClick(transcript, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: player.position == 7_000)
    assert "0:07" in player.time.text()
    for _ in range(2):
        window.back_action.trigger()
    qtbot.waitUntil(lambda: player.position == 0)
    view.seek(27_000)
    qtbot.keyClick(transcript, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: player.position == 30_000)


def test_renamed_speaker_shows_everywhere_and_in_exports(qtbot, window, services, two_speaker_sample, sample_wav, monkeypatch, tmp_path):
    cid = store(services, two_speaker_sample, sample_wav, title="Call")
    view = _open(qtbot, window, cid)
    assert view.speakers.numbers() == [1, 2]
    view.speakers.select(1)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Alice", True))
    qtbot.mouseClick(view.speakers.rename_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.data.conversation.speaker_label(1) == "Alice")
    assert "Alice" in view.transcript.toPlainText()
    assert view.speakers.list.item(0).text().startswith("Alice")
    assert "Guest-2" in view.transcript.toPlainText()

    target = tmp_path / "call.txt"
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    from desktop.export_dialog import ExportDialog

    dialog = window.findChild(ExportDialog, "exportDialog")
    dialog.set_format("txt")
    dialog.destination.setText(str(target))
    with qtbot.waitSignal(dialog.exported, timeout=20_000):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    text = target.read_text(encoding="utf-8")
    first = two_speaker_sample.ordered()[0]
    assert "Alice" in text and "Guest-2" in text and "Guest-1" not in text
    assert (first.speaker == 1) == text.splitlines()[0].count("Alice") > 0


def test_merge_reassign_and_edit_text(qtbot, window, services, two_speaker_sample, sample_wav, monkeypatch):
    cid = store(services, two_speaker_sample, sample_wav)
    view = _open(qtbot, window, cid)
    ordered = two_speaker_sample.ordered()
    utterance = next(u for u in ordered if u.speaker == 1)

    menu, action = _menu_action(qtbot, view, utterance, "Said by")
    menu.close()
    menu, action = _menu_action(qtbot, view, utterance, "Guest-2")
    action.trigger()
    menu.close()
    qtbot.waitUntil(lambda: view.transcript.utterance(utterance.result_id).speaker == 2)

    monkeypatch.setattr(QInputDialog, "getMultiLineText", lambda *a, **k: ("We meet on Tuesday at noon.", True))
    menu, action = _menu_action(qtbot, view, utterance, "Edit text")
    action.trigger()
    menu.close()
    qtbot.waitUntil(lambda: view.transcript.utterance(utterance.result_id).display == "We meet on Tuesday at noon.")
    assert "We meet on Tuesday at noon." in view.transcript.toPlainText()
    hits = services.ops.call_library(lambda lib: lib.search("Tuesday noon"))
    assert [h.result_id for h in hits] == [utterance.result_id]

    view.speakers.select(2)
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("Guest-1", True))
    qtbot.mouseClick(view.speakers.merge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.speakers.numbers() == [1])
    assert {u.speaker for u in view.data.conversation.utterances} == {1}


def test_a_phrase_is_deleted_from_the_transcript_its_exports_and_search_and_undo_brings_it_back(
        qtbot, window, services, two_speaker_sample, sample_wav):
    """There was no way to delete a phrase (one whisper heard in a silence, a remark not for the minutes): the text
    could be corrected, never emptied."""
    import io

    from core.export import write_conversation
    from desktop.speaker_colors import format_time

    cid = store(services, two_speaker_sample, sample_wav)
    view = _open(qtbot, window, cid)
    phrase = two_speaker_sample.ordered()[3]
    words = phrase.display.rstrip(".?!").split()[-2:]
    assert services.ops.call_library(lambda lib: lib.search(" ".join(words)))
    menu, action = _menu_action(qtbot, view, phrase, "Delete phrase")
    action.trigger()
    menu.close()
    qtbot.waitUntil(lambda: view.transcript.utterance(phrase.result_id) is None)
    assert len(view.data.conversation.utterances) == len(two_speaker_sample.utterances) - 1
    assert view.history.undo_action.text() == f"&Undo Delete the phrase at {format_time(phrase.offset_ms)}"
    stored = services.ops.call_library(lambda lib: lib.get_conversation(cid))
    assert phrase.result_id not in {u.result_id for u in stored.utterances}
    out = io.StringIO()
    write_conversation(stored, "srt", out)
    srt = out.getvalue()
    assert phrase.display not in srt and two_speaker_sample.ordered()[4].display in srt
    assert not [h for h in services.ops.call_library(lambda lib: lib.search(" ".join(words))) if h.result_id == phrase.result_id]

    view.history.undo_action.trigger()
    qtbot.waitUntil(lambda: view.transcript.utterance(phrase.result_id) is not None)
    assert view.transcript.utterance(phrase.result_id).display == phrase.display
    assert phrase.result_id in {u.result_id for u in services.ops.call_library(lambda lib: lib.get_conversation(cid)).utterances}


def _shown(view):
    """Return what the view shows of its conversation: its speakers, and each phrase's speaker and text."""
    return view.speakers.numbers(), [(u.result_id, u.speaker, u.display) for u in view.data.conversation.utterances]


def test_edits_are_undone_and_redone_with_ctrl_z_and_only_in_the_conversation(qtbot, window, services, two_speaker_sample,
                                                                               sample_wav, monkeypatch):
    cid = store(services, two_speaker_sample, sample_wav)
    view = _open(qtbot, window, cid)
    history = view.history
    assert not history.undo_action.isEnabled()
    start = _shown(view)
    utterance = next(u for u in two_speaker_sample.ordered() if u.speaker == 1)

    monkeypatch.setattr(QInputDialog, "getMultiLineText", lambda *a, **k: ("We meet on Tuesday at noon.", True))
    menu, action = _menu_action(qtbot, view, utterance, "Edit text")
    action.trigger()
    menu.close()
    qtbot.waitUntil(lambda: view.transcript.utterance(utterance.result_id).display == "We meet on Tuesday at noon.")
    edited = _shown(view)
    view.speakers.select(2)
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("Guest-1", True))
    qtbot.mouseClick(view.speakers.merge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.speakers.numbers() == [1])
    assert history.undo_action.text() == "&Undo Merge Guest-2 into Guest-1"

    window.activateWindow()  # from the closed context menu
    qtbot.waitUntil(window.isActiveWindow)
    view.transcript.setFocus()
    qtbot.keyClick(view.transcript, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _shown(view) == edited)
    assert history.undo_action.text().startswith("&Undo Edit the text at ")
    qtbot.keyClick(view.transcript, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _shown(view) == start)
    assert not history.undo_action.isEnabled()
    assert services.ops.call_library(lambda lib: lib.search("Tuesday noon")) == []  # the library itself, not only the view

    qtbot.keyClick(view.transcript, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: _shown(view) == edited)
    assert [h.result_id for h in services.ops.call_library(lambda lib: lib.search("Tuesday noon"))] == [utterance.result_id]

    edit_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    assert history.undo_action in edit_menu.actions() and history.redo_action.isEnabled()
    window.show_page("Library")  # Undo has nothing to act on off the conversation
    assert not history.undo_action.isEnabled() and not history.redo_action.isEnabled()
    _open(qtbot, window, cid)  # back to it: its history is still there
    assert history.undo_action.isEnabled() and history.undo_action.text().startswith("&Undo Edit the text at ")


def test_an_undo_the_library_refuses_says_why_and_forgets_that_history(qtbot, window, services, two_speaker_sample,
                                                                         sample_wav, monkeypatch):
    cid = store(services, two_speaker_sample, sample_wav)
    view = _open(qtbot, window, cid)
    view.speakers.select(1)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Alice", True))
    qtbot.mouseClick(view.speakers.rename_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.history.undo_action.isEnabled())
    assert view.history.undo_action.text() == "&Undo Rename Guest-1 to Alice"
    services.ops.call_library(lambda lib: lib.rename_speaker(cid, 1, "Alicia"))  # the command line, meanwhile

    view.history.undo_action.trigger()
    qtbot.waitUntil(lambda: any(w.objectName() == "errorDialog" and w.isVisible() for w in QApplication.topLevelWidgets()))
    box = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "errorDialog" and w.isVisible())
    assert box.windowTitle() == "That change cannot be taken back"
    assert box.text() == "“Rename Guest-1 to Alice” cannot be undone: speaker 1 was renamed since."
    box.close()
    assert not view.history.undo_action.isEnabled() and not view.history.redo_action.isEnabled()
    assert services.ops.call_library(lambda lib: lib.get_conversation(cid).speakers[1].name) == "Alicia"
    qtbot.waitUntil(lambda: view.data.conversation.speaker_label(1) == "Alicia")  # the view shows what is stored


def _rename(qtbot, monkeypatch, view, number, name):
    view.speakers.select(number)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (name, True))
    qtbot.mouseClick(view.speakers.rename_button, Qt.MouseButton.LeftButton)


def _names(services, cid):
    return {n: s.name for n, s in services.ops.call_library(lambda lib: lib.get_conversation(cid)).speakers.items()}


def _close_error_boxes():
    boxes = [w for w in QApplication.topLevelWidgets() if w.objectName() == "errorDialog" and w.isVisible()]
    for box in boxes:
        box.close()
    return [box.text() for box in boxes]


def test_ctrl_z_pressed_before_an_edit_is_stored_takes_back_that_edit(qtbot, window, services, two_speaker_sample, monkeypatch):
    import threading

    cid = store(services, two_speaker_sample, None)
    view = _open(qtbot, window, cid)
    _rename(qtbot, monkeypatch, view, 1, "Alice")
    wait_ops(qtbot, services)
    busy = threading.Event()
    services.ops.library_op(lambda lib: busy.wait(10)).run()  # the library thread is busy (a big meeting reloading)
    _rename(qtbot, monkeypatch, view, 2, "Bob")
    assert view.history.undo_action.text() == "&Undo Rename Guest-2 to Bob"  # at once, not once it is stored
    view.history.undo_action.trigger()
    busy.set()
    wait_ops(qtbot, services)
    assert _names(services, cid) == {1: "Alice", 2: None}
    view.history.redo_action.trigger()
    wait_ops(qtbot, services)
    assert _names(services, cid) == {1: "Alice", 2: "Bob"}


def test_undos_asked_after_a_refused_one_are_not_made(qtbot, window, services, two_speaker_sample, monkeypatch):
    cid = store(services, two_speaker_sample, None)
    view = _open(qtbot, window, cid)
    _rename(qtbot, monkeypatch, view, 1, "Alice")
    _rename(qtbot, monkeypatch, view, 2, "Bob")
    wait_ops(qtbot, services)
    services.ops.call_library(lambda lib: lib.rename_speaker(cid, 2, "Robert"))  # the command line, meanwhile
    view.history.undo_action.trigger()  # refused
    view.history.undo_action.trigger()  # asked before the refusal was heard: not made either
    wait_ops(qtbot, services)
    assert _close_error_boxes() == ["“Rename Guest-2 to Bob” cannot be undone: speaker 2 was renamed since."]
    assert _names(services, cid) == {1: "Alice", 2: "Robert"}


def test_a_failed_undo_keeps_the_history_to_try_again(qtbot, window, services, two_speaker_sample, monkeypatch):
    from core.errors import StoreError
    from core.store import Library

    cid = store(services, two_speaker_sample, None)
    view = _open(qtbot, window, cid)
    for name in ("Ann", "Anna", "Annie"):
        _rename(qtbot, monkeypatch, view, 1, name)
        wait_ops(qtbot, services)
    real = Library.undo_edit
    calls = []

    def busy_once(self, edit):
        calls.append(edit.description)
        if len(calls) == 1:
            raise StoreError("The library is busy.")
        return real(self, edit)

    monkeypatch.setattr(Library, "undo_edit", busy_once)
    view.history.undo_action.trigger()
    view.history.undo_action.trigger()  # asked before the failure was heard: not made
    wait_ops(qtbot, services)
    assert _close_error_boxes() == ["The library is busy."]
    assert calls == ["Rename Anna to Annie"] and _names(services, cid)[1] == "Annie"
    stack = view.history.group.activeStack()
    assert (stack.count(), stack.index()) == (3, 3) and view.history.undo_action.text() == "&Undo Rename Anna to Annie"
    for _ in range(2):
        view.history.undo_action.trigger()
    wait_ops(qtbot, services)
    assert _names(services, cid)[1] == "Ann"


def test_quick_undos_and_redos_and_a_deleted_conversation(qtbot, window, services, two_speaker_sample, monkeypatch):
    cid = store(services, two_speaker_sample, None)
    view = _open(qtbot, window, cid)
    for name in ("A1", "A2", "A3", "A4"):
        _rename(qtbot, monkeypatch, view, 1, name)
    view.speakers.select(2)
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("A4", True))
    qtbot.mouseClick(view.speakers.merge_button, Qt.MouseButton.LeftButton)
    for _ in range(5):
        view.history.undo_action.trigger()
    for _ in range(3):
        view.history.redo_action.trigger()
    wait_ops(qtbot, services)
    assert _names(services, cid) == {1: "A3", 2: None}
    assert view.history.has_history(cid)
    services.ops.library_op(lambda lib: lib.delete_conversation(cid)).changes().run()
    wait_ops(qtbot, services)
    assert not view.history.has_history(cid) and not view.history.undo_action.isEnabled()


def test_switch_between_the_live_and_the_better_pass(qtbot, window, services, two_speaker_sample, sample_conversation, sample_wav):
    cid = store(services, two_speaker_sample, sample_wav)
    services.ops.call_library(lambda lib: lib.add_pass(cid, sample_conversation.utterances[:3], kind="async", model="tiny.en"))
    view = _open(qtbot, window, cid)
    assert view.pass_box.count() == 2 and view.pass_box.isEnabled()
    assert view.pass_box.currentText().startswith("Better transcript")
    assert len(view.transcript.utterance_spans) == 3
    live = view.pass_box.findText("Live captions", Qt.MatchFlag.MatchStartsWith)
    view.pass_box.setCurrentIndex(live)
    view.pass_box.activated.emit(live)
    qtbot.waitUntil(lambda: len(view.transcript.utterance_spans) == len(two_speaker_sample.utterances))
    assert view.pass_box.currentText().startswith("Live captions")
    passes = services.ops.call_library(lambda lib: lib.passes(cid))
    assert [p.kind for p in passes if p.is_current] == ["realtime"]
    wait_ops(qtbot, services)


@pytest.fixture
def app_style(qapp):
    """Give the application Parley's own style sheet (as desktop.app does) for one test."""
    from desktop.app import style_sheet

    qapp.setStyleSheet(style_sheet())
    yield
    qapp.setStyleSheet("")


def test_the_transcript_version_is_readable_at_the_default_window_size(qtbot, app_style, window, services, two_speaker_sample, sample_wav):
    from core.jobs.queue import TranscriptionQueue

    cid = store(services, two_speaker_sample, sample_wav, title="Recording 2026-11-22 04:39")
    services.ops.call_library(lambda lib: TranscriptionQueue(lib).enqueue(cid, services.job_options()))
    view = _open(qtbot, window, cid)
    assert window.size().width() == 1100
    assert "better transcript queued" in view.details.text()
    label = view.pass_box.currentText()
    assert label.startswith("Live captions (tiny.en, ") and label.endswith(")")
    qtbot.waitUntil(lambda: view.pass_box.isVisible())
    # the whole label fits in the box: nothing is cut to "Live capt"
    assert view.pass_box.width() >= view.pass_box.sizeHint().width()
    assert view.pass_box.width() > view.pass_box.fontMetrics().horizontalAdvance(label)
    # the buttons beside it stay whole too, and the header still fits the window
    for button in (view.retranscribe_button, view.export_button):
        assert button.width() >= button.sizeHint().width()
    assert view.export_button.geometry().right() <= view.width()
    wait_ops(qtbot, services)


def test_a_long_title_reads_on_one_line_and_the_window_narrows_as_on_the_other_pages(qtbot, app_style, window, services,
                                                                                     two_speaker_sample, sample_wav):
    """Beside the controls, the title had the room they left: "Weekly planning with the Chicago and New Jersey teams"
    was a column of one or two words a line (7 lines), and the version chooser, as wide as its longest label, kept the
    window at least 934 px wide on this page."""
    cid = store(services, two_speaker_sample, sample_wav, title="Weekly planning with the Chicago and New Jersey teams")
    view = _open(qtbot, window, cid)
    qtbot.waitUntil(lambda: view.title.isVisible())
    assert view.title.width() >= view.width() - 40  # the whole width is the title's
    assert view.title.height() < 2 * view.title.fontMetrics().height() * 1.6  # one line of its 16 pt text
    window.resize(740, 600)
    qtbot.waitUntil(lambda: window.width() <= 760)
    assert view.export_button.geometry().right() <= view.width()
    assert view.pass_box.toolTip() == view.pass_box.currentText()  # read whole where the box is cut
    wait_ops(qtbot, services)


def test_the_profanity_setting_decides_how_the_transcript_and_search_show_swear_words(qtbot, window, services, two_speaker_sample,
                                                                                      sample_wav):
    """Settings said "Profanity: Masked" while the transcript and search results showed the words as heard."""
    from dataclasses import replace

    from core.text.forms import forms_from_display
    from desktop.html_delegate import HTML_ROLE

    from core.results import Word

    first, *rest = two_speaker_sample.ordered()
    words = [Word(text, first.offset_ms + 150 * n, 150, 0.9, first.speaker) for n, text in enumerate(("Oh", "shit,", "hello."))]
    swearing = replace(first, forms=forms_from_display("Oh shit, hello."), words=words)
    cid = store(services, replace(two_speaker_sample, utterances=[swearing, *rest]), sample_wav)
    view = _open(qtbot, window, cid)
    assert "Oh ****, hello." in view.transcript.toPlainText() and "shit" not in view.transcript.toPlainText()
    spans = [s for s in view.transcript.word_spans if s.result_id == first.result_id]
    masked = view.transcript.toPlainText()[spans[1].start:spans[1].end]
    assert len(spans) == 3 and masked == "****" and spans[1].offset_ms == first.offset_ms + 150  # a click on it seeks there
    library = window.library_view
    library.search_box.setText("shit")
    library.search_now()
    qtbot.waitUntil(lambda: library.hits.count() == 1 and "****" in library.hits.item(0).data(HTML_ROLE))
    assert "shit" not in library.hits.item(0).data(HTML_ROLE)

    services.use_settings(replace(services.settings, profanity="None"))  # as the Settings dialog does: both views follow
    qtbot.waitUntil(lambda: "Oh shit, hello." in view.transcript.toPlainText())
    qtbot.waitUntil(lambda: library.hits.count() == 1 and "shit" in library.hits.item(0).data(HTML_ROLE))
    assert services.ops.call_library(lambda lib: lib.get_conversation(cid)).ordered()[0].display == "Oh shit, hello."


def test_corrections_asked_while_a_step_fails_are_dropped_and_a_stale_one_alone(qtbot, window, services, two_speaker_sample,
                                                                               monkeypatch):
    import threading

    from core.errors import StoreError
    from core.store import Library
    from core.store.edits import MergeSpeakers

    cid = store(services, two_speaker_sample, None)
    view = _open(qtbot, window, cid)
    _rename(qtbot, monkeypatch, view, 1, "Alice")
    wait_ops(qtbot, services)
    _rename(qtbot, monkeypatch, view, 2, "Bob")
    wait_ops(qtbot, services)
    real = Library.undo_edit
    calls = []
    monkeypatch.setattr(Library, "undo_edit", lambda self, edit: calls.append(1) or (
        real(self, edit) if len(calls) > 1 else (_ for _ in ()).throw(StoreError("The library is busy."))))
    busy = threading.Event()
    services.ops.library_op(lambda lib: busy.wait(10)).run()
    view.history.undo_action.trigger()  # will fail
    view.history.redo_action.trigger()  # asked before the failure is heard: not made
    _rename(qtbot, monkeypatch, view, 1, "Wes")  # likewise
    busy.set()
    wait_ops(qtbot, services)
    assert _close_error_boxes() == ["The library is busy."]
    assert _names(services, cid) == {1: "Alice", 2: "Bob"}
    stack = view.history.group.activeStack()
    assert [stack.text(i) for i in range(stack.count())] == ["Rename Guest-1 to Alice", "Rename Guest-2 to Bob"]
    assert stack.index() == 2 and not view.history.redo_action.isEnabled()

    # a correction the library refuses (the view was stale: speaker 2 is merged already) goes alone
    view._edit(MergeSpeakers(1, 2), "Merge Bob into Alice")
    view._edit(MergeSpeakers(1, 2), "Merge Bob into Alice")
    wait_ops(qtbot, services)
    assert _close_error_boxes() == [f"Conversation {cid} has no speaker 2."]
    assert [stack.text(i) for i in range(stack.count())][-1] == "Merge Bob into Alice" and stack.count() == 3
    assert stack.index() == 3
    view.history.undo_action.trigger()
    wait_ops(qtbot, services)
    assert _names(services, cid) == {1: "Alice", 2: "Bob"}


def test_the_history_of_a_conversation_deleted_from_the_list_goes(qtbot, window, services, two_speaker_sample, monkeypatch):
    first = store(services, two_speaker_sample, None, title="First")
    second = store(services, two_speaker_sample, None, title="Second")
    view = _open(qtbot, window, first)
    _rename(qtbot, monkeypatch, view, 1, "Alice")
    wait_ops(qtbot, services)
    _open(qtbot, window, second)
    assert view.history.has_history(first) and not view.history.undo_action.isEnabled()
    services.ops.library_op(lambda lib: lib.delete_conversation(first)).changes().run()
    qtbot.waitUntil(lambda: not view.history.has_history(first))


def test_ctrl_f_finds_in_the_conversation_shown_and_f3_steps_through_it(qtbot, window, services, two_speaker_sample,
                                                                         sample_wav, monkeypatch):
    cid = store(services, two_speaker_sample, sample_wav)
    view = _open(qtbot, window, cid)
    transcript, bar = view.transcript, view.find_bar
    text = transcript.toPlainText()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    transcript.setFocus()
    qtbot.keyClick(transcript, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert bar.isVisible() and bar.field.hasFocus() and window.stack.currentWidget() is view  # not the library's search
    qtbot.keyClicks(bar.field, "new jersey")
    qtbot.waitUntil(lambda: bar.count.text() == "1 of 3")  # once typing pauses
    assert [text[a:b] for a, b in transcript.found] == ["New Jersey"] * 3
    marked = [(s.cursor.selectionStart(), s.cursor.selectionEnd()) for s in transcript.extraSelections()]
    assert marked == transcript.found

    qtbot.waitUntil(lambda: view.player.loaded, timeout=20_000)
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)  # the next one; playback moves there, as a click on it does
    assert bar.count.text() == "2 of 3"
    second = transcript.span_at(transcript.found[1][0])[0]
    assert second is not None and text[second.start:second.end].startswith("New")
    qtbot.waitUntil(lambda: view.player.position == second.offset_ms)
    assert transcript.current_word.offset_ms == second.offset_ms  # lit up as playback moved there
    qtbot.keyClick(bar.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)  # the previous one
    assert bar.count.text() == "1 of 3"
    window.find_previous_action.trigger()  # Shift+F3, round the start
    assert bar.count.text() == "3 of 3"
    window.find_next_action.trigger()  # F3
    assert bar.count.text() == "1 of 3"

    bar.field.setText("guest")  # the speaker headings are not what was said
    bar.flush()
    assert bar.count.text() == "not found" and not bar.next_button.isEnabled()
    bar.field.setText("chicago also")
    bar.flush()
    assert bar.count.text() == "1 of 1"

    # a correction while the bar is open: the places are found again, the current one kept
    bar.field.setText("new jersey")
    bar.flush()
    window.find_next_action.trigger()
    window.find_next_action.trigger()
    assert bar.count.text() == "3 of 3"
    first = next(u for u in two_speaker_sample.ordered() if "New Jersey" in u.display)
    view._edit(CorrectText(first.result_id, "This is Diane."), "Edit")
    qtbot.waitUntil(lambda: bar.count.text() == "2 of 2")

    transcript.setFocus()
    qtbot.keyClick(transcript, Qt.Key.Key_Escape)  # from the transcript as well as from the field
    assert not bar.isVisible() and transcript.found == []
    assert len(transcript.extraSelections()) <= 2  # only the word playback is at, and its phrase

    window.show_page("Record")  # elsewhere Ctrl+F is the search of every transcript
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is window.library_view and window.library_view.search_box.hasFocus()


def test_found_places_and_clicked_words_stay_right_after_an_emoji(qtbot, window, services, two_speaker_sample):
    """Qt counts a character past U+FFFF (🎵, an emoji) as two positions; Python as one."""
    from dataclasses import replace

    from core.results import Word
    from core.text.forms import forms_from_display

    first, *rest = two_speaker_sample.ordered()
    words = [Word(w, first.offset_ms + 300 * n, 300, 0.9, first.speaker) for n, w in enumerate(("🎵", "Budget", "talks", "🎉", "budget."))]
    sung = replace(first, forms=forms_from_display("🎵 Budget talks 🎉 budget."), words=words)
    follow = replace(first, result_id="follow", offset_ms=first.offset_ms + 1, forms=forms_from_display("Cuts were approved."), words=[])
    cid = store(services, replace(two_speaker_sample, utterances=[sung, follow, *rest]), None)
    view = _open(qtbot, window, cid)
    view.open_find()
    view.find_bar.field.setText("budget")
    view.find_bar.flush()
    cursor = view.transcript.textCursor()
    shown = []
    for start, end in view.transcript.found:
        cursor.setPosition(start)
        cursor.setPosition(end, cursor.MoveMode.KeepAnchor)
        shown.append(cursor.selectedText())
    assert shown == ["Budget", "budget"]
    view.find_bar.field.setText("budget. cuts were")  # on from one of the speaker's phrases into the next
    view.find_bar.flush()
    assert len(view.transcript.found) == 1
    cursor.setPosition(view.transcript.found[0][0])
    cursor.setPosition(view.transcript.found[0][1], cursor.MoveMode.KeepAnchor)
    assert cursor.selectedText() == "budget. Cuts were"
    spans = [s for s in view.transcript.word_spans if s.result_id == first.result_id]
    texts = []
    for span in spans:
        cursor.setPosition(span.start)
        cursor.setPosition(span.end, cursor.MoveMode.KeepAnchor)
        texts.append(cursor.selectedText())
    assert texts == ["Budget", "talks", "budget"]  # the emoji are not words to click


def _in_sight(transcript, result_id: str) -> bool:
    from PySide6.QtGui import QTextCursor

    span = next(s for s in transcript.utterance_spans if s.result_id == result_id)
    cursor = QTextCursor(transcript.document())
    cursor.setPosition(span.start)
    return transcript.viewport().rect().contains(transcript.cursorRect(cursor).center())


def test_an_undo_or_redo_shows_the_phrase_it_changed_in_its_transcript_version(qtbot, window, services, two_speaker_sample,
                                                                              sample_conversation):
    from dataclasses import replace

    def copy(u, k):  # the sample again, 30 s later
        return replace(u, result_id=f"{u.result_id}-{k}", offset_ms=u.offset_ms + 30_000 * k,
                       words=[replace(w, offset_ms=w.offset_ms + 30_000 * k) for w in u.words])

    meeting = replace(two_speaker_sample, duration_ms=240_000,
                      utterances=[copy(u, k) for k in range(8) for u in two_speaker_sample.ordered()])
    cid = store(services, meeting, None)
    view = _open(qtbot, window, cid)
    first = meeting.utterances[0]
    view._edit(CorrectText(first.result_id, "Good morning, everyone."), "Edit")
    qtbot.waitUntil(lambda: view.transcript.utterance(first.result_id).display == "Good morning, everyone.")
    services.ops.call_library(lambda lib: lib.add_pass(cid, sample_conversation.utterances, kind="async", model="base"))
    view.reload()
    qtbot.waitUntil(lambda: view.pass_box.currentText().startswith("Better transcript"))
    assert view.transcript.utterance(first.result_id) is None  # the corrected phrase is out of sight

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    view.transcript.setFocus()
    qtbot.keyClick(view.transcript, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.pass_box.currentText().startswith("Live captions"))  # the version it changed, shown again
    assert view.transcript.utterance(first.result_id).display == first.display
    assert [p.kind for p in services.ops.call_library(lambda lib: lib.passes(cid)) if p.is_current] == ["realtime"]
    assert _in_sight(view.transcript, first.result_id)

    bar = view.transcript.verticalScrollBar()
    bar.setValue(bar.maximum())  # read on to the end of the meeting
    assert bar.maximum() > 0 and not _in_sight(view.transcript, first.result_id)
    qtbot.keyClick(view.transcript, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: view.transcript.utterance(first.result_id).display == "Good morning, everyone.")
    assert _in_sight(view.transcript, first.result_id)  # brought back into view

    last = meeting.utterances[-1]
    view._edit(CorrectText(last.result_id, "See you next week."), "Edit")  # in sight already: the view stays where it is
    qtbot.waitUntil(lambda: view.transcript.utterance(last.result_id).display == "See you next week.")
    bar.setValue(bar.maximum())
    at = bar.value()
    qtbot.keyClick(view.transcript, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.transcript.utterance(last.result_id).display == last.display)
    # no jump to bring it to the middle (half the view): where it was, within two lines (less text, less to scroll)
    assert abs(bar.value() - min(at, bar.maximum())) <= 2 * view.transcript.fontMetrics().height()
    assert _in_sight(view.transcript, last.result_id)
    wait_ops(qtbot, services)


def test_find_in_a_swedish_conversation_tells_a_ring_from_an_a(qtbot, window, services, two_speaker_sample):
    from dataclasses import replace

    from core.text.forms import forms_from_display

    first = two_speaker_sample.ordered()[0]
    said = replace(first, forms=forms_from_display("Hon sa att det var så. Här har vi det."), words=[])
    cid = store(services, replace(two_speaker_sample, locale="sv-SE", utterances=[said]), None)
    view = _open(qtbot, window, cid)
    view.open_find()
    text = view.transcript.toPlainText()
    for query, found in (("sa", ["sa"]), ("så", ["så"]), ("har", ["har"]), ("här", ["Här"])):
        view.find_bar.field.setText(query)
        view.find_bar.flush()
        assert [text[a:b] for a, b in view.transcript.found] == found, query


def test_a_better_transcript_finished_after_a_correction_leaves_the_corrected_one_shown_and_says_so(
        qtbot, window, services, two_speaker_sample, sample_wav, monkeypatch):
    """The better transcript used to become the one shown when its job ended: the words the user had corrected in the
    live captions disappeared from view and from exports, without a word, and the first Ctrl+Z switched back."""
    from core.jobs.model import JobOptions
    from core.jobs.queue import TranscriptionQueue
    from core.jobs.worker import Worker

    cid = store(services, two_speaker_sample, sample_wav)
    services.ops.call_library(lambda lib: TranscriptionQueue(lib).enqueue(cid, JobOptions(model="tiny.en", diarize=False)))
    view = _open(qtbot, window, cid)
    window.jobs_view.refresh()
    qtbot.waitUntil(lambda: "better transcript queued" in view.details.text())
    utterance = two_speaker_sample.ordered()[2]
    monkeypatch.setattr(QInputDialog, "getMultiLineText", lambda *a, **k: ("We meet on Tuesday at noon.", True))
    menu, action = _menu_action(qtbot, view, utterance, "Edit text")
    action.trigger()
    menu.close()
    qtbot.waitUntil(lambda: view.transcript.utterance(utterance.result_id).display == "We meet on Tuesday at noon.")

    assert Worker(poll_interval=0.1).run(once=True) == 1
    window.jobs_view.refresh()  # the jobs list reads the queue; a finished job changes the library too
    qtbot.waitUntil(lambda: "a better transcript is ready" in view.details.text(), timeout=10_000)
    assert view.pass_box.count() == 2 and view.pass_box.currentText().startswith("Live captions")
    assert "We meet on Tuesday at noon." in view.transcript.toPlainText()
    passes = services.ops.call_library(lambda lib: lib.passes(cid))
    assert [(p.kind, p.is_current) for p in passes] == [("realtime", True), ("async", False)]
    wait_ops(qtbot, services)


def test_the_progress_of_a_running_job_shows_in_the_conversation_as_the_jobs_list_reads_it(
        qtbot, window, services, two_speaker_sample, sample_wav):
    """It showed the state read when the conversation was opened ("queued"), never "running 40%"."""
    from core.jobs.model import JobOptions
    from core.jobs.queue import TranscriptionQueue

    cid = store(services, two_speaker_sample, sample_wav)
    job = services.ops.call_library(lambda lib: TranscriptionQueue(lib).enqueue(cid, JobOptions(model="tiny.en")))
    view = _open(qtbot, window, cid)
    assert "better transcript queued" in view.details.text()

    def running(lib):
        queue = TranscriptionQueue(lib)
        queue.claim(worker_pid=None)
        queue.report(job.job_id, 40, "transcribe")

    services.ops.call_library(running)
    window.jobs_view.refresh()
    qtbot.waitUntil(lambda: "better transcript running 40%" in view.details.text(), timeout=10_000)
    # a live session pauses it: said so, and no time left is shown while nothing moves (the header kept the last one)
    from core.jobs.model import PAUSED_STEP

    services.ops.call_library(lambda lib: TranscriptionQueue(lib).report(job.job_id, 40, PAUSED_STEP))
    window.jobs_view.refresh()
    qtbot.waitUntil(lambda: "better transcript paused while recording 40%" in view.details.text(), timeout=10_000)
    assert " left" not in view.details.text()
    wait_ops(qtbot, services)


def test_quitting_while_a_better_transcript_is_made_asks_first_and_the_system_does_not(qtbot, window, services, two_speaker_sample,
                                                                                       sample_wav, monkeypatch):
    """Quitting stops the worker, and the job starts over at the next start: an hour's re-transcription was lost without a word."""
    from PySide6.QtWidgets import QMessageBox

    from core.jobs.model import JobOptions
    from core.jobs.queue import TranscriptionQueue

    cid = store(services, two_speaker_sample, sample_wav, title="Budget review")
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)
    window.close()  # queued, not running: nothing to lose
    assert asked == [] and not window.isVisible()
    window.show()

    def running(lib):
        queue = TranscriptionQueue(lib)
        job = queue.enqueue(cid, JobOptions(model="tiny.en"))
        queue.claim(worker_pid=None)
        queue.report(job.job_id, 62, "transcribe")

    services.ops.call_library(running)
    window.jobs_view.refresh()
    qtbot.waitUntil(lambda: any(j.state == "Running" for j in window.jobs_view.jobs), timeout=10_000)
    window.close()
    assert window.isVisible() and len(asked) == 1
    assert "“Budget review” is 62 % done" in asked[0] and "starts over" in asked[0]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
    window.close()
    assert not window.isVisible() and len(asked) == 2
    window.show()
    window.close_without_asking()  # logout, shutdown, kill: no question
    assert not window.isVisible() and len(asked) == 2
