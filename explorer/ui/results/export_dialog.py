"""Export a results tab to CSV or an Excel workbook: the options dialog, then a progress dialog
with Cancel and Resume.

The export itself is `explorer.core.export.export_query` (or `export_records`), run as a task on
the loop (it writes through a worker thread), so the window never blocks. "This page" and "Loaded rows" export exactly
the rows in the table (records decoded off the GUI thread); "All matching records" fetches every
page again, streamed, and can be resumed from its `.partial` file after a cancel or a failure.
The format and the file's extension follow each other; an Excel export gathers its rows in the
`.partial` file too and builds the workbook once every row is in.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
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
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from explorer.core import xlsx
from explorer.core.catalog import Endpoint
from explorer.core.errors import ExplorerError, TooManyRows
from explorer.core.export import (
    CsvOptions,
    ExportCancelled,
    ExportFormat,
    ExportIncomplete,
    ExportOptions,
    ExportResult,
    XlsxOptions,
    partial_path_for,
    resolve_out_path,
)
from explorer.core.exportjob import ExportJob
from explorer.ui import theme
from explorer.ui.async_utils import TaskOwner, describe_error
from explorer.ui.bridge import follow

log = logging.getLogger(__name__)


class ExportScope(StrEnum):
    PAGE = "page"  # the page the current row came in
    LOADED = "loaded"  # every row loaded in the table
    ALL = "all"  # every record matching the query, fetched again


FORMATS: tuple[tuple[ExportFormat, str], ...] = (
    (ExportFormat.CSV, "CSV (.csv)"),
    (ExportFormat.XLSX, "Excel workbook (.xlsx)"),
)
FILE_FILTERS = {
    ExportFormat.CSV: "CSV files (*.csv)",
    ExportFormat.XLSX: "Excel workbooks (*.xlsx)",
}
DELIMITERS: tuple[tuple[str, str], ...] = (
    (",", "Comma ( , )"),
    (";", "Semicolon ( ; )"),
    ("\t", "Tab"),
    ("|", "Pipe ( | )"),
)


@dataclass(frozen=True)
class ExportRequest:
    scope: ExportScope
    all_columns: bool
    options: ExportOptions
    path: Path
    resume: bool = False  # continue an interrupted "all matching records" export from its .partial


def suggested_file_name(endpoint: Endpoint, export_format: ExportFormat = ExportFormat.CSV) -> str:
    """`core-v1-assets-hardware.csv` from `/core/v1/assets/hardware`."""
    stem = re.sub(r"[{}]", "", endpoint.path).strip("/").replace("/", "-")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem) or "export"
    return stem + export_format.suffix


class ExportDialog(QDialog):
    """What to export and how. Emits `export_requested(ExportRequest)` on Export.

    Signals:
        export_requested(object): the user pressed Export with a file chosen.
    """

    export_requested = Signal(object)

    def __init__(
        self,
        *,
        page_rows: range | None,
        loaded: int,
        total: int | None,
        visible_columns: Sequence[str],
        all_columns_count: int,
        default_path: Path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setModal(False)
        self.setMinimumWidth(520)  # the file hint fits in its lines
        layout = QVBoxLayout(self)
        # Rows each scope writes, when known (an Excel worksheet holds a limited number).
        self._scope_rows: dict[ExportScope, int | None] = {
            ExportScope.PAGE: len(page_rows) if page_rows is not None else None,
            ExportScope.LOADED: loaded,
            ExportScope.ALL: total,
        }

        scope_box = QGroupBox("Rows")
        scope_layout = QVBoxLayout(scope_box)
        self.scope_group = QButtonGroup(self)
        if page_rows is not None and len(page_rows):
            page_text = f"This page (rows {page_rows.start + 1:,}–{page_rows.stop:,})"
        else:
            page_text = "This page"
        total_text = f"{total:,}" if total is not None else "all"
        self.scope_buttons: dict[ExportScope, QRadioButton] = {
            ExportScope.PAGE: QRadioButton(page_text),
            ExportScope.LOADED: QRadioButton(f"Loaded rows ({loaded:,})"),
            ExportScope.ALL: QRadioButton(f"All matching records ({total_text}, fetched again)"),
        }
        for scope, button in self.scope_buttons.items():
            self.scope_group.addButton(button)
            scope_layout.addWidget(button)
            button.setProperty("scope", scope.value)
        self.scope_buttons[ExportScope.PAGE].setEnabled(bool(page_rows))
        self.scope_buttons[ExportScope.LOADED].setEnabled(loaded > 0)
        default_scope = ExportScope.ALL if total is None or total > loaded else ExportScope.LOADED
        self.scope_buttons[default_scope].setChecked(True)
        layout.addWidget(scope_box)

        columns_box = QGroupBox("Columns")
        columns_layout = QVBoxLayout(columns_box)
        self.visible_columns_button = QRadioButton(
            f"Visible columns, in their order ({len(visible_columns)})"
        )
        self.all_columns_button = QRadioButton(
            f"All columns ({all_columns_count} known, more if the data has them)"
        )
        self.visible_columns_button.setChecked(True)
        columns_layout.addWidget(self.visible_columns_button)
        columns_layout.addWidget(self.all_columns_button)
        layout.addWidget(columns_box)

        form = QFormLayout()
        self.format_combo = QComboBox()
        for export_format, label in FORMATS:
            self.format_combo.addItem(label, export_format)
        self.format_combo.setToolTip(
            "An Excel workbook keeps numbers, dates and ids typed as they are (ids with leading "
            "zeros or 16+ digits stay text); CSV is plain text any tool reads."
        )
        form.addRow("Format", self.format_combo)
        self.delimiter_combo = QComboBox()
        for value, label in DELIMITERS:
            self.delimiter_combo.addItem(label, value)
        form.addRow("Delimiter", self.delimiter_combo)
        self.bom_check = QCheckBox("UTF-8 with a byte-order mark (for Excel)")
        form.addRow("", self.bom_check)
        self.header_check = QCheckBox("Header row with the column names")
        self.header_check.setChecked(True)
        form.addRow("", self.header_check)
        self.formula_check = QCheckBox("Neutralise formulas (cells starting with = + - @)")
        self.formula_check.setChecked(True)
        self.formula_check.setToolTip(
            "A spreadsheet would run such cells as formulas; a leading ' keeps them as text."
        )
        form.addRow("", self.formula_check)
        path_line = QHBoxLayout()
        self._base_dir = default_path.parent  # where a relative name goes
        self.path_edit = QLineEdit(str(default_path))
        path_line.addWidget(self.path_edit, 1)
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose_file)
        path_line.addWidget(choose)
        form.addRow("File", path_line)
        # What the typed path will write, or why it cannot: said as the user types, in words.
        self.target_label = QLabel()
        self.target_label.setProperty("role", "hint")
        self.target_label.setWordWrap(True)
        # Room for three lines always, so the dialog keeps its size as the text changes.
        self.target_label.setMinimumHeight(3 * self.target_label.fontMetrics().lineSpacing())
        form.addRow("", self.target_label)
        self.resume_check = QCheckBox()
        self.resume_check.setChecked(True)
        self.resume_check.setToolTip(
            "An earlier export to this file stopped before the end; continue it from the last "
            "complete page (all matching records only)."
        )
        form.addRow("", self.resume_check)
        layout.addLayout(form)
        self.path_edit.textChanged.connect(self._follow_extension)
        self.path_edit.textChanged.connect(self._offer_resume)
        self.scope_group.buttonToggled.connect(lambda *_: self._offer_resume())
        self.header_check.toggled.connect(lambda *_: self._offer_resume())
        self.format_combo.currentIndexChanged.connect(lambda *_: self._format_changed())

        self.problem_label = QLabel()
        self.problem_label.setProperty("role", "error")
        self.problem_label.setWordWrap(True)
        self.problem_label.hide()
        layout.addWidget(self.problem_label)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._file_dialog: QFileDialog | None = None
        self._follow_extension(self.path_edit.text())
        self._format_changed()

    def scope(self) -> ExportScope:
        for scope, button in self.scope_buttons.items():
            if button.isChecked():
                return scope
        return ExportScope.ALL

    def set_scope(self, scope: ExportScope) -> None:
        self.scope_buttons[scope].setChecked(True)

    def export_format(self) -> ExportFormat:
        return ExportFormat(self.format_combo.currentData())

    def set_format(self, export_format: ExportFormat) -> None:
        self.format_combo.setCurrentIndex(self.format_combo.findData(export_format))

    def target(self) -> Path:
        """The file the typed path names (ExportError says why there is none)."""
        return resolve_out_path(
            self.path_edit.text(), self._base_dir, suffix=self.export_format().suffix
        )

    def options(self) -> ExportOptions:
        header = self.header_check.isChecked()
        guard = self.formula_check.isChecked()
        if self.export_format() is ExportFormat.XLSX:
            return XlsxOptions(header=header, neutralise_formulas=guard)
        return CsvOptions(
            delimiter=self.delimiter_combo.currentData(),
            bom=self.bom_check.isChecked(),
            header=header,
            neutralise_formulas=guard,
        )

    def too_many_rows(self) -> TooManyRows | None:
        """Why the chosen rows cannot go to an Excel worksheet, or None when they can."""
        rows = self._scope_rows[self.scope()]
        header = self.header_check.isChecked()
        if self.export_format() is ExportFormat.XLSX and rows and rows > xlsx.max_data_rows(header):
            return TooManyRows(rows, xlsx.MAX_ROWS, announced=True)
        return None

    def request(self) -> ExportRequest:
        options = self.options()
        return ExportRequest(
            scope=self.scope(),
            all_columns=self.all_columns_button.isChecked(),
            options=options,
            path=self.target(),
            resume=self.resume_check.isVisibleTo(self) and self.resume_check.isChecked(),
        )

    def _accept(self) -> None:
        try:
            request = self.request()
        except ExplorerError as exc:
            self.problem_label.setText(exc.explanation)
            self.problem_label.show()
            return
        self.export_requested.emit(request)
        self.accept()

    def _format_changed(self) -> None:
        """Keep the file's extension, the title and the CSV-only options in step with the format."""
        export_format = self.export_format()
        self.setWindowTitle(f"Export to {'Excel' if export_format is ExportFormat.XLSX else 'CSV'}")
        text = self.path_edit.text()
        named = ExportFormat.for_path(text.strip())
        if named is not None and named is not export_format:
            stripped = text.rstrip()
            self.path_edit.setText(stripped[: -len(named.suffix)] + export_format.suffix)
        is_csv = export_format is ExportFormat.CSV
        for widget in (self.delimiter_combo, self.bom_check):
            widget.setEnabled(is_csv)
            widget.setToolTip("" if is_csv else "CSV only: a workbook has no delimiter or BOM.")
        self._offer_resume()

    def _follow_extension(self, text: str) -> None:
        """A typed or chosen name ending in .xlsx or .csv picks that format."""
        named = ExportFormat.for_path(text.strip())
        if named is not None and named is not self.export_format():
            self.set_format(named)

    def _offer_resume(self) -> None:
        """Say where the file goes (or why it cannot), and offer to resume a kept .partial."""
        self.problem_label.hide()
        # A few stats per edit of the path: cheap enough for the GUI thread.
        try:
            target = self.target()
        except ExplorerError as exc:
            target = None
            self.target_label.setText(exc.explanation)
        if target is not None:
            text = f"Writes {target.name} in {target.parent}"
            if self.export_format() is ExportFormat.XLSX:
                text += (
                    f" once every row is in; until then they gather in "
                    f"{partial_path_for(target).name}, kept for Resume"
                )
            self.target_label.setText(text)
        too_many = self.too_many_rows()
        if too_many is not None:
            self.target_label.setText(too_many.explanation)
        usable = target is not None and too_many is None
        self.export_button.setEnabled(usable)
        self.export_button.setToolTip("" if usable else self.target_label.text())
        partial = partial_path_for(target) if target is not None else None
        kept = partial is not None and partial.is_file()
        self.resume_check.setText(
            f"Resume the interrupted export kept in {partial.name}" if partial else ""
        )
        self.resume_check.setVisible(kept and self.scope() is ExportScope.ALL)

    def _choose_file(self) -> None:
        # open() rather than exec(): no nested event loop under qasync.
        export_format = self.export_format()
        filters = [FILE_FILTERS[export_format]]
        filters += [f for fmt, f in FILE_FILTERS.items() if fmt is not export_format]
        dialog = QFileDialog(self, "Export to", self.path_edit.text(), ";;".join(filters))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(export_format.value)
        dialog.fileSelected.connect(self.path_edit.setText)
        self._file_dialog = dialog
        dialog.open()


class ExportProgressDialog(QDialog):
    """Rows done of total, rate, time left and Cancel; then the outcome, with Resume if it stopped.

    Signals:
        export_finished(object): the ExportResult, or the exception that stopped the export.
    """

    export_finished = Signal(object)

    def __init__(self, job: ExportJob, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        request_path = job.path
        self.setWindowTitle(f"Exporting to {request_path.name}")
        self.setModal(False)
        self.setMinimumWidth(460)
        self.job = job
        self.result_value: ExportResult | BaseException | None = None
        self.tasks = TaskOwner("Export")
        follow(job.subscribe, self._job_changed, self)

        layout = QVBoxLayout(self)
        self.headline = QLabel(f"Writing {request_path}")
        self.headline.setWordWrap(True)
        layout.addWidget(self.headline)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        layout.addWidget(self.bar)
        self.rows_label = QLabel("Starting…")
        self.rate_label = QLabel("")
        self.rate_label.setProperty("role", "hint")
        layout.addWidget(self.rows_label)
        layout.addWidget(self.rate_label)
        self.outcome_label = QLabel()
        self.outcome_label.setWordWrap(True)
        self.outcome_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outcome_label.hide()
        layout.addWidget(self.outcome_label)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.open_folder_button = QPushButton("Open folder")
        self.open_folder_button.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(request_path.parent)))
        )
        self.open_folder_button.hide()
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue from the last complete page in the .partial file")
        self.resume_button.clicked.connect(lambda: self.start(resume=True))
        self.resume_button.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.close)
        self.close_button.hide()
        for button in (
            self.open_folder_button,
            self.resume_button,
            self.cancel_button,
            self.close_button,
        ):
            buttons.addWidget(button)
        layout.addLayout(buttons)

    # ------------------------------------------------------------ running
    def start(self, *, resume: bool = False) -> asyncio.Task[Any]:
        """Start the job on the loop (returns the task that finishes with the dialog's outcome)."""
        self.outcome_label.hide()
        self.resume_button.hide()
        self.close_button.hide()
        self.open_folder_button.hide()
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)
        total = self.job.total_rows
        self.bar.setRange(0, max(1, total) if total is not None else 0)
        self.rows_label.setText("Resuming…" if resume else "Starting…")
        return self.tasks.start("export", self._run(resume))

    def cancel(self) -> None:
        """Stop after the page being written (the .partial file is kept for a resume)."""
        self.job.cancel()
        self.cancel_button.setEnabled(False)
        self.rows_label.setText(self.rows_label.text() + " — cancelling…")

    @property
    def task(self) -> asyncio.Task[Any] | None:
        return self.tasks.get("export")

    @property
    def running(self) -> bool:
        return self.job.running

    async def _run(self, resume: bool) -> None:
        """Await the job and show how it ended (the job itself is the core's)."""
        try:
            result = await self.job.run(resume=resume)
        except asyncio.CancelledError:
            self._show_stopped("The export was stopped.", resumable=self.job.resumable)
            raise
        except ExportIncomplete as exc:
            self.result_value = exc
            cancelled = isinstance(exc, ExportCancelled)
            # A cause such as "more rows than a worksheet holds" would stop a resume again.
            resumable = self.job.resumable and getattr(exc.cause, "resumable", True)
            self._show_stopped(exc.explanation, resumable=resumable, cancelled=cancelled)
            self.export_finished.emit(exc)
            return
        except Exception as exc:  # noqa: BLE001 - any failure becomes a calm message; details in the log
            log.warning("export failed: %s", exc)
            self.result_value = exc
            self._show_stopped(describe_error(exc), resumable=False)
            self.export_finished.emit(exc)
            return
        self.result_value = result
        self._show_done(result)
        self.export_finished.emit(result)

    def _job_changed(self, job: ExportJob) -> None:
        progress = job.progress
        if progress is None or not job.running:
            return
        total = progress.total_count
        if progress.workbook_rows is not None:  # every row is in; the workbook is being built
            self.bar.setRange(0, max(1, progress.rows_written))
            self.bar.setValue(progress.workbook_rows)
        elif total and total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(progress.rows_written, total))
        rows, speed = job.progress_text()
        self.rows_label.setText(rows)
        self.rate_label.setText(speed)

    def _show_done(self, result: ExportResult) -> None:
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.rows_label.setText(
            f"Done: {result.rows_written:,} rows written to {result.path.name}."
        )
        self.outcome_label.setText(result.summary())
        self.outcome_label.setProperty("role", "warning" if result.shortfall else "ok")
        theme.restyle(self.outcome_label)
        self.outcome_label.show()
        self.cancel_button.hide()
        self.close_button.show()
        self.open_folder_button.show()
        self.adjustSize()  # grow to the wrapped summary instead of clipping it

    def _show_stopped(self, text: str, *, resumable: bool, cancelled: bool = False) -> None:
        partial = partial_path_for(self.job.path)
        kept = partial.exists()
        message = text
        if kept and partial.name not in text:
            message += f" The rows written so far are kept in {partial.name}."
        if kept and resumable:
            message += " Resume continues from the last complete page."
        self.rows_label.setText("Cancelled." if cancelled else "Stopped.")
        self.outcome_label.setText(message)
        self.outcome_label.setProperty("role", "warning" if cancelled else "error")
        theme.restyle(self.outcome_label)
        self.outcome_label.show()
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.cancel_button.hide()
        self.close_button.show()
        self.resume_button.setVisible(kept and resumable)
        self.adjustSize()

    # ------------------------------------------------------------ Qt overrides
    def closeEvent(self, event: Any) -> None:
        if self.running:
            self.cancel()
        super().closeEvent(event)

    def reject(self) -> None:
        # Escape cancels a running export instead of hiding it.
        if self.running:
            self.cancel()
            return
        super().reject()
