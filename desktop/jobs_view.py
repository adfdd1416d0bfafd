"""The Jobs panel: background transcriptions with their progress; cancel, retry, open the result.

Jobs are run by the worker process, so this panel reads their state from the library about
once a second; when a job ends it emits library_changed, and the library and conversation
views show the new transcript.
"""

from __future__ import annotations

import time
from collections import deque
from datetime import datetime, timezone

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.jobs.model import ESTIMATE_FROM, PAUSED_STEP, RUNNING
from desktop.services import Services
from desktop.speaker_colors import format_left

JOB_ROLE = Qt.ItemDataRole.UserRole
POLL_MS = 1000
STATE_TEXT = {"NotStarted": "Queued", "Running": "Running", "Succeeded": "Finished", "Failed": "Failed", "Canceled": "Canceled"}


def _read(lib, titles: dict[str, str]):
    from core.jobs.queue import TranscriptionQueue

    jobs = TranscriptionQueue(lib).jobs(limit=200)
    if any(j.conversation_id not in titles for j in jobs):
        titles = {s.conversation_id: s.title for s in lib.list_conversations(limit=100_000)}
    return jobs, titles


PACE_WINDOW_S = 60  # a running job's time left comes from its progress over about this much recent time
PACE_MIN_S = 10  # and from the time since it began only until it has been watched this long


class JobPace:
    """Each running job's pace, from its progress as read about once a second, and so its time left.

    The time since a job began counts the seconds a live session paused it as work ("about 2 min left" with 15 s to
    go after a pause of 33 s): once a job is seen for PACE_MIN_S, its recent pace counts, pauses left out."""

    def __init__(self):
        self._read: dict[int, deque] = {}  # job id -> (monotonic time, progress) read since it began or resumed
        self._paused: set[int] = set()  # jobs seen paused: the time since they began is no measure

    def update(self, jobs, now: float) -> None:
        """Return None after taking the progress of the jobs just read (`now`: time.monotonic())."""
        running = set()
        for job in jobs:
            if job.state != RUNNING:
                continue
            running.add(job.job_id)
            read = self._read.setdefault(job.job_id, deque())
            if job.step == PAUSED_STEP:
                self._paused.add(job.job_id)
                read.clear()
                continue
            read.append((now, job.progress))
            while len(read) > 2 and now - read[1][0] >= PACE_WINDOW_S:
                read.popleft()
        for gone in set(self._read) - running:
            del self._read[gone]
            self._paused.discard(gone)

    def time_left_s(self, job, now: float) -> float | None:
        """Return about how many seconds a running job has left (None: not known yet, or paused)."""
        if job.state != RUNNING or job.step == PAUSED_STEP or job.progress < ESTIMATE_FROM:
            return None
        read = self._read.get(job.job_id)
        if read and now - read[0][0] >= PACE_MIN_S:
            began, progress = read[0]
            done = job.progress - progress
            return (now - began) * (100 - job.progress) / done if done > 0 else None  # no progress for a while: unknown
        if job.job_id in self._paused:
            return None
        return job.time_left_s(datetime.now(timezone.utc))

    def text(self, job, template: str, otherwise: str = "") -> str:
        """Return `template` with the job's time left in it ("about 3 min left"), else `otherwise`."""
        left = self.time_left_s(job, time.monotonic())
        return otherwise if left is None else template.format(format_left(left))


class JobsView(QWidget):
    """Lists queued, running and finished jobs."""

    open_requested = Signal(str, object)  # conversationId, offset (None)
    pending_changed = Signal(int)  # how many jobs wait or run
    jobs_read = Signal(list)  # the jobs as just read (their progress; their time left: `pace`), for views that show one

    def __init__(self, services: Services, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("jobsView")
        self.services = services
        self.jobs: list = []
        self.pace = JobPace()
        self._titles: dict[str, str] = {}
        self._reading = False
        self.table = QTreeWidget(objectName="jobList")
        self.table.setHeaderLabels(["Conversation", "Model", "State", "Progress", "Step"])
        self.table.setRootIsDecorated(False)
        self.table.setUniformRowHeights(True)
        self.table.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.header().setStretchLastSection(False)
        self.table.setColumnWidth(3, 220)
        self.table.setColumnWidth(4, 200)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemActivated.connect(lambda *_: self.open_selected())
        self.cancel_button = QPushButton("Cancel", objectName="cancelJobButton", clicked=self.cancel_selected)
        self.retry_button = QPushButton("Retry", objectName="retryJobButton", clicked=self.retry_selected)
        self.open_button = QPushButton("Open result", objectName="openJobButton", clicked=self.open_selected)
        self.summary = QLabel("")
        buttons = QHBoxLayout()
        for button in (self.cancel_button, self.retry_button, self.open_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.summary)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        services.changes.library_changed.connect(self.refresh)
        self._update_buttons()
        self.refresh()

    def refresh(self) -> None:
        """Read the jobs again (off the GUI thread) unless a read is under way; returns nothing."""
        if self._reading:
            return
        self._reading = True
        titles = dict(self._titles)

        def done(result) -> None:
            self._reading = False
            jobs, self._titles = result
            self._show(jobs)

        def failed(error) -> None:
            self._reading = False
            from desktop.errors import show_error

            self._timer.stop()  # one message, not one a second
            show_error(self, error)

        self.services.ops.library_op(lambda lib: _read(lib, titles), parent=self).success(done).failure(failed).run()

    def _show(self, jobs) -> None:
        before = {j.job_id: j.state for j in self.jobs}
        ended = any(before.get(j.job_id) not in (None, j.state) and j.is_finished for j in jobs)
        selected = self.selected_job()
        same_rows = [j.job_id for j in jobs] == [j.job_id for j in self.jobs]
        self.jobs = jobs
        self.pace.update(jobs, time.monotonic())
        if not same_rows:  # rows come and go: build them again; otherwise update them in place
            self.table.clear()
            for job in jobs:
                item = QTreeWidgetItem()
                item.setData(0, JOB_ROLE, job.job_id)
                self.table.addTopLevelItem(item)
                bar = QProgressBar(objectName=f"jobProgress{job.job_id}")
                bar.setRange(0, 100)
                self.table.setItemWidget(item, 3, bar)
                item.setSelected(selected is not None and job.job_id == selected.job_id)
        for row, job in enumerate(jobs):
            item = self.table.topLevelItem(row)
            detail = job.error or job.step or ""
            for column, text in enumerate((self.title(job), job.options.model,
                                           STATE_TEXT.get(job.state, job.state), "", detail)):
                if item.text(column) != text:
                    item.setText(column, text)
            item.setToolTip(4, detail)
            bar = self.table.itemWidget(item, 3)
            bar.setValue(job.progress)
            bar.setFormat(self.pace.text(job, "%p% · {}", "%p%"))
        pending = sum(1 for j in jobs if j.is_pending)
        self.summary.setText(f"{pending} waiting or running" if pending else "No jobs waiting")
        self.pending_changed.emit(pending)
        self.jobs_read.emit(jobs)
        self._update_buttons()
        if ended:
            self.services.changes.library_changed.emit()

    def title(self, job) -> str:
        """Return the title of a job's conversation, as the list shows it."""
        return self._titles.get(job.conversation_id, job.conversation_id)

    def job(self, job_id: int):
        """Return the job with this id as last read, or None."""
        return next((j for j in self.jobs if j.job_id == job_id), None)

    def selected_job(self):
        """Return the selected job, or None."""
        items = self.table.selectedItems()
        return self.job(items[0].data(0, JOB_ROLE)) if items else None

    def select(self, job_id: int) -> None:
        """Select a job by id; returns nothing."""
        for i in range(self.table.topLevelItemCount()):
            item = self.table.topLevelItem(i)
            item.setSelected(item.data(0, JOB_ROLE) == job_id)

    def _update_buttons(self) -> None:
        job = self.selected_job()
        self.cancel_button.setEnabled(job is not None and job.is_pending)
        self.retry_button.setEnabled(job is not None and job.state in ("Failed", "Canceled"))
        self.open_button.setEnabled(job is not None)

    def cancel_selected(self) -> None:
        """Cancel the selected job (a running one stops within a second or two); returns nothing."""
        job = self.selected_job()
        if job is not None:
            self._change(lambda queue: queue.cancel(job.job_id))

    def retry_selected(self) -> None:
        """Queue the selected failed or canceled job again; returns nothing."""
        job = self.selected_job()
        if job is not None:
            self._change(lambda queue: queue.retry(job.job_id))

    def _change(self, fn) -> None:
        def run(lib):
            from core.jobs.queue import TranscriptionQueue

            return fn(TranscriptionQueue(lib))

        self.services.ops.library_op(run, parent=self).changes().run()

    def open_selected(self) -> None:
        """Open the conversation of the selected job; returns nothing."""
        job = self.selected_job()
        if job is not None:
            self.open_requested.emit(job.conversation_id, None)
