"""Gate 4: every plausible wrong answer in tests/mutants/ loses points under its tests.

Each mutant runs against its exercise's own cells (setup, earlier solutions, the mutated
solution, its test cells), in-process, judged like nbgrader: an exception or any stderr.
A learner sees only the visible test cells before grading, so in every lesson the visible
cells alone must catch at least ``MIN_VISIBLE_CATCH`` of the catalogued mistakes.
"""

from __future__ import annotations

import functools
import importlib

import pytest
from conftest import LESSON_IDS, solution_notebook
from support.mutants import apply_mutant, parsed, run_exercise

from grader.assignment import exercises
from grader.notebooks import read

MIN_MUTANTS = 4
MIN_VISIBLE_CATCH = 0.90


def _catalogue(lesson: str) -> dict:
    module = importlib.import_module(f"mutants.lesson_{lesson[:2]}")
    return module.MUTANTS


def _cases():
    for lesson in LESSON_IDS:
        try:
            catalogue = _catalogue(lesson)
        except ModuleNotFoundError:
            continue
        for exercise, mutants in catalogue.items():
            for label, mutant in mutants.items():
                yield pytest.param(lesson, exercise, label, mutant,
                                   id=f"{lesson}:{exercise}:{label}")


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_every_exercise_has_mutants(lesson):
    names = set(exercises(read(solution_notebook(lesson))))
    catalogue = _catalogue(lesson)
    missing = sorted(names - set(catalogue))
    assert not missing, f"{lesson}: no mutants for {missing}"
    thin = {n: len(catalogue[n]) for n in names if len(catalogue[n]) < MIN_MUTANTS}
    assert not thin, f"{lesson}: fewer than {MIN_MUTANTS} mutants for {thin}"
    unknown = sorted(set(catalogue) - names)
    assert not unknown, f"{lesson}: mutants for exercises that do not exist: {unknown}"


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_solutions_pass_their_own_cells(lesson):
    notebook = solution_notebook(lesson)
    for name in exercises(read(notebook)):
        results = run_exercise(notebook, name)
        assert results, f"{lesson}:{name} has no test cells"
        failed = [f"{r.grade_id}: {r.reason}" for r in results if not r.passed]
        assert not failed, f"{lesson}:{name} solution fails its own tests: {failed}"


@functools.cache
def _mutant_results(lesson: str, exercise: str, label: str) -> tuple[bool, bool]:
    """(killed by any test cell, killed by a visible one), run once per mutant."""
    notebook = solution_notebook(lesson)
    solution = parsed(notebook)[0][exercise].solution.source
    mutant = _catalogue(lesson)[exercise][label]
    results = run_exercise(notebook, exercise, apply_mutant(solution, mutant))
    killed = any(not r.passed for r in results)
    seen = any(not r.passed for r in results if not r.hidden)
    return killed, seen


@pytest.mark.parametrize("lesson, exercise, label, mutant", list(_cases()))
def test_mutant_loses_points(lesson, exercise, label, mutant, record_property):
    killed, seen = _mutant_results(lesson, exercise, label)
    record_property("mutation", (lesson, exercise, label, killed, seen))  # for the summary
    assert killed, f"mutant '{label}' of {lesson}:{exercise} passes every test cell"


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_visible_tests_catch_most_mistakes(lesson):
    catalogue = _catalogue(lesson)
    outcomes = {(exercise, label): _mutant_results(lesson, exercise, label)[1]
                for exercise, mutants in catalogue.items() for label in mutants}
    caught = sum(outcomes.values())
    missed = [f"{exercise}: {label}" for (exercise, label), seen in outcomes.items() if not seen]
    assert caught >= MIN_VISIBLE_CATCH * len(outcomes), (
        f"{lesson}: the visible tests catch {caught}/{len(outcomes)} catalogued mistakes "
        f"(goal {MIN_VISIBLE_CATCH:.0%}); only hidden tests catch: {missed}")
