"""Grades where the school keeps them: a Canvas gradebook CSV, as an nbgrader export plugin.

    nbgrader export --exporter=autograder.lms_export.CanvasExportPlugin --to canvas-grades.csv

writes the file Canvas's Gradebook takes in Import (Instructure's guide "How do I import grades in
the Gradebook?"): the columns of Canvas's own gradebook export, `Student` ("Last, First"), `ID`
(Canvas's user id: the roster's `lms_user_id`), `SIS User ID`, `SIS Login ID` (the nbgrader
student id), `Section`, then one column per assignment, and a second row `Points Possible`. An
assignment column named like Canvas's export, "Name (12345)", updates that Canvas assignment; a
plain name makes Canvas create one on import. Scores are nbgrader's final scores: the autograded
and manual points less the late penalty; a student with no submission gets 0, as in nbgrader's
own CSV.
"""

from __future__ import annotations

import csv

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import ExportPlugin
from traitlets import Dict, Unicode

# The identity columns, in the order Canvas exports them and reads them back.
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_ROW = "Points Possible"


class CanvasExportPlugin(ExportPlugin):
    """Canvas gradebook CSV: one row per student, one column per assignment."""

    section = Unicode("", help="Canvas section written in every row (blank: Canvas keeps the student's own)").tag(config=True)
    assignment_ids = Dict(
        key_trait=Unicode(), value_trait=Unicode(),
        help="nbgrader assignment name -> Canvas assignment id, to update existing Canvas assignments",
    ).tag(config=True)

    def export(self, gradebook: Gradebook) -> None:
        dest = self.to or "canvas-grades.csv"
        assignments = [a for a in gradebook.assignments
                       if not self.assignment or a.name in [str(x) for x in self.assignment]]
        students = [s for s in gradebook.students
                    if not self.student or s.id in [str(x) for x in self.student]]
        students.sort(key=lambda s: ((s.last_name or "").lower(), (s.first_name or "").lower(), s.id))
        self.log.info("Exporting %d students x %d assignments to %s (Canvas gradebook CSV)",
                      len(students), len(assignments), dest)
        with open(dest, "w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(CANVAS_COLUMNS + [self._title(a.name) for a in assignments])
            out.writerow([POINTS_ROW, "", "", "", ""] + [f"{a.max_score:g}" for a in assignments])
            for student in students:
                out.writerow([self._name(student), student.lms_user_id or "", student.id, student.id,
                              self.section] + [self._score(gradebook, a.name, student.id) for a in assignments])

    def _title(self, name: str) -> str:
        canvas_id = self.assignment_ids.get(name)
        return f"{name} ({canvas_id})" if canvas_id else name

    @staticmethod
    def _name(student) -> str:
        last, first = student.last_name or "", student.first_name or ""
        return f"{last}, {first}" if last and first else (last or first or student.id)

    @staticmethod
    def _score(gradebook: Gradebook, assignment: str, student: str) -> str:
        try:
            sub = gradebook.find_submission(assignment, student)
        except MissingEntry:
            return "0"
        return f"{round(max(0.0, sub.score - (sub.late_submission_penalty or 0.0)), 4):g}"
