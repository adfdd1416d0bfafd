"""Jobs: a re-transcription queued from the conversation view runs in the real worker process and
finishes; a running job can be canceled and retried."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop_helpers import store, wait_ops


@pytest.fixture
def services_with_worker(qapp, parley_home):
    """Return services with the real `parley worker` process running beside the window."""
    from desktop.app import create_services, shutdown

    services = create_services(start_worker=True)
    services.ops.call_library(lambda lib: lib.path, timeout=30)
    yield services
    shutdown(services)
    assert not services.worker.running


@pytest.fixture
def worker_window(qtbot, services_with_worker):
    from desktop.app import build_window

    window = build_window(services_with_worker)
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.fixture
def library_with_job(parley_home, sample_wav):
    """Return (queue, job id, report(progress, step, began_s_ago=None)) for a job claimed in a real library."""
    from datetime import datetime, timedelta, timezone

    from core.jobs.queue import TranscriptionQueue
    from core.store import Library
    from core.store.records import to_db_time
    from helpers.library import store_recording

    with Library.open() as library:
        queue = TranscriptionQueue(library)
        queue.enqueue(store_recording(library, sample_wav))
        job_id = queue.claim(4242).job_id

        def report(progress: int, step: str, began_s_ago: float | None = None) -> None:
            queue.report(job_id, progress, step)
            if began_s_ago is not None:
                with library.transaction() as db:
                    began = datetime.now(timezone.utc) - timedelta(seconds=began_s_ago)
                    db.execute("UPDATE jobs SET started = ? WHERE id = ?", [to_db_time(began), job_id])

        yield queue, job_id, report


def _job_state(window, job_id):
    job = window.jobs_view.job(job_id)
    return job.state if job else None


@pytest.mark.slow
def test_retranscription_runs_in_the_worker_and_cancel_and_retry(qtbot, worker_window, services_with_worker, sample_conversation, sample_wav):
    window, services = worker_window, services_with_worker
    cid = store(services, sample_conversation, sample_wav, title="Planning")
    window.open_conversation(cid)
    view = window.conversation_view
    qtbot.waitUntil(lambda: view.data is not None)
    assert view.pass_box.count() == 1

    qtbot.mouseClick(view.retranscribe_button, Qt.MouseButton.LeftButton)
    from desktop.retranscribe_dialog import RetranscribeDialog

    dialog = window.findChild(RetranscribeDialog, "retranscribeDialog")
    dialog.model.setCurrentIndex(dialog.model.findData("tiny.en"))
    dialog.diarize.setChecked(False)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.mouseClick(dialog.queue_button, Qt.MouseButton.LeftButton)
    job = dialog.job
    assert job.options.model == "tiny.en" and not job.options.diarize and job.mode == "Async"

    window.show_page("Jobs")
    jobs = window.jobs_view
    qtbot.waitUntil(lambda: _job_state(window, job.job_id) in ("Running", "Succeeded"), timeout=30_000)
    qtbot.waitUntil(lambda: _job_state(window, job.job_id) == "Succeeded", timeout=120_000)
    assert jobs.table.itemWidget(jobs.table.topLevelItem(0), 3).value() == 100
    jobs.select(job.job_id)
    qtbot.mouseClick(jobs.open_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is view
    qtbot.waitUntil(lambda: view.pass_box.count() == 2)  # the finished job refreshed the view
    assert view.pass_box.currentText().startswith("Better transcript")
    assert len(view.transcript.utterance_spans) > 5
    window.show_page("Library")
    assert window.library_view.table.topLevelItem(0).text(4) == "Done"

    # a slow job (base model with speakers) is canceled while it runs, then retried and canceled while queued
    def queue_slow(lib):
        from core.jobs.model import JobOptions
        from core.jobs.queue import TranscriptionQueue

        return TranscriptionQueue(lib).enqueue(cid, JobOptions(model="base", diarize=True))

    slow = services.ops.call_library(queue_slow)
    services.changes.library_changed.emit()
    window.show_page("Jobs")
    qtbot.waitUntil(lambda: _job_state(window, slow.job_id) == "Running", timeout=30_000)
    jobs.select(slow.job_id)
    bar = jobs.table.itemWidget(jobs.table.selectedItems()[0], 3)
    qtbot.waitUntil(lambda: bar.text().endswith(" left"), timeout=60_000)  # once its models are loaded: "40% · about 1 min left"
    assert bar.text().startswith(f"{bar.value()}% · ")
    assert jobs.cancel_button.isEnabled() and not jobs.retry_button.isEnabled()
    qtbot.mouseClick(jobs.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _job_state(window, slow.job_id) == "Canceled", timeout=10_000)
    assert window.jobs_view.job(slow.job_id).error == "Canceled by the user."

    services.worker.stop()  # so the retried job stays queued while we look at it
    jobs.select(slow.job_id)
    qtbot.mouseClick(jobs.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _job_state(window, slow.job_id) == "NotStarted")
    assert window.nav.item(2).text() == "Jobs (1)"
    jobs.select(slow.job_id)
    qtbot.mouseClick(jobs.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _job_state(window, slow.job_id) == "Canceled")
    wait_ops(qtbot, services)


def test_a_job_paused_by_a_live_session_is_given_its_time_left_from_its_pace_since_it_resumed(library_with_job):
    """The time since the job began counted the seconds a live session paused it as work: "about 2 min left" with 15 s
    to go after a pause of 33 s."""
    from core.jobs.model import PAUSED_STEP
    from desktop.jobs_view import JobPace

    queue, job_id, report = library_with_job
    report(20, "transcribe", began_s_ago=60)
    pace = JobPace()
    pace.update([queue.job(job_id)], now=0.0)
    assert pace.time_left_s(queue.job(job_id), 0.0) == pytest.approx(60 * 80 / 20, rel=0.05)  # its pace since it began
    report(20, PAUSED_STEP)
    for at in range(1, 41):
        pace.update([queue.job(job_id)], now=float(at))
        assert pace.time_left_s(queue.job(job_id), float(at)) is None
    for at, progress in ((41, 22), (46, 26), (51, 30)):  # going again: 8 points in 10 s
        report(progress, "transcribe")
        pace.update([queue.job(job_id)], now=float(at))
    assert pace.time_left_s(queue.job(job_id), 51.0) == pytest.approx(10 * 70 / 8)  # not 100 s and more from its start
    for at in range(52, 70):  # a step that moves the bar no more: its time left is not known
        pace.update([queue.job(job_id)], now=float(at))
    assert pace.time_left_s(queue.job(job_id), 69.0) is not None
    for at in range(70, 140):
        pace.update([queue.job(job_id)], now=float(at))
    assert pace.time_left_s(queue.job(job_id), 139.0) is None
