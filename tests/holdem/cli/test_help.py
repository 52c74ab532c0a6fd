"""--help of every command: plain text (no reStructuredText), an example line, and the training flags worded alike."""
from __future__ import annotations

import argparse
import re

import pytest

from holdem.cli import buckets, eval as eval_cli, help as help_texts, play, policy, train, train_blueprint, tree
from supervisor import cli as supervise
from worker import cli as worker_cli, keys

PARSERS = {
    "holdem-tree": tree.build_parser,
    "holdem-train": train.build_parser,
    "holdem-policy": policy.build_parser,
    "holdem-buckets": buckets._parser,
    "holdem-eval": eval_cli.build_parser,
    "holdem-play": play.build_parser,
    "holdem-supervise": supervise.build_parser,
    "holdem-worker": worker_cli.build_parser,
    "holdem-keys": keys.build_parser,
    "train_blueprint": train_blueprint.build_parser,
}
RST = re.compile(r"``|:(mod|func|class|meth|attr):|::\s*$", re.MULTILINE)


def _all_help(parser: argparse.ArgumentParser):
    yield parser.prog, parser.format_help()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _all_help(sub)


@pytest.mark.parametrize("name", PARSERS)
def test_help_is_plain_text_with_an_example(name):
    for prog, text in _all_help(PARSERS[name]()):
        assert not RST.search(text), (prog, RST.search(text))
        assert re.search(r"^Examples?:", text, re.MULTILINE), prog


@pytest.mark.parametrize("name", ["holdem-supervise", "train_blueprint"])
def test_training_help_says_how_long_it_runs_and_what_a_batch_is(name):
    text = " ".join(PARSERS[name]().format_help().split())
    assert "With neither --iters nor --time-budget" in text and "until stopped" in text and "Ctrl-C" in text
    assert " ".join(help_texts.SUPERVISED_BATCH_SIZE_HELP.split()) in text
    assert "so small values no longer cost speed" in text
