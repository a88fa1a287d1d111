"""From JupyterHub to the gradebook: nbgrader's exchange feeds ``nngrade autograde`` unchanged.

The whole path runs with a local exchange folder, as on a JupyterHub whose students are Unix
users: the instructor runs ``nbgrader generate_assignment`` and ``release_assignment``; two
students, each a separate uid, ``fetch_assignment`` into their own home, answer (one right,
one wrong in a way only a hidden test sees) and ``submit``, the second after the deadline;
the instructor ``collect``s and runs the ``nngrade`` command; later the second student
resubmits and the instructor collects with ``--update`` and grades again. The course is
not this one: ``tests/fixtures/any_course.py``'s ``ps1``, two notebooks with unrelated names
(``Part A``, ``quiz``), a data file they read, plain ``assert`` tests with hidden ones,
manually graded answers and a task, and a late policy of the course's own (half off).

Student identity: nbgrader's exchange names a submission after ``nbgrader.utils.get_username``,
which is the *uid's* name in the password database (``pwd.getpwuid(os.getuid())``; only a
uid named ``jovyan`` defers to ``$JUPYTERHUB_USER``), not ``$USER``. So each student command
runs as its own uid (``setpriv``) inside a mount namespace (``bwrap``) whose ``/etc/passwd``
and ``/etc/group`` name that uid; the host's files are not touched. Needs root and
bubblewrap, as ``nngrade autograde`` itself does.
"""

from __future__ import annotations

import csv
import json
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import pytest
from fixtures import any_course as ac
from fixtures.submissions.course import env, nngrade
from support import NBGRADER

COURSE_ID = "nnx101"
ASSIGNMENT = "ps1"
NOTEBOOKS = {"Part A": ac.PART_A, "quiz": ac.QUIZ}


def _free_uids(count: int, start: int = 62001) -> list[int]:
    """``count`` uids the host's password database does not name (from ``start``: clear of
    nngrade's kernel uids, 61000 + worker slot)."""
    free = []
    uid = start
    while len(free) < count:
        try:
            pwd.getpwuid(uid)
        except KeyError:
            free.append(uid)
        uid += 1
    return free


STUDENTS = dict(zip(("alice", "bob"), _free_uids(2), strict=True))  # name -> uid
ON_TIME, LATE = "alice", "bob"  # the deadline passes between their submissions
HIDDEN = "assert square(-2) == 4"  # quiz's hidden test
# What each student types: alice is right; bob's `square` passes the visible assert only.
BOB_SQUARE = "def square(x):\n    return 3 * x"
ANSWERS = {
    "alice": ac.RIGHT,
    "bob": {**ac.RIGHT, "square": BOB_SQUARE, "explain-mean": "I am not sure."},
}
# Automatically graded cells: (notebook, grade_id) -> points.
AUTO = {("Part A", "mean-tests"): 3.0, ("Part A", "spread-tests"): 0.5,
        ("quiz", "square-test"): 1.5, ("quiz", "test_is_even"): 2.0}


def _answer(path: Path, answers: dict[str, str]) -> None:
    """Edit a fetched notebook as a student does: fill in the cells ``answers`` names."""
    nb = nbformat.read(str(path), as_version=4)
    path.write_bytes(ac.answer(nb, answers))


class Hub:
    """A course folder, an exchange and student homes under one world-traversable folder."""

    def __init__(self, base: Path):
        self.base = base
        self.course = base / "course"
        self.exchange = base / "exchange"
        self.homes = base / "home"
        self._accounts = base / "accounts"
        # per student: the time just before and just after their last `submit`
        self.submitted_between: dict[str, tuple[datetime, datetime]] = {}
        self.autograde: subprocess.CompletedProcess | None = None

    def setup(self) -> None:
        """The instructor's course (config, source) and the exchange, made as nbgrader's
        documentation says (``chmod ugo+rw`` on the exchange root)."""
        source = self.course / "source" / ASSIGNMENT
        (source / "data").mkdir(parents=True)
        for name, nb in NOTEBOOKS.items():
            nbformat.write(nb, str(source / f"{name}.ipynb"))
        (source / "data" / "points.csv").write_text(ac.POINTS_CSV)
        (self.course / "nbgrader_config.py").write_text(
            ac.CONFIG + f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
            f"c.Exchange.root = {str(self.exchange)!r}\n")
        self.exchange.mkdir()
        self.exchange.chmod(0o777)
        self.homes.mkdir()
        self._accounts.mkdir()
        passwd = Path("/etc/passwd").read_text()
        group = Path("/etc/group").read_text()
        for name, uid in STUDENTS.items():
            home = self.homes / name
            passwd += f"{name}:x:{uid}:{uid}:{name}:{home}:/bin/sh\n"
            group += f"{name}:x:{uid}:\n"
            # what every JupyterHub user's environment has: where the exchange is, which course
            config = home / ".jupyter" / "nbgrader_config.py"
            config.parent.mkdir(parents=True)
            config.write_text("c = get_config()\n"
                              f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
                              f"c.Exchange.root = {str(self.exchange)!r}\n")
            for path in (home, *home.rglob("*")):
                os.chown(path, uid, uid)
        (self._accounts / "passwd").write_text(passwd)
        (self._accounts / "group").write_text(group)

    def instructor(self, *args: str) -> subprocess.CompletedProcess:
        """An nbgrader command run by the instructor (root) in the course folder."""
        return _finish(_start([*NBGRADER, *args], self.course, env()))

    def students(self, names: list[str], *args: str) -> None:
        """The same nbgrader command run by each student at once, each as their own uid, in
        their home folder, with their login environment; records when ``submit`` ran."""
        before = datetime.now(UTC)
        running = [(name, self._student(name, *args)) for name in names]
        for name, process in running:
            _finish(process)
            if args[0] == "submit":
                self.submitted_between[name] = (before, datetime.now(UTC))

    def _student(self, name: str, *args: str) -> subprocess.Popen:
        uid, home = STUDENTS[name], self.homes / name
        student_env = {k: v for k, v in env().items()
                       if not k.startswith(("JUPYTER", "IPYTHON"))}
        student_env.update(HOME=str(home), USER=name, LOGNAME=name,
                           JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
                           PYTHONDONTWRITEBYTECODE="1")
        command = [
            shutil.which("bwrap") or "bwrap", "--dev-bind", "/", "/",
            "--ro-bind", str(self._accounts / "passwd"), "/etc/passwd",
            "--ro-bind", str(self._accounts / "group"), "/etc/group", "--chdir", str(home),
            "--", shutil.which("setpriv") or "setpriv", f"--reuid={uid}", f"--regid={uid}",
            "--clear-groups", "--", *NBGRADER, *args]
        return _start(command, home, student_env)


def _start(command: list[str], cwd: Path, environ: dict) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=cwd, env=environ, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _finish(process: subprocess.Popen) -> subprocess.CompletedProcess:
    """Wait for ``process``; AssertionError with its output if it failed."""
    stdout, stderr = process.communicate(timeout=300)
    if process.returncode != 0:
        raise AssertionError(f"{' '.join(process.args[-4:])} failed ({process.returncode}):\n"
                             f"{stdout[-3000:]}\n{stderr[-3000:]}")
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _exchange_time(text: str) -> datetime:
    """A time as nbgrader's exchange writes it (``timestamp.txt``, inbound folder names)."""
    return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S.%f %Z").replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def hub() -> Iterator[Hub]:
    """The whole path, once: release, fetch, answer, submit (alice on time, bob late),
    collect, ``nngrade autograde``."""
    if os.geteuid() != 0:
        pytest.fail("the exchange test runs students as their own uids: run it as root "
                    "(as nngrade autograde needs)", pytrace=False)
    for tool in ("bwrap", "setpriv"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed (apt-get install -y bubblewrap util-linux)",
                        pytrace=False)
    base = Path(tempfile.mkdtemp(prefix="nngrade-hub-"))
    base.chmod(0o755)  # students cross it to reach their homes and the exchange
    try:
        hub = Hub(base)
        hub.setup()
        hub.instructor("generate_assignment", ASSIGNMENT)
        hub.instructor("release_assignment", ASSIGNMENT)
        hub.students(list(STUDENTS), "fetch_assignment", ASSIGNMENT)
        for name, answers in ANSWERS.items():
            for notebook in NOTEBOOKS:
                _answer(hub.homes / name / ASSIGNMENT / f"{notebook}.ipynb", answers)
        hub.students([ON_TIME], "submit", ASSIGNMENT)
        _set_deadline(hub.course, datetime.now(UTC))
        hub.students([LATE], "submit", ASSIGNMENT)
        hub.instructor("collect", ASSIGNMENT)
        hub.autograde = nngrade(hub.course, "autograde", ASSIGNMENT, "--jobs", "2")
        yield hub
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _gradebook(course: Path):
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{course}/gradebook.db", COURSE_ID)


def _set_deadline(course: Path, due: datetime) -> None:
    """The instructor sets the assignment's due date (as formgrader's Edit does)."""
    with _gradebook(course) as gb:
        gb.update_or_create_assignment(ASSIGNMENT, duedate=due.replace(tzinfo=None))


def _submissions(course: Path) -> dict:
    """Student -> timestamp, due date, per-notebook late penalties and grades."""
    out = {}
    with _gradebook(course) as gb:
        assignment = gb.find_assignment(ASSIGNMENT)
        for sub in assignment.submissions:
            out[sub.student_id] = {
                "timestamp": sub.timestamp.replace(tzinfo=UTC),
                "due": assignment.duedate.replace(tzinfo=UTC),
                "penalty": {nb.name: nb.late_submission_penalty for nb in sub.notebooks},
                "score": {nb.name: nb.score for nb in sub.notebooks},
                "grades": {(nb.name, g.name): (g.auto_score, g.needs_manual_grade)
                           for nb in sub.notebooks for g in nb.grades}}
    return out


def _inbound(hub: Hub, student: str) -> list[Path]:
    """The student's submissions in the exchange, oldest first."""
    return sorted((hub.exchange / COURSE_ID / "inbound").glob(f"{student}+{ASSIGNMENT}+*"),
                  key=lambda folder: _exchange_time((folder / "timestamp.txt").read_text()))


def test_students_fetch_the_release_without_hidden_tests_or_solutions(hub):
    for name, uid in STUDENTS.items():
        folder = hub.homes / name / ASSIGNMENT
        assert (folder / "data" / "points.csv").read_text() == ac.POINTS_CSV
        for notebook in NOTEBOOKS:
            fetched = folder / f"{notebook}.ipynb"
            assert fetched.stat().st_uid == uid, f"{name}'s copy is not theirs"
            text = fetched.read_text()
            assert "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text
        assert "assert square(3) == 9" in (folder / "quiz.ipynb").read_text()


def test_the_exchange_names_each_submission_after_the_students_uid(hub):
    inbound = sorted(p.name.split("+")[0] for p in (hub.exchange / COURSE_ID / "inbound")
                     .iterdir())
    assert inbound == sorted(STUDENTS), inbound
    for name, uid in STUDENTS.items():
        assert _inbound(hub, name)[0].joinpath("quiz.ipynb").stat().st_uid == uid


def test_collect_fills_submitted_with_both_students(hub):
    for name in STUDENTS:
        folder = hub.course / "submitted" / name / ASSIGNMENT
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            [*(f"{nb}.ipynb" for nb in NOTEBOOKS), "data", "submission_secret.txt",
             "timestamp.txt"])
        assert HIDDEN not in (folder / "quiz.ipynb").read_text()


def test_nngrade_grades_both_notebooks_with_the_hidden_tests_restored(hub):
    assert "0 failed" in hub.autograde.stdout, hub.autograde.stdout
    grades = {name: sub["grades"] for name, sub in _submissions(hub.course).items()}
    assert sorted(grades) == sorted(STUDENTS)
    for cell, points in AUTO.items():
        assert grades["alice"][cell] == (points, False), cell
    # bob's `3 * x` passes the visible assert; only the hidden one, which never left the
    # instructor's gradebook, catches it
    assert grades["bob"][("quiz", "square-test")] == (0.0, False)
    for cell in set(AUTO) - {("quiz", "square-test")}:
        assert grades["bob"][cell] == (AUTO[cell], False), cell
    for name in STUDENTS:
        assert grades[name][("Part A", "explain-mean")][1] is True, name
        autograded = hub.course / "autograded" / name / ASSIGNMENT / "quiz.ipynb"
        assert HIDDEN in autograded.read_text(), f"{name} was graded without the hidden test"


def test_gradebook_timestamps_are_the_exchanges(hub):
    submissions = _submissions(hub.course)
    for name in STUDENTS:
        folder = _inbound(hub, name)[0]
        stamp = (folder / "timestamp.txt").read_text()
        assert folder.name.split("+")[2] == stamp.strip()
        collected = hub.course / "submitted" / name / ASSIGNMENT / "timestamp.txt"
        assert _exchange_time(collected.read_text()) == _exchange_time(stamp)
        before, after = hub.submitted_between[name]
        assert before <= _exchange_time(stamp) <= after, (name, before, stamp, after)
        assert submissions[name]["timestamp"] == _exchange_time(stamp), name


def test_the_late_policy_uses_the_exchanges_timestamps(hub):
    submissions = _submissions(hub.course)
    on_time, late = submissions[ON_TIME], submissions[LATE]
    assert on_time["timestamp"] <= on_time["due"] < late["timestamp"]
    assert on_time["penalty"] == {"Part A": None, "quiz": None}  # nbgrader's "not late"
    # the course's plugin takes half of each late notebook's score
    assert late["penalty"] == {"Part A": 1.75, "quiz": 1.0}, late


def test_status_and_export_see_both_students(hub, tmp_path):
    report = json.loads(nngrade(hub.course, "status", ASSIGNMENT, "--json").stdout)
    rows = {row["student"]: row for row in report["rows"]}
    assert sorted(rows) == sorted(STUDENTS), report
    assert [row["state"] for row in rows.values()] == ["graded", "graded"], rows
    assert sorted(report["notebooks"]) == sorted(NOTEBOOKS), report
    target = tmp_path / "grades.csv"
    nngrade(hub.course, "export", ASSIGNMENT, "--csv", str(target))
    with target.open() as handle:
        exported = {row["student"]: row for row in csv.DictReader(handle)}
    assert sorted(exported) == sorted(STUDENTS)
    for row in exported.values():
        assert row["status"].startswith("graded") and "explain-mean" in row["status"], row
    assert float(exported[ON_TIME]["square-test"]) == 1.5, exported
    assert float(exported[LATE]["square-test"]) == 0.0, exported
    assert float(exported[ON_TIME]["total"]) > float(exported[LATE]["total"]), exported


def test_exchange_permissions_are_nbgraders(hub):
    """The release is readable by every student; inbound is writable but not listable."""
    outbound = hub.exchange / COURSE_ID / "outbound" / ASSIGNMENT
    assert outbound.joinpath("quiz.ipynb").stat().st_mode & stat.S_IROTH
    inbound_mode = (hub.exchange / COURSE_ID / "inbound").stat().st_mode
    assert inbound_mode & stat.S_IWOTH and not inbound_mode & stat.S_IROTH


@pytest.fixture(scope="module")
def resubmitted(hub: Hub) -> subprocess.CompletedProcess:
    """bob fixes ``square`` and submits again (late again); the instructor collects with
    ``--update`` (nbgrader keeps the newest submission) and runs ``nngrade autograde``."""
    _answer(hub.homes / LATE / ASSIGNMENT / "quiz.ipynb", {"square": ac.RIGHT["square"]})
    hub.students([LATE], "submit", ASSIGNMENT)
    hub.instructor("collect", "--update", ASSIGNMENT)
    return nngrade(hub.course, "autograde", ASSIGNMENT, "--quiet")


# Last in this file: it changes what the tests above check.
def test_a_resubmission_is_collected_and_regraded(hub, resubmitted):
    assert "0 failed" in resubmitted.stdout, resubmitted.stdout
    submissions = _submissions(hub.course)
    late = submissions[LATE]
    assert late["grades"][("quiz", "square-test")] == (1.5, False)
    assert len(_inbound(hub, LATE)) == 2
    newest = _exchange_time((_inbound(hub, LATE)[-1] / "timestamp.txt").read_text())
    assert late["timestamp"] == newest
    before, after = hub.submitted_between[LATE]
    assert before <= newest <= after
    assert late["penalty"] == {"Part A": 1.75, "quiz": 1.75}, late
    on_time = submissions[ON_TIME]
    assert on_time["timestamp"] == _exchange_time(
        (_inbound(hub, ON_TIME)[0] / "timestamp.txt").read_text())
    assert all(on_time["grades"][cell] == (points, False) for cell, points in AUTO.items())
