"""Throughput of ``nngrade autograde`` against nbgrader's serial ``nbgrader autograde``.

Both grade the same N submissions of one lesson (half the solution, half the untouched
release), each in its own course directory, one after the other in this run, from the
command line as an instructor would (start-up included). Then the two gradebooks are
compared cell by cell (score and ``needs_manual_grade``).

    .venv/bin/python benchmarks/throughput.py [--lesson 01_neuron] [--n 24] [--jobs 2] [--rounds 1]

Prints a table and writes ``artifacts/throughput.json``: wall time and CPU seconds (user +
system of the command and every process it waited for: kernels, workers, zygotes) per tool.
On a loaded machine compare the CPU seconds; ``--rounds R`` repeats the pair R times,
alternating which tool goes first, and reports medians.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
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


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(cmd: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess, float]:
    """Run ``cmd``; its wall seconds, the finished process and its CPU seconds (children
    included, as far as they were waited for)."""
    cpu, start = _children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return seconds, proc, _children_cpu() - cpu


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


def one_round(tmp: Path, args: argparse.Namespace, nngrade_first: bool) -> dict:
    """Both tools on fresh copies of the course; wall and CPU seconds, gradebooks compared."""
    ours, theirs = tmp / "nngrade", tmp / "nbgrader"
    for root in (ours, theirs):
        shutil.rmtree(root, ignore_errors=True)
        make_course(root, args.lesson, args.n)
        # the lesson in the gradebook first (not timed: the same for both)
        run([sys.executable, "-m", "nbgrader", "generate_assignment", args.lesson, "--force"],
            root)
    commands = {
        "nbgrader": ([sys.executable, "-m", "nbgrader", "autograde", args.lesson], theirs),
        "nngrade": ([str(Path(sys.executable).parent / "nngrade"), "autograde", args.lesson,
                     "--jobs", str(args.jobs), "--quiet"], ours)}
    out: dict = {}
    for tool in (("nngrade", "nbgrader") if nngrade_first else ("nbgrader", "nngrade")):
        seconds, proc, cpu = run(*commands[tool])
        out[f"{tool}_s"], out[f"{tool}_cpu_s"] = round(seconds, 2), round(cpu, 2)
        if tool == "nngrade":
            lines = proc.stdout.strip().splitlines()
            out["nngrade_summary"] = lines[-1] if lines else ""
    a, b = scores(theirs, args.lesson), scores(ours, args.lesson)
    out["same_scores"] = a == b
    out["differences"] = sorted(str(k) for k in set(a) | set(b) if a.get(k) != b.get(k))[:10]
    out["load_average_after"] = os.getloadavg()
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", default="01_neuron")
    parser.add_argument("--n", type=int, default=24)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat the pair, alternating which tool runs first (medians)")
    parser.add_argument("--out", default=str(ROOT / "artifacts" / "throughput.json"))
    parser.add_argument("--sandbox-cost", action="store_true",
                        help="also time one submission with and without bubblewrap")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="nngrade-bench-") as tmp:
        rounds = [one_round(Path(tmp), args, nngrade_first=i % 2 == 1)
                  for i in range(args.rounds)]
        cost = sandbox_cost(Path(tmp) / "nngrade", args.lesson) if args.sandbox_cost else None
    med = {key: statistics.median(r[key] for r in rounds)
           for key in ("nbgrader_s", "nngrade_s", "nbgrader_cpu_s", "nngrade_cpu_s")}
    same = all(r["same_scores"] for r in rounds)
    result = {
        "lesson": args.lesson, "submissions": args.n, "jobs": args.jobs,
        "cpu_count": os.cpu_count(), "rounds": rounds, **med,
        "speedup": round(med["nbgrader_s"] / med["nngrade_s"], 2),
        "cpu_ratio": round(med["nbgrader_cpu_s"] / med["nngrade_cpu_s"], 2),
        "same_scores": same,
        "nbgrader_per_submission_s": round(med["nbgrader_s"] / args.n, 3),
        "nngrade_per_submission_s": round(med["nngrade_s"] / args.n, 3),
        "nngrade_summary": rounds[-1]["nngrade_summary"],
    }
    if cost is not None:
        result["sandbox_cost"] = cost
    print(f"{'':26}{'nbgrader':>10}{'nngrade':>10}")
    print(f"{'wall time (s)':26}{med['nbgrader_s']:>10.1f}{med['nngrade_s']:>10.1f}")
    print(f"{'CPU time (s)':26}{med['nbgrader_cpu_s']:>10.1f}{med['nngrade_cpu_s']:>10.1f}")
    print(f"{'per submission, wall (s)':26}{med['nbgrader_s'] / args.n:>10.2f}"
          f"{med['nngrade_s'] / args.n:>10.2f}")
    print(f"speed-up: {result['speedup']}x wall, {result['cpu_ratio']}x CPU, with --jobs "
          f"{args.jobs} on {os.cpu_count()} cores ({args.rounds} round(s), medians); "
          f"same scores and flags: {same}")
    for i, r in enumerate(rounds):
        print(f"  round {i + 1}: nbgrader {r['nbgrader_s']} s ({r['nbgrader_cpu_s']} s CPU), "
              f"nngrade {r['nngrade_s']} s ({r['nngrade_cpu_s']} s CPU), load "
              f"{r['load_average_after'][0]:.1f}")
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
