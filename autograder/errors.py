"""The one kind of error shown to people: a sentence naming the file and what to do."""


class CourseError(Exception):
    """A problem the instructor must fix; its message is one sentence naming the file."""
