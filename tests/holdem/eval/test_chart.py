"""Preflop range charts: grid geometry, bar widths against the frequencies, the legend's shares, the HTML page."""
import numpy as np
import pytest
from pngkit import count_colour

from holdem.eval.chart import (
    ALLIN_COLOUR,
    CALL_COLOUR,
    FOLD_COLOUR,
    GRID_RANKS,
    KIND_ALLIN,
    KIND_CALL,
    KIND_FOLD,
    KIND_RAISE,
    TOTAL_COMBOS,
    ChartAction,
    PreflopChart,
    action_colours,
    bar_edges,
    cell_box,
    cell_combos,
    cell_name,
    grid_cell,
    html_page,
    render_png,
    sorted_actions,
)

ACTIONS = (ChartAction("f", "fold", KIND_FOLD, 0), ChartAction("c", "call 50", KIND_CALL, 50),
           ChartAction("r250", "raise to 250", KIND_RAISE, 250), ChartAction("r350", "raise to 350", KIND_RAISE, 350),
           ChartAction("a", "raise to 20000 (all-in)", KIND_ALLIN, 20000))


def random_chart(seed: int = 0, actions=ACTIONS) -> PreflopChart:
    rng = np.random.default_rng(seed)
    freqs = rng.dirichlet(np.full(len(actions), 0.5), size=(13, 13))
    freqs[0, 0] = np.eye(len(actions))[-1]  # AA: all-in only
    return PreflopChart("BTN first in (open)", "iteration 1,000, average strategy, history: none", actions, freqs)


def test_the_grid_names_every_class_once():
    names = {cell_name(r, c) for r in range(13) for c in range(13)}
    assert len(names) == 169 and {"AA", "AKs", "AKo", "32s", "32o", "22"} <= names
    for r in range(13):
        for c in range(13):
            assert grid_cell(cell_name(r, c)) == (r, c)
    combos = cell_combos()
    assert combos.sum() == TOTAL_COMBOS and combos[0, 0] == 6 and combos[0, 1] == 4 and combos[1, 0] == 12


def test_actions_sort_and_take_their_colours():
    shuffled = [ACTIONS[i] for i in (4, 2, 0, 3, 1)]
    assert tuple(sorted_actions(shuffled)) == ACTIONS
    colours = action_colours(ACTIONS)
    assert colours[0] == FOLD_COLOUR and colours[1] == CALL_COLOUR and colours[-1] == ALLIN_COLOUR
    assert len(set(colours)) == len(ACTIONS)  # the two raise sizes get different shades


def test_bar_edges_are_within_a_pixel_of_each_share():
    p = np.array([0.1234, 0.0, 0.5, 0.3766])
    edges = bar_edges(p, 49)
    assert edges[0] == 0 and edges[-1] == 49
    assert np.all(np.abs(np.diff(edges) - p * 49) <= 1)
    assert np.all(bar_edges(np.zeros(3), 10) == 0)  # no probability: no bars


def test_png_cells_show_each_actions_frequency():
    chart = random_chart()
    img = render_png(chart)
    colours = action_colours(chart.actions)
    for row in range(13):
        for col in range(13):
            x0, y0, x1, y1 = cell_box(row, col)
            bars = img[y0:y1, x0:x1]
            for a, colour in enumerate(colours):
                columns = count_colour(bars, colour) / (y1 - y0)
                assert columns == int(columns)  # each bar fills whole columns of the cell
                assert abs(columns - chart.freqs[row, col, a] * (x1 - x0)) <= 1, (cell_name(row, col), a)
    x0, y0, x1, y1 = cell_box(0, 0)
    assert count_colour(img[y0:y1, x0:x1], ALLIN_COLOUR) == (x1 - x0) * (y1 - y0)


def test_the_legend_gives_combination_weighted_shares():
    chart = random_chart(1)
    shares = chart.range_frequencies()
    assert shares.sum() == pytest.approx(1.0)
    by_hand = sum(cell_combos()[r, c] * chart.freqs[r, c] for r in range(13) for c in range(13)) / TOTAL_COMBOS
    assert shares == pytest.approx(by_hand)
    j = chart.to_json()
    assert j["units"] == "% of hands" and [a["token"] for a in j["actions"]] == ["f", "c", "r250", "r350", "a"]
    assert sum(a["percent_of_hands"] for a in j["actions"]) == pytest.approx(100, abs=0.01)


def test_html_page_holds_every_hand_label_and_the_legend():
    charts = [random_chart(0), random_chart(2)]
    page = html_page("Preflop ranges of runs/x", charts, ["a.png", "b.png"])
    assert page.startswith("<!DOCTYPE html>") and page.count("<table") == 2
    for r in range(13):
        for c in range(13):
            assert page.count(f">{cell_name(r, c)}</td>") == 2
    for rank in GRID_RANKS:
        assert f"<th>{rank}</th>" in page
    assert page.count("raise to 250: ") == 2 and "of hands" in page and 'href="b.png"' in page
    assert "AA: fold 0.0%, call 50 0.0%, raise to 250 0.0%, raise to 350 0.0%, raise to 20000 (all-in) 100.0%" in page


def test_a_chart_must_have_one_frequency_per_action():
    with pytest.raises(ValueError, match="shape"):
        PreflopChart("t", "s", ACTIONS, np.zeros((13, 13, 2)))
