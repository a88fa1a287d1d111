"""Throughput of ``nngrade autograde`` against nbgrader's serial ``nbgrader autograde``.

Both grade the same N submissions of one lesson (half the solution, half the untouched
release), each in its own course directory, one after the other in this run, from the
command line as an instructor would (start-up included). Then the two gradebooks are
compared cell by cell (score and ``needs_manual_grade``).

    .venv/bin/python benchmarks/throughput.py [--lesson 01_neuron] [--n 24] [--jobs 2]

Prints a table and writes ``artifacts/throughput.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CONFIG = """\
c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.db_url = "sqlite:///{root}/gradebook.db"
"""


def make_course(root: Path, lesson: str, n: int) -> None:
    """A course directory with ``n`` submissions: even ones solved, odd ones stubs."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text(CONFIG.format(root=str(root)))
    shutil.copytree(ROOT / "solutions" / lesson, root / "source" / lesson)
    solved = (ROOT / "solutions" / lesson / f"{lesson}.ipynb").read_bytes()
    stub = (ROOT / "lessons" / lesson / f"{lesson}.ipynb").read_bytes()
    for i in range(n):
        folder = root / "submitted" / f"student{i:03d}" / lesson
        folder.mkdir(parents=True)
        (folder / f"{lesson}.ipynb").write_bytes(solved if i % 2 == 0 else stub)
        (folder / "timestamp.txt").write_text("2026-11-20 12:00:00.000000 UTC")


def _env() -> dict:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def run(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return seconds, proc


def scores(root: Path, lesson: str) -> dict:
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{root}/gradebook.db") as gb:
        for sub in gb.find_assignment(lesson).submissions:
            for nb in sub.notebooks:
                for grade in nb.grades:
                    out[(sub.student_id, grade.name)] = (grade.score, grade.needs_manual_grade)
    return out


def sandbox_cost(course: Path, lesson: str, rounds: int = 7) -> dict:
    """Time one submission in a warm worker with and without bubblewrap, interleaved."""
    import statistics

    from grader import jobs
    from grader.course import Course, ensure_assignment
    from grader.sandbox import KernelFactory, Limits, preload_modules
    from grader.sanitize import read_files, sanitize

    c = Course.open(course)
    ensure_assignment(c, lesson)
    model = c.assignment(lesson)
    notebook = sanitize(c, lesson, model.notebook(lesson), "student000").source
    files = read_files(c, "student000", lesson)
    preload = tuple(preload_modules(model.setup_sources, None))
    sensitive = tuple(c.sensitive_paths())
    runs: dict[str, list] = {"bwrap": [], "none": []}
    setups = {}
    for isolation in runs:
        limits = Limits(isolation=isolation)
        job = jobs.Job(lesson, lesson, "student000", notebook, files, limits, sensitive,
                       preload, {})
        setups[isolation] = (job, KernelFactory(limits, sensitive, preload))
    for _ in range(rounds):
        for isolation, (job, factory) in setups.items():
            jobs._FACTORIES.clear()
            jobs._FACTORIES[jobs.factory_key(job)] = factory
            result = jobs.run_job(job)
            assert result.ok, result.reason
            runs[isolation].append((result.seconds, result.kernel_start_s))
    for _, factory in setups.values():
        factory.close()
    jobs._FACTORIES.clear()
    med = {k: (statistics.median(r[0] for r in v[1:]), statistics.median(r[1] for r in v[1:]))
           for k, v in runs.items()}
    return {"rounds": rounds - 1, "bwrap_s": round(med["bwrap"][0], 4),
            "bwrap_start_s": round(med["bwrap"][1], 4), "none_s": round(med["none"][0], 4),
            "none_start_s": round(med["none"][1], 4),
            "cost_s": round(med["bwrap"][0] - med["none"][0], 4)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default="01_neuron")
    parser.add_argument("--n", type=int, default=24)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--out", default=str(ROOT / "artifacts" / "throughput.json"))
    parser.add_argument("--sandbox-cost", action="store_true",
                        help="also time one submission with and without bubblewrap")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="nngrade-bench-") as tmp:
        ours, theirs = Path(tmp) / "nngrade", Path(tmp) / "nbgrader"
        for root in (ours, theirs):
            make_course(root, args.lesson, args.n)
        # nbgrader needs the lesson in its gradebook first (not timed: same for both)
        run([sys.executable, "-m", "nbgrader", "generate_assignment", args.lesson, "--force"],
            theirs)
        t_nbgrader, _ = run([sys.executable, "-m", "nbgrader", "autograde", args.lesson], theirs)
        run([sys.executable, "-m", "nbgrader", "generate_assignment", args.lesson, "--force"],
            ours)
        t_ours, proc = run([str(Path(sys.executable).parent / "nngrade"), "autograde",
                            args.lesson, "--jobs", str(args.jobs), "--quiet"], ours)
        cost = sandbox_cost(ours, args.lesson) if args.sandbox_cost else None
        a, b = scores(theirs, args.lesson), scores(ours, args.lesson)
        same = a == b
        differences = sorted(str(k) for k in set(a) | set(b) if a.get(k) != b.get(k))[:10]
    result = {
        "lesson": args.lesson, "submissions": args.n, "jobs": args.jobs,
        "cpu_count": os.cpu_count(), "nbgrader_s": round(t_nbgrader, 2),
        "nngrade_s": round(t_ours, 2), "speedup": round(t_nbgrader / t_ours, 2),
        "same_scores": same, "differences": differences,
        "nbgrader_per_submission_s": round(t_nbgrader / args.n, 3),
        "nngrade_per_submission_s": round(t_ours / args.n, 3),
        "nngrade_summary": proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "",
        "load_average_after": os.getloadavg(),
    }
    if cost is not None:
        result["sandbox_cost"] = cost
    print(f"{'':22}{'nbgrader':>10}{'nngrade':>10}")
    print(f"{'wall time (s)':22}{t_nbgrader:>10.1f}{t_ours:>10.1f}")
    print(f"{'per submission (s)':22}{t_nbgrader / args.n:>10.2f}{t_ours / args.n:>10.2f}")
    print(f"speed-up: {result['speedup']}x with --jobs {args.jobs} on {os.cpu_count()} cores; "
          f"same scores and flags: {same}")
    print(result["nngrade_summary"])
    if cost is not None:
        print(f"one submission in a warm worker, median of {cost['rounds']} interleaved runs: "
              f"bubblewrap {cost['bwrap_s']:.3f} s (kernel start {cost['bwrap_start_s']:.3f} s)"
              f", uid+rlimits only {cost['none_s']:.3f} s (kernel start "
              f"{cost['none_start_s']:.3f} s): sandbox cost {cost['cost_s'] * 1000:+.0f} ms")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
