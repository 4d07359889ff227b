"""New plans prepared in worker processes: a big drop of plan files is read, decided and drafted on
every core while the pass stores the plans already done (in file order, in its own transactions).
The workers start at the first pass with :data:`PARALLEL_FROM` new files, in the background while
that pass takes in its first files itself, and stay.

Only costs and saves time: a file a worker could not prepare is taken in the ordinary way by the pass.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from multiprocessing import get_context, parent_process
from multiprocessing.context import BaseContext
from pathlib import Path

from followthru.config import Config
from followthru.decisions import Decisions
from followthru.drafting.drafter import Drafted, Drafter
from followthru.drafting.messages import Composer
from followthru.drafting.render import Renderer
from followthru.engine import Engine
from followthru.plan import Plan
from followthru.planfile import load_plan, past_deadlines

log = logging.getLogger(__name__)

# Measured with bench/pipeline.py's thresholds() on two cores (the median of five runs of each),
# with the workers started in the background (some 0.3 s of one core: the fork server's imports
# and followthru.worker_preload, while the pass takes in files itself on the other): a pass of 200
# new files took 0.74 s without workers and 0.60 s starting them, 300 files 0.95 s and 0.72 s, 400
# files 1.15 s and 0.89 s. Once running, they pay from 8 files (0.044 s alone, 0.033 s with them;
# 4 files: 0.026 s and 0.028 s).
PARALLEL_FROM = 200  # files in a pass from which starting the workers pays
WARM_FROM = 8  # files in a pass from which workers already running pay
# While the workers start, the pass that starts them takes in files itself (some 3 ms each): at most
# this many, then it waits for them.
COLD_AHEAD = 256
CHUNK = 4  # files per message to a worker
IN_FLIGHT = 16  # chunks out at once (some 3 MB of results): memory stays flat however many files arrive


class PlanWorkers:
    """The worker processes of one daemon, started when first needed and kept.

    They are forked from a fork server (multiprocessing's ``forkserver``): a fresh process, with no
    store, no threads and nothing of the daemon's, that has imported what workers need (this module
    and the engine and drafting it imports) once; each worker starts as a copy of it, without
    importing anything again."""

    def __init__(self, config: Config):
        self.config = config
        self._pool: ProcessPoolExecutor | None = None
        self._started = threading.Event()  # set once the pool's workers run (or failed to start)
        self.parallel_from = PARALLEL_FROM
        self.warm_from = WARM_FROM
        self.cold_ahead = COLD_AHEAD

    def wanted(self, files: int) -> bool:
        """Whether ``files`` new files are enough for the workers to pay for themselves: started
        already, or to be started."""
        if (os.cpu_count() or 1) < 2:
            return False
        return files >= (self.warm_from if self._pool is not None else self.parallel_from)

    def prepare(self, files: list[Path], now: datetime) -> Iterator[Prepared | None]:
        """Read, decide and draft many new plans on every core, in file order, while this process
        stores the ones already done. None for a file this process takes in itself: one a worker
        could not prepare, and the files that come while the workers start (at most
        :data:`COLD_AHEAD`)."""
        if (os.cpu_count() or 1) < 2:
            return iter(())
        if self._pool is None:
            self._start()
        assert self._pool is not None, "started above, or before"
        pool, started, waiting = self._pool, self._started, iter(files)

        def chunks() -> Iterator[list[Path]]:
            while chunk := list(islice(waiting, CHUNK)):
                yield chunk

        def results() -> Iterator[Prepared | None]:
            taken = 0
            while not started.is_set() and taken < self.cold_ahead and next(waiting, None) is not None:
                taken += 1
                yield None  # the pass takes this file in itself
            batches = chunks()
            flying: deque[tuple[Future[list[Prepared | None]], int]] = deque()
            try:
                for chunk in islice(batches, IN_FLIGHT):
                    flying.append((pool.submit(_prepare_new_plans, chunk, now), len(chunk)))
                while flying:
                    future, size = flying.popleft()
                    try:
                        yield from future.result()
                    except BrokenProcessPool:
                        raise
                    except Exception as error:  # only costs speed: these files are taken in the slow way
                        log.warning("preparing plans in a worker failed: %s", error)
                        yield from [None] * size
                    for chunk in islice(batches, 1):
                        flying.append((pool.submit(_prepare_new_plans, chunk, now), len(chunk)))
            except (BrokenProcessPool, RuntimeError) as error:  # a worker died: the pool is of no more use
                log.warning("the plan workers stopped, the pass takes in the files itself: %s", error)
                if self._pool is pool:
                    self.close()  # new workers start at the next big drop
            while True:
                yield None

        return results()

    def _start(self) -> None:
        """The pool, its workers started in a thread of their own: a worker's start waits for the fork
        server, whose imports take a quarter of a second of one core, which the pass spends taking
        in files itself (:meth:`prepare`)."""
        count = os.cpu_count() or 1
        pool = self._pool = ProcessPoolExecutor(
            max_workers=count, mp_context=_fork_server(), initializer=_start_worker, initargs=(self.config,)
        )
        started = self._started = threading.Event()

        def start() -> None:
            try:  # a task given while no worker is idle starts one more: one for each, given at once
                for future in [pool.submit(os.getpid) for _ in range(count)]:
                    future.result()
            except Exception as error:  # noqa: BLE001 - the pass takes in its files itself
                log.warning("the plan workers did not start: %s", error)
            finally:
                started.set()

        threading.Thread(target=start, name="starting plan workers", daemon=True).start()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def _fork_server() -> BaseContext:
    """multiprocessing's forkserver, whose server imports this module (and the main module, as
    multiprocessing does by default) before it forks any worker, then followthru.worker_preload,
    which does once what every worker would do with its first plans."""
    context = get_context("forkserver")
    context.set_forkserver_preload(["__main__", __name__, "followthru.worker_preload"])
    return context


_worker: tuple[Engine, Drafter] | None = None  # in a worker process: its engine and drafter


@dataclass(frozen=True)
class Prepared:
    """A new plan read, decided and drafted in a worker, ready to be stored."""

    plan: Plan
    decisions: Decisions
    drafted: list[Drafted]


def _start_worker(config: Config) -> None:
    global _worker
    threading.Thread(target=_end_with_daemon, daemon=True).start()
    composer = Composer(config, Renderer(config.templates_dir), config.token_secret())
    _worker = (Engine(config), Drafter(config, composer))


def _end_with_daemon() -> None:
    """A worker would outlive a daemon killed with SIGKILL (nothing tells it, and its parent is the
    fork server, which lives as long as any worker): it ends as soon as the daemon's end of the
    pipe multiprocessing keeps to each worker closes, as it does when the daemon ends, however."""
    daemon = parent_process()  # the daemon, which asked for the worker
    if daemon is not None:
        daemon.join()
        os._exit(0)


def _prepare_new_plans(paths: list[Path], now: datetime) -> list[Prepared | None]:
    return [_prepare_new_plan(path, now) for path in paths]


def _prepare_new_plan(path: Path, now: datetime) -> Prepared | None:
    """In a worker: a valid plan file's start decisions and messages; None for anything else."""
    assert _worker is not None, "the pool's initializer, _start_worker, made them"
    engine, drafter = _worker
    result = load_plan(path, engine.config.schedule.timezone, engine.config.mail.allowed_domains)
    if result.plan is None or not result.ok or past_deadlines(result, now, engine.config.schedule.timezone):
        return None
    plan = result.plan.pinned(engine.config.schedule.timezone)
    decisions = engine.start(plan, now)
    return Prepared(plan, decisions, drafter.draft(plan, decisions, now))
