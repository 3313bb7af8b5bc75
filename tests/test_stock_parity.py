"""Stock `nbgrader autograde` with this repository's config gives the engine's scores on honest work."""

from autograder import course, engine


def test_stock_nbgrader_and_the_engine_agree_on_every_honest_answer(tmp_path):
    unit = "01_tensors"
    stock = course.grade_sample_class(tmp_path / "stock", [unit], share=False, echo=lambda *a: None,
                                      stock=True)
    assert stock["got"] == stock["expected"]  # stock nbgrader grades honest work right
    ours = engine.grade(tmp_path / "stock", unit, force=True, echo=lambda *a: None)
    again = {}
    for sub in ours:
        again.setdefault(sub.student, {}).update({k.removeprefix("test_"): v for k, v in sub.scores.items()})
    assert again == stock["got"][unit]
    assert len(again) >= 8
