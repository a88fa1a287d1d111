"""Grading jobs and the processes that run them.

A :class:`Job` is a sanitized submission plus its limits; a :class:`Result` is the executed
notebook (or why it failed). Jobs run in long-lived worker processes, each with its own warm
kernel zygote and sandbox uid, so Python, nbgrader and the lesson's imports are paid once
per worker, not per submission:

- :class:`LocalPool`: N workers on this machine, fed over pipes. From ``nngrade``'s own
  process they are forked before it starts any thread (:class:`ForkedWorker`), so they
  inherit its imports instead of paying them again (1-1.5 s of CPU each); a caller that runs
  other threads (grading called in-process, e.g. from a test) gets fresh
  ``python -m grader.jobs`` processes (:class:`Worker`), as does a worker that crashed;
- :class:`DaskPool`: the same worker program behind each thread of a Dask distributed
  cluster's workers (``--scheduler tcp://HOST:PORT``).

Workers never open the gradebook: they get jobs and send back results.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import selectors
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from grader.sandbox.limits import Limits
from grader.sandbox.prctl import die_with_parent


@dataclass
class Job:
    """One notebook of one submission to execute.

    ``notebook`` is nbgrader's notebook id (the file name without ``.ipynb``), ``source``
    the sanitized notebook (JSON), ``files`` the submission's other files by relative path.
    """

    assignment: str
    notebook: str
    student: str
    source: str
    files: dict[str, bytes] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    sensitive: tuple[str, ...] = ()
    preload: tuple[str, ...] = ()
    config: dict = field(default_factory=dict)
    not_run: tuple[int, ...] = ()  # demonstration cells left out (grader.demonstrations)


@dataclass
class Result:
    """What a worker made of a job: ``source`` is the executed notebook (JSON) when ``ok``."""

    student: str
    notebook: str
    ok: bool
    source: str | None = None
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    seconds: float = 0.0
    kernel_start_s: float = 0.0
    execute_s: float = 0.0
    restarts: int = 0
    worker: str = ""


# -- in the worker -------------------------------------------------------------------------
_FACTORIES: dict = {}


def factory_key(job: Job) -> tuple:
    """Jobs with the same key share a worker's kernel factory (zygote, slot, paths)."""
    return job.limits, tuple(job.sensitive), tuple(job.preload)


def _factory(job: Job):
    from grader.sandbox import KernelFactory

    key = factory_key(job)
    if key not in _FACTORIES:
        for old in _FACTORIES.values():
            old.close()
        _FACTORIES.clear()
        _FACTORIES[key] = KernelFactory(job.limits, job.sensitive, job.preload)
    return _FACTORIES[key]


def run_job(job: Job) -> Result:
    """Execute one job here (inside a worker process)."""
    import nbformat
    from traitlets.config import Config

    from grader.executor import GradingExecute, GradingFailed
    from grader.record import post_process

    started = time.monotonic()
    result = Result(job.student, job.notebook, False,
                    worker=f"{os.uname().nodename}:{os.getpid()}")
    try:
        factory = _factory(job)
        config = Config(job.config)
        nb = nbformat.reads(job.source, as_version=4)
        executor = GradingExecute(config=config, factory=factory, limits=job.limits,
                                  files=job.files, workdir_name=job.assignment,
                                  not_run=list(job.not_run))
        resources = {"nbgrader": {"notebook": job.notebook, "assignment": job.assignment,
                                  "student": job.student}, "metadata": {"path": "/"}}
        os.environ["NBGRADER_EXECUTION"] = "autograde"
        try:
            nb, _ = executor.preprocess(nb, resources)
            nb = post_process(nb, config)
            result.ok = True
            result.source = nbformat.writes(nb)
        except GradingFailed as exc:
            result.reason = str(exc)
        report = getattr(executor, "report", None)
        if report is not None:
            result.notes, result.flags = report.notes, report.flags
            result.kernel_start_s, result.execute_s = report.kernel_start_s, report.execute_s
            result.restarts = report.restarts
    except Exception as exc:  # noqa: BLE001 - an infrastructure failure, reported as such
        result.ok = False
        result.reason = f"grading error: {type(exc).__name__}: {exc}"
    result.seconds = time.monotonic() - started
    return result


def _send(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("!Q", len(data)) + data)
    stream.flush()


def _recv(stream):
    head = stream.read(8)
    if len(head) < 8:
        return None
    (size,) = struct.unpack("!Q", head)
    return pickle.loads(stream.read(size))


def worker_main() -> int:
    """``python -m grader.jobs``: read jobs on stdin, write results on stdout."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to the log, never into the result stream
    sys.stdout = sys.stderr
    inp = os.fdopen(os.dup(0), "rb")
    while True:
        job = _recv(inp)
        if job is None:
            break
        _send(out, run_job(job))
    for factory in _FACTORIES.values():
        factory.close()
    return 0


class Worker:
    """A ``python -m grader.jobs`` subprocess."""

    def __init__(self, log_path: str | None = None) -> None:
        log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, "-m", "grader.jobs"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=log, preexec_fn=die_with_parent)
        self.job: Job | None = None

    def submit(self, job: Job) -> None:
        self.job = job
        _send(self.proc.stdin, job)

    def result(self) -> Result:
        result = _recv(self.proc.stdout)
        job, self.job = self.job, None
        if result is None:
            return Result(job.student, job.notebook, False, reason="grading worker crashed")
        return result

    def call(self, job: Job) -> Result:
        self.submit(job)
        return self.result()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def fds(self) -> tuple[int, ...]:
        """This process's ends of the worker's pipes."""
        return self.proc.stdin.fileno(), self.proc.stdout.fileno()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class _Forked:
    """The parts of ``subprocess.Popen`` that :class:`Worker` uses, for a forked child."""

    def __init__(self, pid: int, stdin, stdout) -> None:
        self.pid, self.stdin, self.stdout = pid, stdin, stdout
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout)
            time.sleep(0.01)
        return self.returncode

    def kill(self) -> None:
        if self.poll() is None:
            os.kill(self.pid, 9)


class ForkedWorker(Worker):
    """A worker forked from this process, which must run no other thread: the child
    inherits the imports a worker needs instead of paying them again. ``close_fds``: this
    process's descriptors the child must not hold (other workers' pipes, whose ends of file
    it would otherwise keep open)."""

    def __init__(self, log_path: str | None = None, close_fds: tuple[int, ...] = ()) -> None:
        import grader.executor  # noqa: F401 - imported once, here, for every child
        import grader.record  # noqa: F401

        job_r, job_w = os.pipe()
        result_r, result_w = os.pipe()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the worker: stdin the jobs, stdout the results, stderr the log
            code = 1
            try:
                die_with_parent()
                if os.getppid() != parent:  # the parent died before that took effect
                    return
                log = os.open(log_path or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
                os.dup2(job_r, 0)
                os.dup2(result_w, 1)
                os.dup2(log, 2)
                for fd in {job_r, job_w, result_r, result_w, log, *close_fds} - {0, 1, 2}:
                    with contextlib.suppress(OSError):
                        os.close(fd)
                code = worker_main()
            finally:
                os._exit(code)  # never the parent's exit handlers or finalizers
        os.close(job_r)
        os.close(result_w)
        self.proc = _Forked(pid, os.fdopen(job_w, "wb"), os.fdopen(result_r, "rb"))
        self.job = None


class LocalPool:
    """``n`` worker processes on this machine.

    Hand-written, not ``concurrent.futures.ProcessPoolExecutor``: each worker keeps a warm
    zygote and a sandbox uid slot for its whole life, and a crashed worker must fail only
    its own job (a ProcessPoolExecutor breaks the whole pool and every pending future).
    """

    def __init__(self, n: int, log_dir: str | None = None) -> None:
        self.n = n
        self.log_dir = log_dir
        self.workers: list[Worker] = []
        fork = threading.active_count() == 1  # nngrade's own process; not a host with threads
        for index in range(n):
            if not fork:
                self.workers.append(Worker(self._log(index)))
                continue
            held = tuple(fd for w in self.workers for fd in w.fds())
            self.workers.append(ForkedWorker(self._log(index), held))

    def _log(self, index: int) -> str | None:
        return os.path.join(self.log_dir, f"worker-{index}.log") if self.log_dir else None

    def _spawn(self, index: int) -> Worker:
        """A fresh worker process in place of one that died (threads may run by now)."""
        return Worker(self._log(index))

    def run(self, jobs: Iterator[Job], on_result: Callable[[Result], None]) -> None:
        selector = selectors.DefaultSelector()
        idle = list(range(self.n))
        busy = 0
        exhausted = False
        while True:
            while idle and not exhausted:
                job = next(jobs, None)
                if job is None:
                    exhausted = True
                    break
                index = idle.pop()
                worker = self.workers[index]
                if not worker.alive():
                    worker = self.workers[index] = self._spawn(index)
                worker.submit(job)
                selector.register(worker.proc.stdout, selectors.EVENT_READ, index)
                busy += 1
            if busy == 0:
                break
            for key, _ in selector.select():
                index = key.data
                selector.unregister(key.fileobj)
                result = self.workers[index].result()
                busy -= 1
                idle.append(index)
                on_result(result)
        selector.close()

    def close(self) -> None:
        for worker in self.workers:
            worker.close()


_REMOTE = threading.local()


def remote_grade(job: Job) -> Result:
    """Runs inside a Dask worker: hand the job to this thread's grading process."""
    worker = getattr(_REMOTE, "worker", None)
    if worker is None or not worker.alive():
        worker = _REMOTE.worker = Worker()
    return worker.call(job)


class DaskPool:
    """Jobs sent to the workers of an existing Dask distributed cluster."""

    def __init__(self, address: str) -> None:
        try:
            from distributed import Client
        except ImportError as exc:
            raise ValueError("--scheduler needs Dask distributed: install the instructor "
                             "extra: pip install 'nncourse[instructor]' (or -e "
                             "'.[instructor]' in a checkout)") from exc

        self.client = Client(address, timeout="20s")
        info = self.client.scheduler_info()
        self.n = max(1, sum(w.get("nthreads", 1) for w in info["workers"].values()))

    def run(self, jobs: Iterator[Job], on_result: Callable[[Result], None]) -> None:
        from distributed import as_completed

        pending = as_completed()
        self._jobs: dict[str, tuple[str, str]] = {}
        inflight = 0
        for job in jobs:
            future = self.client.submit(remote_grade, job, pure=False)
            self._jobs[future.key] = (job.student, job.notebook)
            pending.add(future)
            inflight += 1
            while inflight >= 2 * self.n:
                on_result(self._result(next(pending)))
                inflight -= 1
        for future in pending:
            on_result(self._result(future))

    def _result(self, future) -> Result:
        try:
            return future.result()
        except Exception as exc:  # noqa: BLE001 - the cluster lost it
            student, notebook = self._jobs.get(future.key, ("?", "?"))
            return Result(student, notebook, False,
                          reason=f"grading error on the cluster: {exc}")

    def close(self) -> None:
        self.client.close()


if __name__ == "__main__":
    from grader import jobs as _jobs  # the classes pickled back must be grader.jobs.*

    sys.exit(_jobs.worker_main())
