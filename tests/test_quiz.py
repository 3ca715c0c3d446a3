"""The quiz: FSRS scheduling, grading typed answers, sessions through the real CLI (piped input).

The pseudo-terminal session is in test_quiz_pty.py.
"""
from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from kb.quiz import questions, schedule
from kb.store.connect import open_db
from kb.text import parse_stamp

T0 = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.timezone.utc)


def _conn(db):
    return open_db(db)


def _first(kb, mode="flashcard", n=1):
    return kb("quiz", "--mode", mode, "--json", "-n", n).json()


def _reviews(db):
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT card_id, rating, mode, answer FROM reviews ORDER BY id").fetchall()
    finally:
        conn.close()


# ---------------------------------------------------------------- scheduling


def test_fsrs_state_after_a_sequence_of_ratings(kb, imported):
    conn = _conn(imported)
    cid = _first(kb)[0]["card_id"]
    minute = dt.timedelta(minutes=1)
    # FSRS v6 defaults: learning steps of 1 and 10 minutes, then days in the Review state.
    r = schedule.review(conn, cid, 3, mode="definition", now=T0)
    assert (r["state"], r["due"]) == ("Learning", (T0 + 10 * minute).strftime("%Y-%m-%dT%H:%M:%SZ"))
    r = schedule.review(conn, cid, 1, mode="definition", now=T0 + 10 * minute)
    assert (r["state"], r["due"]) == ("Learning", (T0 + 11 * minute).strftime("%Y-%m-%dT%H:%M:%SZ"))
    r = schedule.review(conn, cid, 3, mode="definition", now=T0 + 11 * minute)
    assert (r["state"], r["due"]) == ("Learning", (T0 + 21 * minute).strftime("%Y-%m-%dT%H:%M:%SZ"))
    r = schedule.review(conn, cid, 3, mode="definition", now=T0 + 21 * minute)
    assert r["state"] == "Review"
    first_interval = parse_stamp(r["due"]) - (T0 + 21 * minute)
    assert first_interval >= dt.timedelta(days=1)
    due = parse_stamp(r["due"])
    r = schedule.review(conn, cid, 3, mode="definition", now=due)
    assert parse_stamp(r["due"]) - due > first_interval  # a recalled card comes back later
    conn.close()
    # The state is in the database, not in the process: a new connection sees it.
    again = _conn(imported)
    state = schedule.schedule_of(again, cid)
    assert state["state"] == 2 and state["stability"] > 0
    assert [row[1] for row in _reviews(imported)] == [3, 1, 3, 3, 3]


def test_easy_on_a_new_card_skips_learning(kb, imported):
    conn = _conn(imported)
    cid = _first(kb)[0]["card_id"]
    r = schedule.review(conn, cid, 4, mode="definition", now=T0)
    assert r["state"] == "Review"
    assert parse_stamp(r["due"]) - T0 >= dt.timedelta(days=1)


def test_review_times_must_be_utc_and_ratings_1_to_4(kb, imported):
    from kb.errors import UsageError

    conn = _conn(imported)
    cid = _first(kb)[0]["card_id"]
    with pytest.raises(UsageError):
        schedule.review(conn, cid, 5, mode="definition", now=T0)
    assert _reviews(imported) == []


def test_due_cards_come_first_then_new_ones_up_to_the_daily_limit(kb, imported):
    conn = _conn(imported)
    ids = [q["card_id"] for q in _first(kb, n=30)]
    assert len(ids) == 20  # 28 new definition cards, 20 a day
    now = schedule.now_utc()
    schedule.review(conn, ids[5], 1, mode="definition", now=now - dt.timedelta(minutes=5))
    picked = schedule.pick(conn, kinds=("definition",), pool=None, count=30, now=now)
    assert picked["ids"][0] == ids[5]  # due again (Again: one minute), in its learning step
    assert (picked["learning"], picked["due"]) == (1, 0)
    assert len(picked["ids"]) == 1 + 19  # one new card was introduced today already
    assert schedule.pick(conn, kinds=("definition",), pool=None, count=30, now=now, new_per_day=1)["ids"] == [ids[5]]


# ---------------------------------------------------------------- grading


@pytest.mark.parametrize(
    "given, accepted, verdict",
    [
        ("Normalizing Flow", ["Normalizing flow"], "right"),
        ("normalizing-flow!", ["Normalizing flow"], "right"),  # punctuation and case do not count
        ("normalizng flw", ["Normalizing flow"], "right"),  # two small typos in a Latin term
        ("normalizng flwo", ["Normalizing flow"], "near"),  # three edits: no longer a typo
        ("normal flow", ["Normalizing flow"], "near"),
        ("ＭＵＴＵＡＬ Information", ["Mutual Information"], "right"),  # NFKC
        ("标准化流", ["Normalizing flow", "标准化流"], "right"),  # an accepted alias
        ("标准化", ["标准化流"], "near"),  # Chinese: no typo allowance
        ("标准流化", ["标准化流"], "near"),
        ("卷积网络", ["标准化流"], "wrong"),
        ("", ["标准化流"], "wrong"),
    ],
)
def test_grading_typed_answers(given, accepted, verdict):
    assert questions.grade_typed(given, accepted)["verdict"] == verdict


# ---------------------------------------------------------------- sessions (piped input)


def test_a_piped_session_records_each_grade(kb, imported):
    first_two = [q["card_id"] for q in _first(kb, n=2)]
    r = kb("quiz", input="\n3\n\n4\nq\n")
    assert r.code == 0, r
    assert "card 1 of 10 · new 10 · learning 0 · due 0" in r.stdout and "reviewed 2 · right 2" in r.stdout
    # Good on a new card: its next learning step, 10 minutes on; Easy: graduated, days on.
    assert "card 2 of 10 · new 9 · learning 1 · due 0" in r.stdout
    assert [(c, rating) for c, rating, _, _ in _reviews(imported)] == [(first_two[0], 3), (first_two[1], 4)]
    stats = kb("stats", "--json").json()
    assert (stats["reviews"], stats["due"], stats["retention"]) == (2, 0, 1.0)  # the Good one is due in 10 min
    assert "reviews: 2\ndue: 0\nretention: 1.0" in kb("stats").stdout
    # Graded cards are not due yet: the next session starts with the next new card.
    assert _first(kb)[0]["card_id"] not in first_two


def test_json_and_cram_record_nothing(kb, imported):
    assert "retention: —" in kb("stats").stdout and "None" not in kb("stats").stdout
    before = _first(kb, n=3)
    assert all(set(q) == {"card_id", "kind", "question", "answer", "slug", "title", "term", "choices", "others",
                          "sources", "sources_total"} for q in before)
    assert all(q["sources_total"] == len(q["sources"]) >= 1 for q in before)
    r = kb("quiz", "--cram", input="\n1\n\n1\nq\n")
    assert r.code == 0 and "cram: nothing recorded" in r.stdout
    assert _reviews(imported) == []
    assert _first(kb, n=3) == before


def test_typed_session_accepts_a_typo_and_asks_about_a_near_miss(kb, imported):
    qs = _first(kb, mode="typed", n=2)
    assert [(q["kind"], q["answer"]) for q in qs] == [("reverse", "表示学习"), ("reverse", "对比损失")]
    assert "表示学习" not in qs[0]["question"]  # the term is blanked out of its definition
    # 表示 for 表示学习: Chinese gets no typo allowance, so it is a near miss, counted (2) as Hard.
    # contrastive los for 对比损失: its English name is accepted, with one typo (Enter: Good, proposed).
    r = kb("quiz", "--mode", "typed", input="表示\n2\ncontrastive los\n\nq\n")
    assert r.code == 0, r
    assert "close: you typed 表示; the answer, [what differs]: 表示[学习]" in r.stdout
    assert "2 Hard if it counts, 1 Again if not" in r.stdout and "Enter: 1 Again" in r.stdout
    assert "✓ right (typo; the answer: contrastive loss)" in r.stdout and "Enter: 3 Good" in r.stdout
    assert [(rating, answer) for _, rating, _, answer in _reviews(imported)] == [
        (2, "表示"),
        (3, "contrastive los"),
    ]


def test_mixed_sessions_space_out_the_kinds_of_one_term(kb, imported):
    qs = _first(kb, mode="mixed", n=12)
    assert {q["kind"] for q in qs} >= {"definition", "choice", "reverse"}
    seen: dict[str, int] = {}
    for i, q in enumerate(qs):
        if q["term"] in seen:
            assert i - seen[q["term"]] >= 3, [(q["kind"], q["term"]) for q in qs]
        seen[q["term"]] = i
    first_kind = {}
    for q in qs:
        first_kind.setdefault(q["term"], q["kind"])
    assert set(first_kind.values()) == {"definition"}  # a new term is seen as a flashcard first


def test_choice_questions_have_up_to_four_choices_never_an_alias_of_the_answer(kb, imported):
    qs = _first(kb, mode="choice", n=20)
    assert qs
    all_cards = kb("cards", "--json").json()
    # Four where the card's topic has three other definitions to offer (gan has only two terms).
    assert sum(len(q["choices"]) == 4 for q in qs) >= 15
    for q in qs:
        assert 2 <= len(q["choices"]) <= 4 and len(set(q["choices"])) == len(q["choices"])
        assert q["answer"] in q["choices"]
        assert q["term"] not in q["answer"]
        same = {c["definition"] for c in all_cards if c["term"] == q["term"] or q["term"] in c["aliases"]}
        assert not same & (set(q["choices"]) - {q["answer"]})
    # 互信息 is defined in two posts: one card, and its other post's wording is never offered as a
    # wrong answer, not even in a session of that topic alone, where it is the only definition.
    mi = kb("quiz", "--mode", "choice", "--json", "-n", 20, "--topic", "互信息").json()
    assert [q["term"] for q in mi] == ["互信息"]
    for q in mi:
        assert not any("两个变量" in c for c in q["choices"] if c != q["answer"])
    # A choice, then the grade (Enter: the one proposed, Good if right, Again if wrong), three times.
    r = kb("quiz", "--mode", "choice", input="1\n\n2\n\n3\n\nq\n")
    assert r.code == 0
    assert len(_reviews(imported)) == 3


def test_bad_options_are_usage_errors(kb, imported):
    r = kb("quiz", "--mode", "oral")
    assert r.code == 2 and r.stderr.startswith("kb: error: unknown mode 'oral'")
    assert kb("quiz", "--count", "0").code == 2


def test_post_text_reaches_the_screen_cleaned_and_unstyled(kb, tmp_path):
    cap = tmp_path / "evil.txt"
    cap.write_text("卷积网络(ConvNet [bold]x[/bold]):\x1b[31m通过卷积核提取局部特征的网络。\n", encoding="utf-8")
    assert kb("import", cap).code == 0
    r = kb("quiz", input="\nq\n")
    assert r.code == 0
    assert "\x1b" not in r.stdout
    assert "[bold]x[/bold]" in r.stdout


def test_a_read_only_database_refuses_grading_but_allows_cram_and_json(kb, imported, monkeypatch):
    monkeypatch.setenv("KB_READONLY", "1")
    r = kb("quiz", input="\n3\nq\n")
    assert r.code == 1 and "read-only" in r.stderr and r.stdout == ""
    assert kb("quiz", "--json", "-n", "2").code == 0
    r = kb("quiz", "--cram", input="\n3\nq\n")
    assert r.code == 0 and "reviewed 1" in r.stdout
    assert _reviews(imported) == []


def test_q_or_the_end_of_input_at_the_grade_prompt_ends_the_session(kb, imported):
    # 表示 for 表示学习 is a near miss: the grades follow, to choose from. q there quits, and so does the
    # end of piped input, recording nothing for that card.
    import subprocess
    import sys

    from tests.conftest import ROOT

    for given in ("表示\nq\n", "表示\n"):
        run = subprocess.run([sys.executable, "-m", "kb", "quiz", "--mode", "typed"], input=given, cwd=ROOT,
                             capture_output=True, text=True, encoding="utf-8", timeout=120)
        assert run.returncode == 0, run.stderr
        assert "2 Hard if it counts, 1 Again if not" in run.stdout
        assert "reviewed 0 · right 0" in run.stdout and "\x1b" not in run.stdout
    assert _reviews(imported) == []


def test_the_screen_shows_formulas_as_kb_show_does_and_json_keeps_the_latex(kb, imported):
    r = kb("quiz", "--topic", "互信息", "--cram", input="\n3\nq\n")
    assert r.code == 0, r
    assert "表示两个变量 X 和 Y 之间的关系" in r.stdout and "\\(" not in r.stdout
    r = kb("quiz", "--topic", "Wasserstein距离", "--mode", "choice", "--cram", input="q\n")
    assert "𝒲[p,q]=inf_(γ∈Π[p,q])" in r.stdout and "\\mathcal" not in r.stdout
    assert "\\mathcal{W}" in kb("quiz", "--topic", "Wasserstein距离", "--json").json()[0]["answer"]


def test_the_config_files_quiz_defaults_are_used(kb, imported, tmp_path):
    # KB_CONFIG points here (conftest); the options still win over it.
    (tmp_path / "no-config.yaml").write_text(
        "quiz:\n  count: 3\n  mode: typed\n  new_per_day: 2\n  retention: 0.8\n", encoding="utf-8")
    qs = kb("quiz", "--json").json()
    # 3 asked, 2 new terms a day: 表示学习's alias card is no further new term.
    assert [(q["term"], q["kind"]) for q in qs] == [("表示学习", "reverse"), ("对比损失", "reverse"), ("表示学习", "alias")]
    assert [q["kind"] for q in kb("quiz", "--json", "-n", "1", "--mode", "choice").json()] == ["choice"]
    r = kb("quiz", input="表示学习\n\nq\n")
    assert r.code == 0 and "card 1 of 3" in r.stdout
    # The desired retention reaches FSRS: Easy on a new card schedules it further out at 0.8 than at 0.9.
    from fsrs import Card, Rating, Scheduler

    r = kb("quiz", "--mode", "flashcard", "-n", "1", input="\n4\nq\n")
    assert r.code == 0 and "reviewed 1" in r.stdout
    conn = sqlite3.connect(imported)
    cid, at = conn.execute("SELECT card_id, reviewed_at FROM reviews ORDER BY id DESC LIMIT 1").fetchone()
    due = conn.execute("SELECT due FROM card_schedule WHERE card_id = ?", (cid,)).fetchone()[0]
    conn.close()
    at = parse_stamp(at)
    at_09 = Scheduler(desired_retention=0.9, enable_fuzzing=False).review_card(Card(), Rating.Easy, at)[0].due
    at_08 = Scheduler(desired_retention=0.8, enable_fuzzing=False).review_card(Card(), Rating.Easy, at)[0].due
    assert at_08 > at_09 and parse_stamp(due) == at_08


def test_times_stored_before_one_format_are_migrated(kb, imported):
    """m008: the quiz once stored 2026-01-01T09:10:00+00:00; every stored time is now …Z, so that
    due times compare with now as strings."""
    conn = _conn(imported)
    cid = _first(kb)[0]["card_id"]
    schedule.review(conn, cid, 3, mode="definition", now=T0)
    conn.execute("UPDATE card_schedule SET due = '2026-01-01T09:10:00+00:00'")
    conn.execute("UPDATE reviews SET reviewed_at = '2026-01-01T09:00:00+00:00'")
    conn.execute("DELETE FROM _migrations WHERE name = 'm008_one_timestamp_format'")
    conn.execute("PRAGMA user_version = 6")
    conn.close()
    again = _conn(imported)
    assert again.execute("SELECT due FROM card_schedule").fetchone()[0] == "2026-01-01T09:10:00Z"
    assert again.execute("SELECT reviewed_at FROM reviews").fetchone()[0] == "2026-01-01T09:00:00Z"
