"""The course's late policy, as an nbgrader late-submission plugin.

nbgrader ships two policies, 'none' and 'zero'. A course more often takes a share of the score
for each day late; nbgrader's documented way to say so is a LateSubmissionPlugin, selected in
nbgrader_config.py with `c.AssignLatePenalties.plugin_class`. nbgrader computes how late a
submission is from the assignment's due date (`nbgrader db assignment add A --duedate=...`, or
the formgrader's Manage Assignments page) and the student's `timestamp.txt`; this plugin only
turns those seconds into points.
"""

from __future__ import annotations

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float

DAY = 24 * 60 * 60


class PercentPerDay(LateSubmissionPlugin):
    """Take `percent` of the notebook's score for every started day late (a minute late is a
    day), never more than the score: 10 % a day gives zero from the tenth day on."""

    percent = Float(10.0, help="Share of the score taken per started day late, in percent").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float | None:
        if total_seconds_late <= 0:
            return None
        days = math.ceil(total_seconds_late / DAY)
        return min(score, score * self.percent / 100 * days)
