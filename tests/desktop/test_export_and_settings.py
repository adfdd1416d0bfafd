"""Export every format core offers (one and many conversations, with options) and the settings round trip."""

from __future__ import annotations

import json
import zipfile

import pytest
from PySide6.QtCore import Qt

from desktop_helpers import store, wait_ops


def _export_dialog(qtbot, window, ids):
    from desktop.export_dialog import ExportDialog

    view = window.library_view
    qtbot.waitUntil(lambda: set(ids) <= set(view.conversation_ids()))
    view.table.clearSelection()
    for cid in ids:
        for i in range(view.table.topLevelItemCount()):
            item = view.table.topLevelItem(i)
            if item.data(0, Qt.ItemDataRole.UserRole) == cid:
                item.setSelected(True)
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    [dialog] = [d for d in window.findChildren(ExportDialog, "exportDialog") if d.isVisible()]
    return dialog


def _run(qtbot, dialog):
    with qtbot.waitSignal(dialog.exported, timeout=30_000) as signal:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    return signal.args[0]


def test_every_format_exports_from_the_dialog(qtbot, window, services, two_speaker_sample, sample_wav, tmp_path):
    from core.export import FORMATS

    cid = store(services, two_speaker_sample, sample_wav, title="Quarterly review")
    services.changes.library_changed.emit()
    last = None
    for name, exporter in FORMATS.items():
        dialog = _export_dialog(qtbot, window, [cid])
        assert dialog.format_box.count() == len(FORMATS)
        if last is not None:  # the last export's format and folder come first (it was always the first format, in Documents)
            assert dialog.fmt() == last and dialog.destination.text() == str(tmp_path / f"Quarterly-review{FORMATS[last].extension}")
        last = name
        dialog.set_format(name)
        assert dialog.destination.text().endswith(exporter.extension)
        target = tmp_path / f"out-{name}{exporter.extension}"
        dialog.destination.setText(str(target))
        [written] = _run(qtbot, dialog)
        assert written == target and target.stat().st_size > 100, name
        if exporter.extension == ".json":
            json.loads(target.read_text(encoding="utf-8"))
        elif exporter.extension == ".docx":
            assert "word/document.xml" in zipfile.ZipFile(target).namelist()
        else:
            assert "Guest-1" in target.read_text(encoding="utf-8"), name


def test_options_and_many_conversations(qtbot, window, services, two_speaker_sample, sample_wav, tmp_path):
    first = store(services, two_speaker_sample, sample_wav, title="Alpha")
    second = store(services, two_speaker_sample, None, title="Beta")
    services.changes.library_changed.emit()

    dialog = _export_dialog(qtbot, window, [first])
    dialog.set_format("txt")
    dialog.form.set_value("speakers", False)
    dialog.form.set_value("timestamps", False)
    dialog.form.set_value("text_form", "lexical")
    target = tmp_path / "alpha.txt"
    dialog.destination.setText(str(target))
    _run(qtbot, dialog)
    text = target.read_text(encoding="utf-8")
    assert "Guest-" not in text and ":" not in text
    assert text == text.lower() and "," not in text  # the lexical form: no capitals, no punctuation

    dialog = _export_dialog(qtbot, window, [first, second])
    dialog.set_format("srt")
    folder = tmp_path / "subtitles"
    dialog.destination.setText(str(folder))
    written = _run(qtbot, dialog)
    assert sorted(p.name.split("-")[0] for p in written) == ["Alpha", "Beta"]
    assert all(p.parent == folder and p.suffix == ".srt" and p.read_text().startswith("1\n") for p in written)

    from dataclasses import replace

    dialog = _export_dialog(qtbot, window, [first])
    assert dialog.form.options().profanity == "Masked"
    dialog.reject()
    services.use_settings(replace(services.settings, profanity="Tags", punctuation="Automatic"))
    dialog = _export_dialog(qtbot, window, [first])
    options = dialog.form.options()  # starts from how the settings show transcripts
    dialog.reject()
    assert (options.profanity, options.punctuation) == ("Tags", "Automatic")


def test_settings_round_trip_with_the_token_in_the_keyring_only(qtbot, window, services, memory_keyring, parley_home):
    from core.settings import load_settings, settings_path

    dialog = window.open_settings()
    qtbot.waitUntil(lambda: dialog.token_state.text() == "No token stored.")
    dialog.model.setCurrentIndex(dialog.model.findData("base"))
    dialog.language.setCurrentIndex(dialog.language.findData("fr"))
    dialog.device.setCurrentIndex(dialog.device.findData("cpu"))
    dialog.diarize.setChecked(True)
    dialog.num_speakers.setValue(3)
    dialog.silence.setValue(1200)
    dialog.profanity.setCurrentIndex(dialog.profanity.findData("Tags"))
    dialog.live_mode.setCurrentIndex(dialog.live_mode.findData("RealTime"))
    dialog.token.setText("hf_secret_token_123")
    with qtbot.waitSignal(services.changes.settings_changed, timeout=10_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    saved = load_settings()
    assert (saved.model, saved.language, saved.device, saved.num_speakers) == ("base", "fr", "cpu", 3)
    assert (saved.end_of_phrase_silence_ms, saved.profanity, saved.live_mode) == (1200, "Tags", "RealTime")
    assert services.settings == saved
    assert memory_keyring.secrets == {("parley", "huggingface"): "hf_secret_token_123"}
    assert "hf_secret" not in settings_path().read_text()
    library_bytes = b"".join(p.read_bytes() for p in parley_home.glob("library.sqlite3*"))
    assert b"hf_secret" not in library_bytes
    assert window.record_view.live_options().end_of_phrase_silence_ms == 1200

    dialog = window.open_settings()
    qtbot.waitUntil(lambda: dialog.token_state.text() == "A token is stored in the keyring.")
    assert dialog.token.text() == ""  # never shown back
    assert dialog.model.currentData() == "base" and dialog.num_speakers.value() == 3
    qtbot.mouseClick(dialog.forget_token, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert memory_keyring.secrets == {}
    wait_ops(qtbot, services)


def test_the_recording_mode_is_one_setting_in_the_dialog_and_the_record_view(qtbot, window, services):
    from core.settings import load_settings

    record = window.record_view
    assert record.mode_box.currentData() == services.settings.live_mode == "RealTimeAndAsync"
    dialog = window.open_settings()
    dialog.live_mode.setCurrentIndex(dialog.live_mode.findData("RealTime"))
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert record.mode_box.currentData() == "RealTime"  # the Record view follows the dialog
    assert record.live_options().mode == "RealTime"

    window.show_page("Record")
    choice = record.mode_box.findData("RealTimeAndAsync")
    record.mode_box.setCurrentIndex(choice)  # the user picks the other mode in the Record view
    with qtbot.waitSignal(services.changes.settings_changed, timeout=10_000):
        record.mode_box.activated.emit(choice)
    assert services.settings.live_mode == "RealTimeAndAsync"  # every view uses it at once
    wait_ops(qtbot, services)
    assert load_settings().live_mode == "RealTimeAndAsync"  # and it is saved
    dialog = window.open_settings()
    assert dialog.live_mode.currentData() == "RealTimeAndAsync"  # and the dialog shows it
    dialog.reject()
    wait_ops(qtbot, services)


def test_a_bad_setting_is_refused_in_the_dialog(qtbot, window, services):
    dialog = window.open_settings()
    dialog.diarize.setChecked(True)
    dialog.min_speakers.setValue(4)
    dialog.max_speakers.setValue(2)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "minimum number of speakers is larger" in dialog.error.text()
    assert dialog.isVisible()
    dialog.reject()


def test_a_model_chosen_while_record_shows_is_loaded_before_record_is_pressed(qtbot, window, services):
    record = window.record_view
    window.show_page("Record")
    qtbot.waitUntil(lambda: record.engine_ready, timeout=120_000)
    dialog = window.open_settings()
    dialog.model.setCurrentIndex(dialog.model.findData("base"))
    with qtbot.waitSignal(services.changes.settings_changed, timeout=10_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not record.engine_ready  # loading the newly chosen model began at once, not when Record is pressed
    qtbot.waitUntil(lambda: record.engine_ready, timeout=120_000)
    assert record.status.text() != "Loading the speech models…" and record.live_options().model == "base"
    assert record._prepared[0] == "base"  # what was loaded is what the next recording uses
    wait_ops(qtbot, services)


def test_the_record_view_is_ready_once_the_last_chosen_model_is_loaded_not_an_earlier_one(qtbot, window, services,
                                                                                           monkeypatch):
    import threading

    import desktop.record_view

    loading = {"tiny.en": threading.Event(), "base": threading.Event()}
    # each model's load ends when the test says so: the earlier one ends while the later one still loads
    monkeypatch.setattr(desktop.record_view, "prepare_engine", lambda options: loading[options.model].wait(60))
    record = window.record_view
    window.show_page("Record")
    assert not record.engine_ready and services.ops.pending == 1
    dialog = window.open_settings()
    dialog.model.setCurrentIndex(dialog.model.findData("base"))
    with qtbot.waitSignal(services.changes.settings_changed, timeout=10_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: services.ops.pending == 2, timeout=10_000)  # tiny.en still loading, base too
    loading["tiny.en"].set()
    qtbot.waitUntil(lambda: services.ops.pending == 1, timeout=10_000)
    assert not record.engine_ready and record.status.text() == "Loading the speech models…"  # base is not loaded yet
    loading["base"].set()
    qtbot.waitUntil(lambda: record.engine_ready, timeout=10_000)
    assert record.status.text() == "" and record._prepared[0] == "base"
    wait_ops(qtbot, services)


def test_two_settings_changed_at_once_are_both_saved(qtbot, window, services):
    from core.settings import load_settings

    record = window.record_view
    assert services.settings.live_mode == "RealTimeAndAsync" and services.settings.input_device != "Desk microphone"
    services.change_settings(live_mode="RealTime")  # the mode box, then Record pressed before that save is written
    services.change_settings(input_device="Desk microphone")
    assert (services.settings.live_mode, services.settings.input_device) == ("RealTime", "Desk microphone")
    wait_ops(qtbot, services)
    saved = load_settings()
    assert (saved.live_mode, saved.input_device) == ("RealTime", "Desk microphone")
    assert record.mode_box.currentData() == "RealTime"


def test_view_larger_text_sizes_the_transcript_and_captions_and_is_kept(qtbot, qapp, window, services):
    """View ▸ Larger text (Ctrl++) for captions read across a room, kept for the next start; Ctrl+0 back to normal."""
    from core.settings import load_settings
    from desktop.app import build_window

    transcript, captions = window.conversation_view.transcript, window.record_view.captions
    normal = (transcript.font().pointSizeF(), captions.font().pointSizeF())
    assert normal[0] > 0 and not window.normal_text_action.isEnabled()
    window.larger_action.trigger()
    window.larger_action.trigger()
    assert services.settings.text_scale == 125
    assert transcript.font().pointSizeF() == pytest.approx(normal[0] * 1.25, abs=0.06)
    assert captions.font().pointSizeF() == pytest.approx(normal[1] * 1.25, abs=0.06)
    assert transcript.document().defaultFont().pointSizeF() == pytest.approx(normal[0] * 1.25, abs=0.06)  # what is drawn
    wait_ops(qtbot, services)
    assert load_settings().text_scale == 125

    services.settings = load_settings()  # the next start, as desktop.app reads them
    again = build_window(services)
    qtbot.addWidget(again)
    assert again.conversation_view.transcript.font().pointSizeF() == pytest.approx(normal[0] * 1.25, abs=0.06)

    window.normal_text_action.trigger()
    assert transcript.font().pointSizeF() == pytest.approx(normal[0]) and services.settings.text_scale == 100
    for _ in range(20):
        window.smaller_action.trigger()
    assert services.settings.text_scale == 50 and not window.smaller_action.isEnabled()
    assert captions.font().pointSizeF() == pytest.approx(normal[1] / 2, abs=0.06)
    wait_ops(qtbot, services)
    assert load_settings().text_scale == 50


def _contrast(a, b) -> float:
    """Return the WCAG contrast ratio of two QColors."""
    def luminance(colour) -> float:
        channels = [c / 255 for c in (colour.red(), colour.green(), colour.blue())]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_menus_stay_readable_on_a_desktop_in_dark_mode(qapp):
    """The style sheet writes dark ink on every widget; a dark desktop palette drew menus dark grey under it (1.2:1)."""
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QMenu

    from desktop.app import application

    before = qapp.palette()
    dark = QPalette()
    for role, colour in (("Window", "#202124"), ("WindowText", "#e8eaed"), ("Base", "#181818"), ("Text", "#e8eaed"),
                         ("Button", "#303134"), ("ButtonText", "#e8eaed"), ("ToolTipBase", "#303134")):
        dark.setColor(QPalette.ColorRole[role], QColor(colour))
    qapp.setPalette(dark)  # what a desktop in dark mode hands Qt
    try:
        application()
        menu = QMenu()
        menu.addAction("Stop and save")
        menu.ensurePolished()
        ink = QColor("#1f2937")  # the style sheet's text colour
        assert _contrast(menu.palette().color(QPalette.ColorRole.Window), ink) >= 4.5
        assert _contrast(menu.palette().color(QPalette.ColorRole.Base), menu.palette().color(QPalette.ColorRole.Text)) >= 4.5
        assert _contrast(qapp.palette().color(QPalette.ColorRole.ToolTipBase), qapp.palette().color(QPalette.ColorRole.ToolTipText)) >= 4.5
    finally:
        qapp.setStyleSheet("")
        qapp.setPalette(before)


def test_every_speaker_colour_and_the_provisional_grey_read_on_white_and_no_two_speakers_look_alike():
    from PySide6.QtGui import QColor

    from desktop.captions import TENTATIVE
    from desktop.speaker_colors import speaker_color

    white = QColor("#ffffff")
    colours = [speaker_color(n) for n in range(1, 13)]
    assert all(_contrast(c, white) >= 4.5 for c in colours + [QColor(TENTATIVE)])  # WCAG AA for text
    assert len({c.name() for c in colours}) == 12
    # no two alike: CIELAB distance over 20 (Guest-3 and Guest-9 were 2.6 apart, Guest-1 and Guest-10 8.8)
    for i, a in enumerate(colours):
        for b in colours[i + 1:]:
            assert _lab_distance(a, b) > 20, (a.name(), b.name())


def _lab_distance(a, b) -> float:
    """Return the CIE76 distance of two QColors (sRGB, D65)."""
    def lab(colour):
        r, g, b = ((c / 255 / 12.92) if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4
                   for c in (colour.red(), colour.green(), colour.blue()))
        x, y, z = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, 0.2126 * r + 0.7152 * g + 0.0722 * b, \
            (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883
        fx, fy, fz = (t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in (x, y, z))
        return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)

    return sum((p - q) ** 2 for p, q in zip(lab(a), lab(b))) ** 0.5
