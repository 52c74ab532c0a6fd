"""``holdem-policy chart``: preflop range charts of a tiny trained blueprint, checked pixel by pixel against
the blueprint's own frequencies; the standard lines for 2 and 3 seats; bad input."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "eval"))
import policykit  # noqa: E402
from evalkit import trained_3max_run, trained_small_run  # noqa: E402
from pngkit import count_colour, read_png  # noqa: E402
from policykit import policy, policy_json  # noqa: E402

from holdem.blueprint import Blueprint  # noqa: E402
from holdem.cards import parse_cards  # noqa: E402
from holdem.eval.chart import action_colours, cell_box, cell_name  # noqa: E402
from holdem.game.engine import ActionKind, HandState  # noqa: E402

run, bp = policykit.run_fixture, policykit.bp_fixture  # the tiny heads-up run and its blueprint (module fixtures)


def _chart(capsys, *argv) -> tuple[int, str, str]:
    return policy(capsys, "chart", *argv)


def _chart_json(capsys, *argv) -> dict:
    return policy_json(capsys, "chart", *argv)


def _hole(name: str) -> list[int]:
    """A representative holding of a class: AKs -> AsKs, AKo -> AsKh, QQ -> QsQh."""
    second = "s" if name.endswith("s") else "h"
    return parse_cards(f"{name[0]}s{name[1]}{second}")


def _expected(bp, name: str, seat: int, actions) -> dict[str, float]:
    """The blueprint's probability of each concrete action for class ``name`` at the root, merged by token."""
    mine = _hole(name)
    rest = [c for c in range(52) if c not in mine]
    holes = [mine if s == seat else [rest.pop(), rest.pop()] for s in range(bp.n_players)]
    state = HandState.start(bp.game_config, holes, rest[:5], button=0)
    for act in actions:
        act(state)
    legal = state.legal()
    out: dict[str, float] = {}
    for ch in bp.action_probabilities(state).choices:
        if ch.kind == ActionKind.FOLD:
            token = "f"
        elif ch.kind == ActionKind.CHECK_CALL:
            token = "c"
        else:
            token = "a" if ch.amount == legal.max_raise_to else f"r{ch.amount}"
        out[token] = out.get(token, 0.0) + ch.probability
    return out


def _check_cells(png: Path, tokens: list[str], expected) -> None:
    img = read_png(png)
    colours = action_colours_for(tokens)
    for row in range(13):
        for col in range(13):
            want = expected(cell_name(row, col))
            x0, y0, x1, y1 = cell_box(row, col)
            bars = img[y0:y1, x0:x1]
            for token, colour in zip(tokens, colours):
                columns = count_colour(bars, colour) / (y1 - y0)
                assert abs(columns - want.get(token, 0.0) * (x1 - x0)) <= 1, (cell_name(row, col), token)


def action_colours_for(tokens: list[str]):
    from holdem.eval.chart import KIND_ALLIN, KIND_CALL, KIND_FOLD, KIND_RAISE, ChartAction

    kind = {"f": KIND_FOLD, "c": KIND_CALL, "x": KIND_CALL, "a": KIND_ALLIN}
    return action_colours([ChartAction(t, t, kind.get(t, KIND_RAISE), 0) for t in tokens])


def test_open_chart_cells_are_the_blueprints_frequencies(capsys, bp, tmp_path):
    out = _chart_json(capsys, bp.source, "--seat", "BTN", "--line", "open", "--out", tmp_path)
    [chart] = out["charts"]
    assert chart["title"] == "BTN/SB first in (open)" and chart["units"] == "% of hands"
    tokens = [a["token"] for a in chart["actions"]]
    assert tokens == ["f", "c", "r300", "a"]  # hu_small's sizes: fold, call, pot raise, all-in
    _check_cells(Path(chart["png"]), tokens, lambda name: _expected(bp, name, 0, []))
    # the legend's shares are the frequencies over all 1326 hands
    combos = {"pair": 6, "s": 4, "o": 12}
    share = sum(combos["pair" if len(n) == 2 else n[2]] * _expected(bp, n, 0, []).get("f", 0.0)
                for n in (cell_name(r, c) for r in range(13) for c in range(13))) / 1326
    assert chart["actions"][0]["percent_of_hands"] == pytest.approx(100 * share, abs=1e-3)
    page = Path(out["html"]).read_text()
    for r in range(13):
        for c in range(13):
            assert f">{cell_name(r, c)}</td>" in page
    assert Path(chart["png"]).name in page


def test_facing_a_raise_shows_the_big_blinds_frequencies(capsys, bp, tmp_path):
    out = _chart_json(capsys, bp.source, "--history", "r300", "--out", tmp_path)
    [chart] = out["charts"]
    assert chart["title"] == "BB to act after r300" and "history: r300" in chart["subtitle"]
    tokens = [a["token"] for a in chart["actions"]]
    _check_cells(Path(chart["png"]), tokens, lambda name: _expected(bp, name, 1, [lambda s: s.raise_to(300)]))


def test_default_charts_every_line_into_the_run_directory(capsys, run, bp):
    code, text, err = _chart(capsys, run)
    assert code == 0, err
    charts = run / "charts"
    it = bp.iteration
    names = sorted(p.name for p in charts.iterdir())
    assert names == sorted([f"preflop-{it}.html", f"preflop-{it}-btn-sb-open.png",
                            f"preflop-{it}-bb-vs-btn-sb-open.png", f"preflop-{it}-btn-sb-vs-bb-3bet.png"])
    assert "BB facing BTN/SB's open to 300" in text and "BTN/SB opens to 300, facing BB's 3-bet to" in text
    assert "% of hands" in text and text.rstrip().endswith("the 3 charts on one page")
    page = (charts / f"preflop-{it}.html").read_text()
    assert page.count("<table") == 3 and page.count(">72o</td>") == 3
    for png in charts.glob("*.png"):
        img = read_png(png)
        assert img.shape[0] > 600 and img.shape[1] > 600


def test_three_seats_chart_the_lines_that_can_happen(capsys, tmp_path_factory, tmp_path):
    run3 = trained_3max_run(tmp_path_factory)
    out = _chart_json(capsys, run3, "--out", tmp_path)
    titles = [c["title"] for c in out["charts"]]
    # one raise a street: nobody can 3-bet, so there is no vs-3bet chart; the big blind is never first in
    assert titles[:2] == ["BTN first in (open)", "SB first in (open)"]
    assert [t.split(" facing ")[0] for t in titles[2:]] == ["SB", "BB"] and all("open to" in t for t in titles[2:])
    out = _chart_json(capsys, run3, "--seat", "BB", "--line", "vs-open", "--vs", "BTN", "--out", tmp_path)
    [chart] = out["charts"]
    assert chart["title"].startswith("BB facing BTN's open to") and chart["subtitle"].endswith(" f")
    bp3 = Blueprint.load(run3)
    tokens = [a["token"] for a in chart["actions"]]
    amount = int(chart["subtitle"].split("history: r")[1].split()[0])
    _check_cells(Path(chart["png"]), tokens,
                 lambda name: _expected(bp3, name, 2, [lambda s: s.raise_to(amount), lambda s: s.fold()]))


@pytest.mark.parametrize("argv, expect", [
    (["--seat", "BB", "--line", "open"], "BB is never first in"),
    (["--seat", "BTN", "--line", "vs-open"], "acts first preflop"),
    (["--history", "r300 c /"], "leaves the preflop"),
    (["--history", "r300 f"], "hand is over"),
    (["--seat", "BB", "--history", "r300 r600"], "--seat"),
    (["--seat", "UTG"], "--seat"),
    (["--line", "vs-open", "--vs", "CO"], "--vs: "),
    (["--seat", "5"], "--seat 5: seats are 0..1"),
    (["--seat", "BB", "--line", "vs-3bet"], "cannot open"),
    (["--seat", "BB", "--line", "vs-open", "--vs", "BB"], "no chart fits"),
])
def test_bad_lines_exit_2_in_one_line(capsys, bp, tmp_path, argv, expect):
    code, out, err = _chart(capsys, bp.source, *argv, "--out", tmp_path)
    assert code == 2 and expect in err and err.count("\n") == 1 and out == ""


def test_unwritable_out_and_small_games_exit_2(capsys, bp, tmp_path, tmp_path_factory):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = _chart(capsys, bp.source, "--out", blocker)
    assert code == 2 and "--out" in err and "not a directory" in err and err.count("\n") == 1
    code, _, err = _chart(capsys, trained_small_run(tmp_path_factory, "leduc"))
    assert code == 2 and "Hold'em" in err
    code, _, err = _chart(capsys, tmp_path / "nothing")
    assert code == 2 and "no snapshot" in err

