"""New plans prepared in worker processes: a big drop of plan files is read, decided and drafted on
every core while the pass stores the plans already done (in file order, in its own transactions).

Only costs and saves time: a file a worker could not prepare is taken in the ordinary way by the pass.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from multiprocessing import get_context
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

PARALLEL_FROM = 16  # files in one pass before worker processes pay for their start-up
CHUNK = 4  # files per message to a worker
IN_FLIGHT = 8  # chunks out at once: memory stays flat however many files arrive


class PlanWorkers:
    """The worker processes of one daemon, started when first needed (spawned: no fork of the store)."""

    def __init__(self, config: Config):
        self.config = config
        self._pool: ProcessPoolExecutor | None = None
        self.parallel_from = PARALLEL_FROM

    def wanted(self, files: int) -> bool:
        """Whether ``files`` new files are enough for the workers to pay for themselves."""
        return files >= self.parallel_from and (os.cpu_count() or 1) >= 2

    def prepare(self, files: list[Path], now: datetime) -> Iterator[Prepared | None]:
        """Read, decide and draft many new plans on every core, in file order, while this process
        stores the ones already done."""
        if (os.cpu_count() or 1) < 2:
            return iter(())
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=os.cpu_count(),
                mp_context=get_context("spawn"),
                initializer=_start_worker,
                initargs=(self.config, os.getpid()),
            )
        pool, waiting = self._pool, iter(files)

        def chunks() -> Iterator[list[Path]]:
            while chunk := list(islice(waiting, CHUNK)):
                yield chunk

        def results() -> Iterator[Prepared | None]:
            batches = chunks()
            flying = deque(pool.submit(_prepare_new_plans, chunk, now) for chunk in islice(batches, IN_FLIGHT))
            while flying:
                try:
                    yield from flying.popleft().result()
                except Exception as error:  # only costs speed: these files are taken in the slow way
                    log.warning("preparing plans in a worker failed: %s", error)
                    yield from [None] * CHUNK
                flying.extend(pool.submit(_prepare_new_plans, chunk, now) for chunk in islice(batches, 1))
            while True:
                yield None

        return results()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


_worker: tuple[Engine, Drafter] | None = None  # in a worker process: its engine and drafter


@dataclass(frozen=True)
class Prepared:
    """A new plan read, decided and drafted in a worker, ready to be stored."""

    plan: Plan
    decisions: Decisions
    drafted: list[Drafted]


def _start_worker(config: Config, parent: int) -> None:
    global _worker
    threading.Thread(target=_end_with, args=(parent,), daemon=True).start()
    composer = Composer(config, Renderer(config.templates_dir), config.token_secret())
    _worker = (Engine(config), Drafter(config, composer))


def _end_with(parent: int) -> None:
    """A worker outlives a daemon killed with SIGKILL (nothing tells it); it ends within a second."""
    while os.getppid() == parent:
        time.sleep(1.0)
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
