"""How an answer reads on evaluation and calibration pages."""

from cxq.scorecards.selectors import answer_label

QUESTION = {"key": "greet", "options": [{"key": "yes", "label": "Yes"}, {"key": "3", "label": ""}]}


def test_an_answer_reads_as_its_option_label_or_na_or_a_dash():
    assert answer_label(QUESTION, "yes") == "Yes"
    assert answer_label(QUESTION, 3) == "3"  # rating keys may arrive as numbers; no label → the key
    assert answer_label(QUESTION, "na") == "N/A"
    assert answer_label(QUESTION, None) == "—" and answer_label(QUESTION, "") == "—"
    assert answer_label(QUESTION, "gone") == "gone"  # an option removed since: shown as stored
