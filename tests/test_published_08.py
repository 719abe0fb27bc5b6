"""08_rnnlm's published figure: the README's perplexities are what the reference computes, to the digits shown.

The solution trains the README's model on the shipped corpus; the README, the
public tests and the hidden tests' settings must all agree with it, and the
corpus and vocabulary the README lists must be the CORPUS that rnnlm.py ships.
"""

from __future__ import annotations

import ast
import re

from autograder import course, reference
from autograder.hidden import rnnlm as hidden

A = course.load("08_rnnlm")
README = (A.folder / "README.md").read_text(encoding="utf-8")


def _published_run():
    ref = reference.module(A)
    corpus, word_to_id, _ = ref.load_corpus()
    p = hidden.PUBLISHED
    model = ref.SimpleRnnlm(len(word_to_id), p["wordvec"], p["hidden"], seed=p["seed"])
    untrained = ref.perplexity(model, corpus, p["batch_size"], p["time_size"])
    ppl = ref.train(model, corpus, p["batch_size"], p["time_size"], p["lr"], p["epochs"])
    return corpus, word_to_id, untrained, ppl


RUN = _published_run()


def test_the_readme_publishes_the_perplexities_the_solution_computes():
    _, _, untrained, ppl = RUN
    for value in (ppl[0], ppl[1], ppl[-1], untrained):
        assert f"{value:.4f}" in README, f"{value:.4f} is not in the README"


def test_the_public_tests_check_the_same_figures():
    source = (A.folder / "test_rnnlm.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    constants = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple):
            for target, value in zip(node.targets[0].elts, node.value.elts):
                constants[target.id] = value.value
    _, _, untrained, ppl = RUN
    assert constants["PUBLISHED_FIRST"] == round(ppl[0], 4)
    assert constants["PUBLISHED_SECOND"] == round(ppl[1], 4)
    assert constants["PUBLISHED_LAST"] == round(ppl[-1], 4)
    assert f"{untrained:.4f}" in source


def test_the_readme_states_the_settings_the_hidden_tests_use():
    p = hidden.PUBLISHED
    call = (f"SimpleRnnlm(len(word_to_id), {p['wordvec']}, {p['hidden']}, seed={p['seed']})",
            f"batch_size={p['batch_size']}, time_size={p['time_size']}, lr={p['lr']}, epochs={p['epochs']}")
    for text in call:
        assert text in README, text


def test_the_readme_lists_the_shipped_corpus_and_its_vocabulary():
    corpus, word_to_id, _, _ = RUN
    assert f"{len(corpus)} words" in README and f"V = {len(word_to_id)}" in README
    listed = dict((word, int(i)) for i, word in re.findall(r"\b(\d+) (\S+)", README.split("```")[1]))
    assert listed == word_to_id
