"""Answers taken from the course's reference package: real lesson-02 submissions, probed in
a real kernel (nbclient, after ``instrument``) and judged by ``apply``."""

from __future__ import annotations

import ast
import contextlib
import copy
import io
import logging
import secrets
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest
from conftest import NUMPY_LESSONS, solution_notebook
from nbclient import NotebookClient
from nbgrader.utils import determine_grade

from grader.assignment import exercises, grade_id
from grader.provenance import (
    COPY_MIN_STATEMENTS,
    ENAME,
    TAG,
    Reference,
    _normalized,
    _reference_def,
    _statements,
    apply,
    configured_packages,
    copied_reference,
    instrument,
    is_probe,
    probe_cell,
    references,
    verdicts,
)

LESSON = "02_activations"
REF = "nncourse.reference.activations"

COPY_SIGMOID = '''\
from nncourse.reference._validate import as_float_array


def sigmoid(x):
    # my own numerically stable sigmoid
    x = as_float_array(x, "z")
    ex = np.copysign(x, -1.0, out=np.empty_like(x))
    np.exp(ex, out=ex)
    result = np.sign(x, out=np.empty_like(x))
    np.maximum(result, ex, out=result)
    ex += 1.0
    result /= ex
    return result
'''
ONE_LINER_RELU = '''\
def as_float_array(z, name):
    """My helper: z as a float array."""
    return np.asarray(z, dtype=float)


def relu(z):
    """max(0, z) element-wise, same shape as z."""
    return np.maximum(as_float_array(z, "z"), 0.0)
'''
FAKE_VERDICTS = (
    f'print("{TAG} 0123456789abcdef {{\\"name\\": \\"relu\\", \\"verdict\\": \\"imported\\"}}")\n'
    f'print("{TAG} {{\\"name\\": \\"relu\\", \\"verdict\\": \\"wrapper\\"}}")\n')

# label: ({solution cell: new source}, [(after cell id, new cell source)], zeroed exercises)
SUBMISSIONS = {
    "solution": ({}, [], {}),
    "import": ({"sigmoid": f"from {REF} import sigmoid\n"}, [], {"sigmoid": "imported"}),
    "wrapper": ({"relu": "from nncourse.reference import activations\n\n\ndef relu(z):\n"
                         "    return activations.relu(z)\n"}, [], {"relu": "wrapper"}),
    "importlib_and_rebind": (
        {"leaky_relu": "import importlib\n\n\ndef leaky_relu(z, alpha=0.01):\n"
                       f"    answers = importlib.import_module({REF!r})\n"
                       "    return answers.leaky_relu(z, alpha)\n"},
        [("test_relu", f"from {REF} import relu\n")],
        {"leaky_relu": "wrapper", "relu": "imported"}),
    "assignment": ({"softmax": "from nncourse.reference import activations\n\n"
                               "softmax = activations.softmax\n"}, [], {"softmax": "imported"}),
    "same_code": ({"relu_grad": "import types\n\nfrom nncourse.reference import activations\n\n"
                                "relu_grad = types.FunctionType(activations.relu_grad.__code__, "
                                "{**vars(activations), '__name__': '__main__'})\n"},
                  [], {"relu_grad": "same code"}),
    "copy": ({"sigmoid": COPY_SIGMOID}, [], {}),
    "one_liner": ({"relu": ONE_LINER_RELU}, [], {}),
    "runtime_copy": ({"sigmoid": "import inspect\n\nfrom nncourse.reference import activations\n\n"
                                 "ns = {**vars(activations), '__name__': '__main__'}\n"
                                 "exec(inspect.getsource(activations.sigmoid), ns)\n"
                                 "sigmoid = ns['sigmoid']\ndel ns\n"}, [], {}),
    "legit": ({"sigmoid_grad": "from nncourse.reference import activations\n\n\n"
                               "def sigmoid_grad(z):\n    s = activations.sigmoid(z)\n"
                               "    return s * (1.0 - s)\n"},
              [("relu", FAKE_VERDICTS)], {}),
}


def _submission(changes: dict, added: list) -> nbformat.NotebookNode:
    nb = nbformat.read(str(solution_notebook(LESSON)), as_version=4)
    for cell in nb.cells:
        if cell.get("id") in changes:
            cell.source = changes[cell.id]
    for after, source in added:
        at = next(i for i, c in enumerate(nb.cells) if c.get("id") == after) + 1
        nb.cells.insert(at, nbformat.v4.new_code_cell(source, id=f"student-{at}"))
    return nb


def _execute(nb: nbformat.NotebookNode, lesson: str = LESSON) -> nbformat.NotebookNode:
    path = str(solution_notebook(lesson).parent)
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": path}}).execute()
    return nb


@pytest.fixture(scope="module")
def graded():
    """label -> (submitted, executed before apply, executed after apply, notes, flags)."""
    def grade(label: str) -> tuple:
        changes, added, _ = SUBMISSIONS[label]
        submitted = _submission(changes, added)
        token = secrets.token_hex(8)
        executed = _execute(instrument(submitted, token))
        before = copy.deepcopy(executed)
        notes, flags = apply(executed, submitted, token)
        return submitted, before, executed, notes, flags, token

    with ThreadPoolExecutor(3) as pool:  # kernels mostly wait: three at a time
        return dict(zip(SUBMISSIONS, pool.map(grade, SUBMISSIONS), strict=True))


def _tests_of(nb) -> dict[str, list]:
    return {name: ex.tests for name, ex in exercises(nb).items()}


def _zeroed(nb) -> set[str]:
    return {name for name, tests in _tests_of(nb).items()
            if any(o.get("ename") == ENAME for t in tests for o in t.outputs)}


@pytest.mark.parametrize("label", list(SUBMISSIONS))
def test_exactly_the_exercise_taken_from_the_reference_scores_zero(graded, label):
    submitted, _, executed, notes, _, _ = graded[label]
    expected = SUBMISSIONS[label][2]
    assert _zeroed(executed) == set(expected)
    log = logging.getLogger("test")
    for name, tests in _tests_of(executed).items():
        for test in tests:
            score, points = determine_grade(test, log)
            if name in expected:
                assert score == 0, f"{label}: {grade_id(test)} should score 0"
                [error] = test.outputs
                assert f"`{name}`" in error.evalue and "scores 0" in error.evalue
                assert expected[name] in error.evalue
            else:
                assert score == points, f"{label}: {grade_id(test)} lost its points: " \
                                        f"{[o.get('evalue') for o in test.outputs]}"
    zero_notes = [n for n in notes if "score 0" in n]
    assert len(zero_notes) == len(expected)
    for name, how in expected.items():
        assert any(n.startswith(f"{name}:") and f"({how})" in n for n in zero_notes), notes


@pytest.mark.parametrize("label", list(SUBMISSIONS))
def test_probes_are_removed_and_cells_keep_their_order(graded, label):
    submitted, before, executed, _, _, _ = graded[label]
    assert sum(is_probe(c) for c in before.cells) >= len(exercises(submitted))
    assert not any(is_probe(c) for c in executed.cells)
    assert [c.get("id") for c in executed.cells] == [c.get("id") for c in submitted.cells]


@pytest.mark.parametrize("label", list(SUBMISSIONS))
def test_each_probe_printed_one_tagged_line_quickly(graded, label):
    _, before, _, _, _, token = graded[label]
    for cell in before.cells:
        if is_probe(cell):
            [output] = cell.outputs
            assert output.output_type == "stream" and output.name == "stdout"
            [line] = output.text.splitlines()
            assert line.startswith(f"{TAG} {token} ")
    found = verdicts(before, token)
    assert set(found) == set(exercises(before))
    # a short walk (the probe stops at 3000 objects); its time is a benchmark's business
    assert all(v.get("nodes", 0) < 1000 for v in found.values()), found


@pytest.mark.parametrize("lesson", [x for x in NUMPY_LESSONS if x != LESSON])
def test_other_lessons_solutions_get_no_note_though_they_use_the_references(lesson):
    nb = nbformat.read(str(solution_notebook(lesson)), as_version=4)
    token = secrets.token_hex(8)
    executed = _execute(instrument(nb, token), lesson)
    found = verdicts(executed, token)
    assert set(found) == set(exercises(nb)) and found
    assert {v["verdict"] for v in found.values()} == {"none"}, found
    assert all(v.get("nodes", 0) < 1000 for v in found.values()), found
    assert apply(executed, nb, token) == ([], [])


def test_untouched_solution_gets_no_note_and_no_flag(graded):
    _, _, _, notes, flags, _ = graded["solution"]
    assert notes == [] and flags == []


def test_rebinding_after_the_first_test_is_probed_again(graded):
    _, before, _, _, _, token = graded["importlib_and_rebind"]
    relu_probes = [c for c in before.cells if is_probe(c) and "`relu`" in c.source]
    assert len(relu_probes) == 2
    assert verdicts(before, token)["relu"]["verdict"] == "imported"


def test_verbatim_copy_of_a_long_reference_is_flagged_not_zeroed(graded):
    _, _, executed, notes, flags, _ = graded["copy"]
    assert flags == ["test_sigmoid", "test_sigmoid_hidden"]
    assert not _zeroed(executed)
    [note] = notes
    assert note.startswith("sigmoid: a verbatim copy of the course's "
                           f"{REF}.sigmoid") and "manual grading" in note


def test_copy_made_at_run_time_is_flagged_by_its_compiled_code(graded):
    _, before, executed, notes, flags, token = graded["runtime_copy"]
    assert verdicts(before, token)["sigmoid"]["verdict"] == "copy"
    assert flags == ["test_sigmoid", "test_sigmoid_hidden"]
    assert not _zeroed(executed)
    assert notes == [f"sigmoid: the same compiled code as the course's {REF}.sigmoid (a copy "
                     "made at run time or in another file); flagged for manual grading"]


def test_short_answer_identical_to_a_one_line_reference_is_not_flagged(graded):
    _, _, _, notes, flags, _ = graded["one_liner"]
    assert notes == [] and flags == []
    # the same tree as the reference: only its length spares it
    student = ast.parse(ONE_LINER_RELU).body[1]
    reference = _reference_def(Reference(REF, "relu"))
    assert _normalized(student) == _normalized(reference)
    assert _statements(reference) < COPY_MIN_STATEMENTS


def test_other_exercises_reference_and_fake_verdicts_change_nothing(graded):
    submitted, before, executed, notes, flags, token = graded["legit"]
    assert notes == [] and flags == []
    fake = next(c for c in before.cells if c.source == FAKE_VERDICTS)
    assert TAG in "".join(o.get("text", "") for o in fake.outputs)  # it did print them
    assert verdicts(before, token)["relu"]["verdict"] == "none"


def test_missing_or_forged_verdicts_are_no_verdict(graded):
    _, before, _, _, _, token = graded["import"]
    submitted = graded["import"][0]
    nb = copy.deepcopy(before)
    for cell in nb.cells:
        if is_probe(cell) and "`sigmoid`" in cell.source:
            text = cell.outputs[0].text
            cell.outputs[0].text = text.replace(token, "f" * len(token))
        elif is_probe(cell) and "`relu`" in cell.source:
            cell.outputs = [nbformat.v4.new_output(
                "stream", name="stdout", text=f"{TAG} {token} {{not json\n")]
        elif is_probe(cell) and "`softmax`" in cell.source:
            cell.outputs = []
        elif is_probe(cell) and "`leaky_relu`" in cell.source:
            cell.outputs = [nbformat.v4.new_output(
                "stream", name="stdout", text=f'{TAG} {token} {{"name": "leaky_relu", '
                                              f'"verdict": "error", "error": "KeyError: x"}}\n')]
    notes, flags = apply(nb, submitted, token)
    assert not _zeroed(nb) and flags == []
    assert sorted(notes) == [
        "leaky_relu: the reference-answer check failed in the kernel (KeyError: x)",
        *(f"{n}: the reference-answer check gave no verdict"
          for n in ("relu", "sigmoid", "softmax"))]


def test_copy_check_reads_the_submitted_source_ignoring_format_and_names():
    nb = _submission({"sigmoid": COPY_SIGMOID}, [])
    refs = references(("nncourse.reference",))
    assert copied_reference(nb, "sigmoid", refs["sigmoid"])[1] == 8
    own = _submission({}, [])
    assert copied_reference(own, "sigmoid", refs["sigmoid"]) is None
    changed = _submission({"sigmoid": COPY_SIGMOID.replace("ex += 1.0", "ex += 2.0")}, [])
    assert copied_reference(changed, "sigmoid", refs["sigmoid"]) is None


def test_no_probe_without_packages_or_outside_the_exercise_convention():
    nb = _submission({}, [])
    assert [c.id for c in instrument(nb, "t", packages=()).cells] == [c.id for c in nb.cells]
    other = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("def answer():\n    return 42", metadata={"nbgrader": {
            "grade": False, "solution": True, "locked": False, "grade_id": "q1",
            "schema_version": 3}}),
        nbformat.v4.new_code_cell("assert answer() == 42", metadata={"nbgrader": {
            "grade": True, "solution": False, "locked": True, "grade_id": "check-q1",
            "points": 1, "schema_version": 3}})])
    probed = instrument(other, "t")
    assert len(probed.cells) == 2 and not any(is_probe(c) for c in probed.cells)
    assert apply(probed, other, "t") == ([], [])


def test_packages_come_from_nbgrader_config():
    from traitlets.config import Config

    assert configured_packages() == ("nncourse.reference",)
    config = Config()
    config.ReferenceAnswers.packages = ["mycourse.answers"]
    assert configured_packages(config) == ("mycourse.answers",)
    assert references(("no_such_package_here",)) == {}


# -- the probe alone, in an in-process IPython shell ------------------------------------------
@pytest.fixture(scope="module")
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    return InteractiveShell.instance()


STRANGE = {
    "lambda": ("relu = lambda z: np.maximum(0.0, z)\n", "none"),
    "lambda_wrapper": ("from nncourse.reference import activations as _a\n"
                       "relu = lambda z: _a.relu(z)\n", "wrapper"),
    "class": ("class relu:\n    def __new__(cls, z):\n        return np.maximum(0.0, z)\n",
              "none"),
    "missing": ("", "missing"),
    "number": ("relu = 3\n", "none"),
    "hostile_object": (textwrap.dedent('''\
        class Loud:
            def __getattr__(self, name):
                print("LOUD", name)
                raise RuntimeError(name)
            def __eq__(self, other):
                print("LOUD eq")
                return True
            __hash__ = None
        relu = Loud()
        '''), "none"),
    "huge_globals": ("BIG = list(range(10**6))\nTABLE = {i: i for i in range(10**5)}\n"
                     "def relu(z):\n    return np.maximum(0.0, z) + 0 * len(BIG) * len(TABLE)\n",
                     "none"),
    "closure_wrapper": (textwrap.dedent(f'''\
        def _make():
            from {REF} import relu as hidden
            def inner(z):
                return hidden(z)
            return inner
        relu = _make()
        del _make
        '''), "wrapper"),
    "self_reference": (textwrap.dedent('''\
        from nncourse.reference import activations as _a
        def relu(z):
            relu.calls = getattr(relu, "calls", 0) + 1  # its own name, as a global
            return np.maximum(0.0, z) + 0.0 * _a.sigmoid(0.0)  # another exercise's reference
        '''), "none"),
    "getattr_string": ("from nncourse.reference import activations as _a\n"
                       "def relu(z):\n    return getattr(_a, 'relu')(z)\n", "wrapper"),
    "lru_cache": ("import functools\nfrom nncourse.reference import activations as _a\n"
                  "relu = functools.lru_cache(_a.relu)\n", "wrapper"),
    "vectorize": ("from nncourse.reference import activations as _a\n"
                  "relu = np.vectorize(_a.relu)\n", "wrapper"),
    "dict_dispatch": ("from nncourse.reference import activations as _a\n"
                      "def relu(z):\n    return _a.activation('relu', z)\n", "wrapper"),
}


@pytest.mark.parametrize("label", list(STRANGE))
def test_probe_survives_any_binding_and_leaves_the_namespace_alone(shell, label):
    code, expected = STRANGE[label]
    shell.user_ns.pop("relu", None)
    shell.run_cell("import numpy as np\n" + code, store_history=False)
    before = dict(shell.user_ns)
    token = secrets.token_hex(8)
    refs = references(("nncourse.reference",))["relu"]
    cell = probe_cell("relu", token, refs, ("nncourse.reference",), "probe")
    stdout = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(stdout):
        result = shell.run_cell(cell.source, store_history=False)
    elapsed = time.perf_counter() - started
    assert result.success
    after = dict(shell.user_ns)
    assert after.keys() == before.keys()
    assert all(after[k] is before[k] for k in before)
    [line] = stdout.getvalue().splitlines()
    assert line.startswith(f"{TAG} {token} ")
    nb = nbformat.v4.new_notebook(cells=[cell])
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=line + "\n")]
    verdict = verdicts(nb, token)["relu"]
    assert verdict["verdict"] == expected, verdict
    # huge globals are not walked: a short walk (the probe stops at 3000 objects), no hang
    assert verdict.get("nodes", 0) < 1000 and elapsed < 30, (verdict, elapsed)


# -- the lesson text --------------------------------------------------------------------------
@pytest.mark.parametrize("solutions", [True, False], ids=["solutions", "lessons"])
def test_first_lesson_with_an_exercise_says_answers_from_the_package_are_flagged(solutions):
    from conftest import LESSON_IDS, release_notebook

    path_of = solution_notebook if solutions else release_notebook
    for lesson in LESSON_IDS:
        nb = nbformat.read(str(path_of(lesson)), as_version=4)
        found = exercises(nb)
        if found:
            break
    first = min(nb.cells.index(ex.solution) for ex in found.values())
    text = " ".join(" ".join(c.source.split()) for c in nb.cells[:first]
                    if c.cell_type == "markdown")
    assert lesson.startswith("00")
    for words in ("contains reference answers", "`nncourse.reference`",
                  "later lessons can build on", "flagged at grading",
                  "*is* the course's", "calls it", "the exercise scores 0",
                  "flagged for your instructor", "only a copy of a longer answer is",
                  "for a *different* exercise is allowed"):
        assert words in text, f"{lesson}: {words!r} should come before its first exercise"


# -- the grading hooks ----------------------------------------------------------------------
def test_reference_check_hooks_probe_then_judge_one_notebook(monkeypatch):
    from types import SimpleNamespace

    from grader import provenance
    from grader.jobs import Result
    from grader.sanitize import Sanitized

    check = provenance.ReferenceCheck.from_config(None)
    task = SimpleNamespace(student="ada", notebook=SimpleNamespace(name=LESSON))
    submitted = _submission(*SUBMISSIONS["wrapper"][:2])
    sanitized = Sanitized(nbformat.writes(submitted), notes=["kept"])
    probed = check.after_sanitize(task, sanitized)
    assert probed.notes == ["kept"]
    executed = _execute(nbformat.reads(probed.source, as_version=4))
    result = Result("ada", LESSON, True, source=nbformat.writes(executed), notes=["worker"],
                    flags=["test_softmax"])
    judged = check.before_record(task, result)
    nb = nbformat.reads(judged.source, as_version=4)
    assert not any(is_probe(c) for c in nb.cells) and _zeroed(nb) == {"relu"}
    assert judged.notes[0] == "worker" and "(wrapper)" in judged.notes[1]
    assert judged.flags == ["test_softmax"]
    # a check that breaks costs the check, never the grading
    check.after_sanitize(task, sanitized)
    monkeypatch.setattr(provenance, "apply", lambda *a: 1 / 0)
    broken = check.before_record(task, result)
    nb = nbformat.reads(broken.source, as_version=4)
    assert not any(is_probe(c) for c in nb.cells)
    assert broken.notes[-1].startswith("the reference-answer check failed: ZeroDivisionError")
    failed = Result("ada", LESSON, False, reason="kernel died")
    check.after_sanitize(task, sanitized)
    assert check.before_record(task, failed) is failed
