"""Benchmark: every speed figure of Followthru beside its peer or lower bound, in one run.

1. **Reading a reply**: :func:`followthru.replies.read_reply` (parse, trim, classify, dates) on
   every message with headers of the project's corpus (``tests/data/corpus`` and
   ``tests/data/replies``) and of talon's standard replies (``../shared/fixtures``, when present),
   beside trimming alone (``extract_words``) and beside three trimming libraries on the same
   messages: talon, mail-parser-reply and email-reply-parser. The peers are installed with pip
   into a temporary folder for the run only (``--no-peers`` leaves them out); they get the
   message's text (its first text/plain part, or its HTML rendered as bench/replies.py does),
   made outside their timing. Each tool: the best of three passes over all messages, in ms per
   message; the first message of a new process is timed apart (imports and compiling).
2. **Intake**: plans taken in per second in one process and with the worker pool, beside the
   lower bound of parsing the TOML and writing six messages per plan into SQLite
   (bench/pipeline.py's :func:`intake_figures`).
3. **Delivery**: one Maildir send with 0, 10,000 and 60,000 files in the outbox's ``cur/``,
   beside the same send into an empty folder and beside a bare write, fsync and rename
   (bench/maildir_send.py).
4. **The store**: bytes per plan of N closed plans before and after ``store vacuum``
   (bench/store_prune.py; the bytes do not vary from run to run, so this is done once).

With ``--runs R`` every timed figure is measured R times and printed as the minimum and the
median. Ratios are of the medians.

Usage: python bench/speed.py [--runs 3] [--plans 2000] [--intake 1000] [--no-peers] [--no-store]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import replies as reply_bench  # noqa: E402 - bench/replies.py, beside this file

PEERS = ("talon", "mail-parser-reply", "email-reply-parser")
READ_TARGET_MS = 0.6
INTAKE_TARGETS = {"one_process": 300, "pooled": 500}
STORE_TARGET = 10_000  # bytes per closed plan after pruning


def messages() -> dict[str, list[Path]]:
    """The messages with headers, by set."""
    sets = {"own corpus": sorted((ROOT / "tests/data/corpus").glob("*.eml"))}
    sets["own corpus"] += sorted((ROOT / "tests/data/replies").glob("*.eml"))
    talon = reply_bench.FIXTURES / "talon" / "standard_replies"
    if talon.is_dir():
        sets["talon standard replies"] = sorted(talon.glob("*.eml"))
    return sets


def install_peers(folder: Path) -> str | None:
    """The peers installed into ``folder`` and importable; why not, when they cannot be."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--target",
            str(folder),
            *PEERS,
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        return f"pip could not install them: {done.stderr.strip().splitlines()[-1:]}"
    sys.path.append(str(folder))
    return None


def tools(peers: bool) -> dict[str, Callable[[bytes, Path], object]]:
    from followthru.replies import extract_words, read_reply

    found: dict[str, Callable[[bytes, Path], object]] = {
        "followthru: read": lambda raw, path: read_reply(raw),
        "followthru: trim only": lambda raw, path: extract_words(raw),
    }
    if peers:
        from talon import quotations

        found["talon"] = lambda text, path: quotations.extract_from_plain(text)
        for name, run in reply_bench.tools().items():
            if name in ("mail-parser-reply", "email-reply-parser") and callable(run):
                found[name] = run
    return found


def peer_text(raw: bytes, path: Path) -> str:
    """What a peer is given: the message's text as bench/replies.py makes it, or, for a message
    whose charset Python does not know, its bodies as Followthru decodes them."""
    try:
        return reply_bench.body_text(raw, path.suffix)
    except (LookupError, UnicodeError):
        from followthru.replies.mime import body, parse

        msg = parse(raw)
        return body(msg, "text/plain") or reply_bench.plain_html(body(msg, "text/html"))


def per_message(run: Callable[[bytes, Path], object], items: list[tuple[object, Path]]) -> float:
    """The best of three passes over ``items``, in ms per message."""
    for given, path in items:
        run(given, path)  # compiled and cached before timing
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for given, path in items:
            run(given, path)
        best = min(best, time.perf_counter() - started)
    return best * 1000 / len(items)


def first_message_ms(path: Path) -> tuple[float, float]:
    """(import, first read) in ms, in a new process."""
    code = (
        "import sys, time; t0 = time.perf_counter(); from followthru.replies import read_reply; "
        "t1 = time.perf_counter(); read_reply(open(sys.argv[1], 'rb').read()); t2 = time.perf_counter(); "
        "print((t1 - t0) * 1000, (t2 - t1) * 1000)"
    )
    said = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    imported, first = (float(value) for value in said.stdout.split())
    return imported, first


def reading(runs: int, peers: bool) -> dict[tuple[str, str], list[float]]:
    """ms per message for each (set, tool), one value per run."""
    found: dict[tuple[str, str], list[float]] = {}
    every = tools(peers)
    for _ in range(runs):
        for set_name, paths in messages().items():
            raws = [(path.read_bytes(), path) for path in paths]
            texts = [(peer_text(raw, path), path) for raw, path in raws]
            for tool, run in every.items():
                items = raws if tool.startswith("followthru") else texts
                found.setdefault((set_name, tool), []).append(per_message(run, items))
        imported, first = first_message_ms(messages()["own corpus"][0])
        found.setdefault(("new process", "import"), []).append(imported)
        found.setdefault(("new process", "first message"), []).append(first)
    return found


def both(values: list[float], digits: int = 3) -> str:
    return f"{min(values):.{digits}f} / {median(values):.{digits}f}"


def print_reading(found: dict[tuple[str, str], list[float]], peers_said: str | None) -> None:
    print("## Reading a reply (ms per message, min / median of the runs)\n")
    if peers_said:
        print(f"Peers left out: {peers_said}\n")
    print("| messages | tool | ms | read / tool |")
    print("|---|---|---:|---:|")
    for (set_name, tool), values in found.items():
        if set_name == "new process":
            continue
        read = median(found[(set_name, "followthru: read")])
        count = len(messages()[set_name])
        print(f"| {set_name} ({count}) | {tool} | {both(values)} | {read / median(values):.2f}x |")
    for (set_name, tool), values in found.items():
        if set_name == "new process":
            print(f"| a new process | {tool} | {both(values, 1)} | |")
    own = median(found[("own corpus", "followthru: read")])
    ratio = own / READ_TARGET_MS
    print(f"\nTarget: reading a reply in at most {READ_TARGET_MS} ms; own corpus {own:.3f} ms ({ratio:.2f}x).")


def print_intake(n: int, runs: int) -> None:
    from pipeline import intake_figures

    figures = intake_figures(n, runs=runs, measure_thresholds=False)
    bound = figures["lower_bound"]["median"]
    print(f"\n## Intake ({n} plan files dropped at once, plans per second, min / median; {figures['cores']} cores)\n")
    print("| how | plans/s | vs lower bound | target |")
    print("|---|---:|---:|---:|")
    for name, label in (("one_process", "one process"), ("pooled", "with the worker pool")):
        got = figures[name]
        target = INTAKE_TARGETS[name]
        print(f"| {label} | {got['min']:.0f} / {got['median']:.0f} | {got['median'] / bound:.2f}x | {target} |")
    low = figures["lower_bound"]
    print(
        f"| lower bound: parse the TOML, six messages into SQLite | {low['min']:.0f} / {low['median']:.0f} | 1.00x | |"
    )
    cold, warm = figures["parallel_from"], figures["warm_from"]
    print(f"\nThe pool starts at {cold} files in a pass (and from {warm} once running).")


def print_delivery(runs: int) -> None:
    from maildir_send import SENDS, measure

    rows: dict[int, list[tuple[float, float]]] = {}
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="followthru-speed-") as folder:
            for size, send, bound, _look_up, _globbed in measure(Path(folder)):
                rows.setdefault(size, []).append((send, bound))
    empty = median(send for send, _ in rows[0])
    print(f"\n## Delivery into a Maildir outbox (ms per send, median of {SENDS} sends; min / median of the runs)\n")
    print("| files in cur/ | send | vs empty | bound: write, fsync, rename | send / bound |")
    print("|---:|---:|---:|---:|---:|")
    for size, pairs in rows.items():
        sends, bounds = [send for send, _ in pairs], [bound for _, bound in pairs]
        print(
            f"| {size:,} | {both(sends)} | {median(sends) / empty:.2f}x | {both(bounds)} "
            f"| {median(sends) / median(bounds):.2f}x |"
        )


def print_store(plans: int) -> None:
    from store_prune import measure

    print(f"\n## The store ({plans:,} plans through their whole lives, SQLite)\n")
    before, after = measure(plans)
    print("\n| bytes per closed plan | before store vacuum | after | after / before | target |")
    print("|---|---:|---:|---:|---:|")
    print(f"| file | {before / plans:,.0f} | {after / plans:,.0f} | {after / before:.2f}x | {STORE_TARGET:,} |")


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--runs", type=int, default=1)
    options.add_argument("--plans", type=int, default=2000, help="plans for the store figure")
    options.add_argument("--intake", type=int, default=1000, help="plan files for the intake figures")
    options.add_argument("--no-peers", action="store_true")
    options.add_argument("--no-store", action="store_true")
    given = options.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="followthru-peers-") as folder:
        said = "--no-peers" if given.no_peers else install_peers(Path(folder))
        print_reading(reading(given.runs, said is None), said)
    print_intake(given.intake, given.runs)
    print_delivery(given.runs)
    if not given.no_store:
        print_store(given.plans)
    print(f"\n({given.runs} run(s), {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
