"""The student side of grading: the only code a student's process imports.

During grading a student's process holds this package and nothing else of the course: the
wire format, plain-data descriptions of values, probes (black boxes served by the trusted
runner, recorders, API switches) and each question's *step*, the few lines that build a
case's TensorFlow inputs, call the student's function and describe what came back. Case
generators, references, judges, points and solutions live on the grader side (the rest of
`autograder`), which nothing here imports and which is not readable inside the sandbox.
"""
