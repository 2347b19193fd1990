"""The coder's eval harness: the hand-coded seed transcripts, the metrics, the AnnoMI
loader (on a tiny made-up file) and the clean skip when AnnoMI is absent."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from coach.coding import CODES, STANCES, get_coder
from evals.coder_data import TO_ANNOMI, load_annomi, load_seed_turns
from evals.coder_eval import main as coder_eval_main
from evals.coder_metrics import agreement, binary_f1, roc_auc


def test_seed_turns_match_the_transcripts() -> None:
    turns = load_seed_turns()
    by_conv: dict[str, int] = defaultdict(int)
    for t in turns:
        by_conv[t.conversation] += 1
        assert t.code in CODES and t.stance in STANCES
    assert by_conv == {"debs-visit-1-paperwork": 58, "debs-visit-2-outcomes": 34}
    first = turns[1]
    assert first.request.context == "Yeah, why?"
    assert first.request.history[-1].speaker == "person"


def test_seed_transcript_edit_is_detected(tmp_path: Path) -> None:
    import shutil

    from evals.coder_data import SEED_FILE
    from evals.common import PROJECT_ROOT

    root = tmp_path / "root"
    for name in ("transcript-debs-visit-1-paperwork.md", "transcript-debs-visit-2-outcomes.md"):
        (root / "coach" / "knowledge" / "sources").mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT_ROOT / "coach" / "knowledge" / "sources" / name,
                    root / "coach" / "knowledge" / "sources" / name)
    path = root / "coach" / "knowledge" / "sources" / "transcript-debs-visit-2-outcomes.md"
    path.write_text(path.read_text().replace("Is it okay for me to come in?", "Can I come in?"))
    with pytest.raises(ValueError, match="differs from the transcript"):
        load_seed_turns(SEED_FILE, root)


def test_outcomes_visit_scores_higher_than_paperwork_visit() -> None:
    turns = load_seed_turns()
    results = get_coder().code_many([t.request for t in turns])
    means: dict[str, list[float]] = defaultdict(list)
    for t, r in zip(turns, results, strict=True):
        means[t.conversation].append(r.outcomes_score)
    paperwork = np.mean(means["debs-visit-1-paperwork"])
    outcomes = np.mean(means["debs-visit-2-outcomes"])
    assert outcomes - paperwork > 0.5, (paperwork, outcomes)


def test_agreement_figures() -> None:
    gold = ["a", "a", "b", "b", "c", "c"]
    pred = ["a", "b", "b", "b", "c", "a"]
    a = agreement(gold, pred, ("a", "b", "c"))
    assert a.accuracy == pytest.approx(4 / 6)
    scores = {s.label: s for s in a.per_class}
    assert scores["b"].precision == pytest.approx(2 / 3) and scores["b"].recall == 1.0
    assert a.confusion.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    # κ = (po - pe) / (1 - pe) with pe from the marginals
    pe = (2 * 2 + 2 * 3 + 2 * 1) / 36
    assert a.kappa == pytest.approx((4 / 6 - pe) / (1 - pe))
    assert agreement(gold, gold, ("a", "b", "c")).kappa == pytest.approx(1.0)
    assert binary_f1(["open", "closed", "open"], ["open", "closed", "closed"],
                     ("open", "closed")) == pytest.approx(np.mean([2 / 3, 2 / 3]))


def test_roc_auc() -> None:
    assert roc_auc([0.9, 0.8, 0.1, 0.2], [True, True, False, False]) == 1.0
    assert roc_auc([0.1, 0.2, 0.9, 0.8], [True, True, False, False]) == 0.0
    assert roc_auc([0.5, 0.5], [True, False]) == 0.5


def test_every_code_maps_to_an_annomi_behaviour() -> None:
    assert set(TO_ANNOMI) == set(CODES)
    assert TO_ANNOMI["summary"] == "reflection" and TO_ANNOMI["affirmation"] == "other"


HEADER = ("mi_quality,transcript_id,video_title,video_url,topic,utterance_id,interlocutor,"
          "timestamp,utterance_text,annotator_id,therapist_input_exists,therapist_input_subtype,"
          "reflection_exists,reflection_subtype,question_exists,question_subtype,"
          "main_therapist_behaviour,client_talk_type\n")


def _row(tid: str, uid: int, who: str, text: str, annotator: int, behaviour: str,
         subtype: str = "n/a", quality: str = "high") -> str:
    return (f'{quality},{tid},"t",u,topic,{uid},{who},00:00:0{uid},"{text}",{annotator},'
            f"n/a,n/a,n/a,n/a,n/a,{subtype},{behaviour},n/a\n")


def test_annomi_loader_takes_majority_and_previous_client_turn(tmp_path: Path) -> None:
    # A made-up two-transcript file in AnnoMI's layout (not AnnoMI data).
    rows = [
        _row("0", 0, "therapist", "How are you today?", 1, "question", "open"),
        _row("0", 0, "therapist", "How are you today?", 2, "question", "closed"),
        _row("0", 0, "therapist", "How are you today?", 3, "question", "open"),
        _row("0", 1, "client", "Not great, I keep drinking.", 1, "n/a"),
        _row("0", 2, "therapist", "You keep drinking.", 1, "reflection"),
        _row("0", 2, "therapist", "You keep drinking.", 2, "reflection"),
        _row("0", 2, "therapist", "You keep drinking.", 3, "other"),
        _row("1", 0, "therapist", "Hello.", 1, "other", quality="low"),
    ]
    path = tmp_path / "mini.csv"
    path.write_text(HEADER + "".join(rows))
    utts = load_annomi(path)
    assert [(u.transcript, u.behaviour, u.question_subtype) for u in utts] == [
        ("0", "question", "open"), ("0", "reflection", None), ("1", "other", None)]
    assert utts[0].request.context is None
    assert utts[1].request.context == "Not great, I keep drinking."
    assert [t.speaker for t in utts[1].request.history] == ["worker", "person"]
    assert utts[2].quality == "low"


def test_coder_eval_skips_annomi_when_absent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "annomi-full-dev.csv"
    assert coder_eval_main(["--only", "annomi", "--annomi", str(missing)]) == 0
    assert "skipped" in capsys.readouterr().out


def test_coder_eval_runs_on_a_tiny_annomi_file(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        _row("0", 0, "therapist", "What brings you here today?", 1, "question", "open"),
        _row("0", 1, "client", "My wife thinks I drink too much.", 1, "n/a"),
        _row("0", 2, "therapist", "She's worried about your drinking.", 1, "reflection"),
        _row("1", 0, "therapist", "You need to cut down to fourteen units a week.", 1,
             "therapist_input", quality="low"),
        _row("1", 1, "client", "Right.", 1, "n/a", quality="low"),
        _row("1", 2, "therapist", "Do you drink every day?", 1, "question", "closed", "low"),
    ]
    path = tmp_path / "mini.csv"
    path.write_text(HEADER + "".join(rows))
    assert coder_eval_main(["--only", "annomi", "--annomi", str(path)]) == 0
    out = capsys.readouterr().out
    assert "4-class macro-F1" in out and "AUC" in out and "open/closed" in out
