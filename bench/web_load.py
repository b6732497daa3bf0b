"""Load test of the web app: ``evidencia serve`` (a real uvicorn process) on the demo data
directory, driven from this second process over loopback by concurrent searches.

Each of ``--concurrency`` clients sends one search after another for ``--duration`` seconds,
half of them as the search page (``/search?q=…``, HTML with facets) and half through the API
(``/api/v1/search?q=…``, JSON), with queries drawn from ``eval/search/queries.yaml`` (the
65 judged questions, in eight languages), as an anonymous visitor, in the app's default mode
(hybrid: words and meaning). A few requests warm the server up first (the embedding model
loads on the first search) and are not counted.

The table shows requests, errors (any answer but 200, or no answer), throughput and latency
percentiles; the goal on the demo corpus is 0 errors and p99 <= 300 ms.

Run: ``.venv/bin/python bench/web_load.py [--duration 60] [--concurrency 50]`` (needs the
demo data directory: ``make demo``, or its ingest and embed steps). ``--profile FILE``
also samples the server with py-spy for the whole run and prints where its time goes.
Only loopback is used: the server listens on 127.0.0.1 and the run stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx2
from rich.console import Console
from rich.table import Table

from evidencia.search.evaluate import load_queries

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "var" / "demo"
QUERIES = ROOT / "eval" / "search" / "queries.yaml"
HOST = "127.0.0.1"
GOAL_P99_MS = 300.0
WARMUP_REQUESTS = 20

console = Console()


@dataclass
class Sample:
    kind: str  # "page" or "api"
    status: int  # 0: no answer (connection error, timeout)
    seconds: float


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0
    failures: Counter[str] = field(default_factory=Counter)


def demo_problem(home: Path) -> str | None:
    """Why ``home`` cannot be load-tested, or None when it can."""
    database = home / "evidencia.db"
    if not database.is_file():
        return f"no data directory at {home}: run `make demo` (its ingest and embed steps) first"
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        passages = connection.execute("SELECT count(*) FROM passage").fetchone()[0]
        vectors = connection.execute("SELECT count(*) FROM embedding").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        return f"{database} cannot be read ({exc}): run `make demo` again"
    finally:
        connection.close()
    if not passages:
        return f"{home} holds no passages: run `make demo` (its ingest step) first"
    if not vectors:
        return f"{home} has no vectors: run `evidencia embed --home {home}` (as `make demo` does)"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def evidencia_command() -> list[str]:
    script = Path(sys.executable).with_name("evidencia")
    if script.is_file():
        return [str(script)]
    found = shutil.which("evidencia")
    return [found] if found else [sys.executable, "-m", "evidencia"]


@contextmanager
def server(
    home: Path, port: int, log: Path, *, keep_results: bool = True
) -> Iterator[subprocess.Popen[bytes]]:
    """``evidencia serve`` on loopback, stopped (SIGINT, then SIGKILL) on the way out;
    without ``keep_results`` every search is computed afresh."""
    command = [*evidencia_command(), "serve", "--home", str(home), "--host", HOST]
    command += ["--port", str(port), "--no-embed-uploads"]
    env = dict(os.environ)
    if not keep_results:
        env["EVIDENCIA_RESULTS_KEPT"] = "0"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_up(base: str, process: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped (exit {process.returncode}) before answering")
        try:
            if httpx2.get(f"{base}/api/v1/me", timeout=2).status_code == 200:
                return
        except httpx2.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within {timeout:.0f} s")


def address(kind: str, query: str) -> str:
    path = "/search" if kind == "page" else "/api/v1/search"
    return f"{path}?{urlencode({'q': query})}"


async def client(
    http: httpx2.AsyncClient, queries: list[str], rng: random.Random, deadline: float, run: Run
) -> None:
    while time.monotonic() < deadline:
        kind = "page" if rng.random() < 0.5 else "api"
        url = address(kind, rng.choice(queries))
        started = time.perf_counter()
        try:
            response = await http.get(url)
            status = response.status_code
            if status != 200:
                run.failures[f"{kind} {status}: {response.text[:120]!r}"] += 1
        except httpx2.HTTPError as exc:
            status = 0
            run.failures[f"{kind} {type(exc).__name__}"] += 1
        run.samples.append(Sample(kind, status, time.perf_counter() - started))


async def drive(
    base: str,
    queries: list[str],
    *,
    duration: float,
    concurrency: int,
    seed: int,
    warm_every_query: bool = False,
) -> tuple[Run, float]:
    """Warm up, then ``concurrency`` clients for ``duration`` seconds. ``warm_every_query``
    sends every query to both addresses once first, as a server up for a while would have
    seen them (the steady state, when it keeps recent results)."""
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx2.AsyncClient(base_url=base, limits=limits, timeout=30.0) as http:
        warm = time.perf_counter()
        warm_ups = 2 * len(queries) if warm_every_query else WARMUP_REQUESTS
        for i in range(warm_ups):
            kind = "page" if i % 2 else "api"
            await http.get(
                address(kind, queries[(i // 2 if warm_every_query else i) % len(queries)])
            )
        warmup = time.perf_counter() - warm
        run = Run(started=time.monotonic())
        deadline = run.started + duration
        await asyncio.gather(
            *(
                client(http, queries, random.Random(seed * 1000 + n), deadline, run)
                for n in range(concurrency)
            )
        )
        run.ended = time.monotonic()
    return run, warmup


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank, of sorted ``values``."""
    if not values:
        return float("nan")
    rank = max(1, round(q / 100 * len(values) + 0.5 - 1e-9))
    return values[min(rank, len(values)) - 1]


def summary(run: Run) -> dict[str, dict[str, float]]:
    elapsed = max(run.ended - run.started, 1e-9)
    groups: dict[str, list[Sample]] = defaultdict(list)
    for sample in run.samples:
        groups[sample.kind].append(sample)
        groups["all"].append(sample)
    out: dict[str, dict[str, float]] = {}
    for kind in ("page", "api", "all"):
        samples = groups.get(kind, [])
        times = sorted(s.seconds * 1000 for s in samples)
        out[kind] = {
            "requests": len(samples),
            "errors": sum(1 for s in samples if s.status != 200),
            "throughput": len(samples) / elapsed,
            "mean_ms": statistics.fmean(times) if times else float("nan"),
            "p50_ms": percentile(times, 50),
            "p90_ms": percentile(times, 90),
            "p99_ms": percentile(times, 99),
            "max_ms": times[-1] if times else float("nan"),
        }
    return out


def show(figures: dict[str, dict[str, float]], title: str) -> None:
    table = Table(title=title, caption="latencies in ms; page: /search, API: /api/v1/search")
    for column in ("", "requests", "errors", "req/s", "mean", "p50", "p90", "p99", "max"):
        table.add_column(column, justify="left" if not column else "right")
    labels = {"page": "page", "api": "API", "all": "all"}
    for kind, row in figures.items():
        table.add_row(
            labels[kind],
            f"{row['requests']:.0f}",
            f"{row['errors']:.0f}",
            f"{row['throughput']:.1f}",
            f"{row['mean_ms']:.0f}",
            f"{row['p50_ms']:.0f}",
            f"{row['p90_ms']:.0f}",
            f"{row['p99_ms']:.0f}",
            f"{row['max_ms']:.0f}",
            style="bold" if kind == "all" else None,
        )
    console.print(table)


# ------------------------------------------------------------------ profiling


def start_profiler(pid: int, duration: float, out: Path) -> subprocess.Popen[bytes] | None:
    spy = Path(sys.executable).with_name("py-spy")
    command = str(spy) if spy.is_file() else shutil.which("py-spy")
    if command is None:
        console.print("[yellow]py-spy is not installed: no profile[/]")
        return None
    options = ["--duration", str(int(duration)), "--rate", "97", "--format", "raw"]
    return subprocess.Popen(
        [command, "record", "--pid", str(pid), *options, "--output", str(out), "--nonblocking"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _frame_name(frame: str) -> str:
    """``function (path/to/file.py:123)`` -> ``function (file.py)``; idle frames named."""
    name, _, where = frame.partition(" (")
    file = where.split(":")[0].rsplit("/", 1)[-1]
    return f"{name} ({file})" if file else name


def explain_profile(path: Path, top: int) -> None:
    """Where the server's sampled time went: by our own modules, and by function
    (inclusive), from py-spy's collapsed stacks; threads waiting on nothing are left out."""
    inclusive: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    total = 0
    idle_words = ("select (selectors.py)", "wait (threading.py)", "_worker (thread.py)")
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        frames = [f for f in stack.split(";") if f]
        if not frames or any(word in _frame_name(frames[-1]) for word in idle_words):
            continue
        if _frame_name(frames[-1]).startswith(("get (queue.py)", "_wait_for_tstate_lock")):
            continue
        count = int(count_text)
        total += count
        for name in {_frame_name(f) for f in frames}:
            inclusive[name] += count
        area = "outside evidencia (uvicorn, starlette, asyncio)"
        for frame in frames:  # outermost first: the last of ours is the deepest
            where = "/" + frame.partition(" (")[2].rsplit(":", 1)[0]
            if "/evidencia/" in where:
                area = "evidencia/" + where.split("/evidencia/", 1)[1].removesuffix(".py")
        areas[area] += count
    if not total:
        console.print("[yellow]the profile holds no busy samples[/]")
        return
    table = Table(title=f"Server time by module ({total} busy samples)")
    table.add_column("deepest evidencia module on the stack")
    table.add_column("share", justify="right")
    for area, count in areas.most_common(top):
        table.add_row(area, f"{100 * count / total:.1f} %")
    console.print(table)
    table = Table(title="Functions on the stack (inclusive)")
    table.add_column("function")
    table.add_column("share", justify="right")
    for name, count in inclusive.most_common(top * 3):
        table.add_row(name, f"{100 * count / total:.1f} %")
    console.print(table)


# ------------------------------------------------------------------ wrk

WRK_LATENCY = re.compile(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def drive_wrk(
    base: str, queries: list[str], *, duration: float, concurrency: int, warm_every_query: bool
) -> dict[str, float]:
    """The same load from wrk (C, one thread per core), so the load generator takes little
    of the two cores the server needs; figures as wrk measures them."""
    warm = [("page" if i % 2 else "api", queries[(i // 2) % len(queries)]) for i in range(
        2 * len(queries) if warm_every_query else WARMUP_REQUESTS
    )]  # fmt: skip
    for kind, query in warm:
        with urllib.request.urlopen(base + address(kind, query), timeout=60) as answer:
            answer.read()
    paths = [address(kind, q) for q in queries for kind in ("page", "api")]
    script = Path(tempfile.mkdtemp(prefix="evidencia-wrk-")) / "paths.lua"
    listed = ",\n".join(json.dumps(p) for p in paths)
    script.write_text(
        f"paths = {{\n{listed}\n}}\n"
        "request = function()\n"
        "  return wrk.format('GET', paths[math.random(#paths)])\n"
        "end\n",
        encoding="utf-8",
    )
    command = [
        "wrk",
        "-t2",
        f"-c{concurrency}",
        f"-d{duration:.0f}s",
        "--latency",
        "-s",
        str(script),
    ]
    output = subprocess.run([*command, base], capture_output=True, text=True, check=True).stdout
    figures = {
        f"p{pct}_ms": float(value) * WRK_UNITS[unit]
        for pct, value, unit in WRK_LATENCY.findall(output)
    }
    done = re.search(r"(\d+) requests in", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    figures["requests"] = float(done.group(1)) if done else 0.0
    figures["req_s"] = float(rate.group(1)) if rate else 0.0
    figures["errors"] = float(bad.group(1) if bad else 0) + (
        sum(float(n) for n in sockets.groups()) if sockets else 0.0
    )
    return figures


# ------------------------------------------------------------------ main


def report_wrk(base: str, queries: list[str], args: argparse.Namespace) -> int:
    if shutil.which("wrk") is None:
        console.print("[red]wrk is not installed (Debian: apt-get install wrk)[/]")
        return 1
    figures = drive_wrk(
        base,
        queries,
        duration=args.duration,
        concurrency=args.concurrency,
        warm_every_query=args.warm_every_query,
    )
    table = Table(
        title=f"wrk: {args.concurrency} connections, {args.duration:.0f} s, pages and API"
    )
    for name in ("requests", "errors", "req_s", "p50_ms", "p75_ms", "p90_ms", "p99_ms"):
        table.add_column(name, justify="right")
    table.add_row(*(f"{figures.get(name, float('nan')):.0f}" for name in (
        "requests", "errors", "req_s", "p50_ms", "p75_ms", "p90_ms", "p99_ms")))  # fmt: skip
    console.print(table)
    met = figures["errors"] == 0 and figures.get("p99_ms", 1e9) <= GOAL_P99_MS
    verdict = "[green]goal met[/]" if met else "[red]goal missed[/]"
    console.print(f"goal: 0 errors and p99 <= {GOAL_P99_MS:.0f} ms: {verdict}")
    if args.json:
        args.json.write_text(json.dumps({"figures": figures, "args": vars(args)}, default=str))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=DEMO, help="data directory (var/demo)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (60)")
    parser.add_argument("--concurrency", type=int, default=50, help="clients at once (50)")
    parser.add_argument("--port", type=int, default=0, help="server port (0: a free one)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--profile", type=Path, help="py-spy's raw samples of the server")
    parser.add_argument("--top", type=int, default=12, help="rows per profile table")
    parser.add_argument(
        "--driver",
        choices=("python", "wrk"),
        default="python",
        help="load generator: an async Python client (per-request figures), or wrk",
    )
    parser.add_argument(
        "--warm-every-query",
        action="store_true",
        help="warm up with every query on both addresses (the steady state)",
    )
    parser.add_argument(
        "--no-kept-results",
        action="store_true",
        help="compute every search afresh (the server keeps recent results by default)",
    )
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.concurrency < 1:
        parser.error("--duration must be positive and --concurrency at least 1")

    problem = demo_problem(args.home)
    if problem:
        console.print(f"[red]{problem}[/]")
        return 1
    queries = [q.text for q in load_queries(QUERIES)]
    port = args.port or free_port()
    base = f"http://{HOST}:{port}"
    log = Path(tempfile.mkdtemp(prefix="evidencia-load-")) / "server.log"
    console.print(
        f"{len(queries)} queries, {args.concurrency} clients, {args.duration:.0f} s, "
        f"server on {base} ({args.home}), log {log}; recent results kept by the server: "
        f"{'no' if args.no_kept_results else 'yes'}"
    )
    with server(args.home, port, log, keep_results=not args.no_kept_results) as process:
        try:
            wait_until_up(base, process)
        except RuntimeError as exc:
            console.print(f"[red]{exc}[/]; its log:\n{log.read_text(errors='replace')[-2000:]}")
            return 1
        profiler = None
        if args.profile:
            profiler = start_profiler(process.pid, args.duration + 5, args.profile)
        if args.driver == "wrk":
            return report_wrk(base, queries, args)
        run, warmup = asyncio.run(
            drive(
                base,
                queries,
                duration=args.duration,
                concurrency=args.concurrency,
                seed=args.seed,
                warm_every_query=args.warm_every_query,
            )
        )
        if profiler is not None:
            _out, err = profiler.communicate(timeout=args.duration + 60)
            if profiler.returncode != 0:
                console.print(f"[yellow]py-spy failed: {err.decode(errors='replace')[-500:]}[/]")
                profiler = None
    figures = summary(run)
    cpus = os.cpu_count() or 1
    show(
        figures,
        f"{args.concurrency} concurrent searches, {run.ended - run.started:.0f} s "
        f"(the last ones finish after {args.duration:.0f} s), {cpus} CPUs; warm-up: "
        f"{2 * len(queries) if args.warm_every_query else WARMUP_REQUESTS} requests "
        f"in {warmup:.1f} s",
    )
    for failure, count in run.failures.most_common(5):
        console.print(f"[red]{count} x {failure}[/]")
    total = figures["all"]
    met = total["errors"] == 0 and total["p99_ms"] <= GOAL_P99_MS
    verdict = "[green]goal met[/]" if met else "[red]goal missed[/]"
    console.print(
        f"goal: 0 errors and p99 <= {GOAL_P99_MS:.0f} ms: {verdict} "
        f"({total['errors']:.0f} errors, p99 {total['p99_ms']:.0f} ms)"
    )
    if args.json:
        args.json.write_text(json.dumps({"figures": figures, "args": vars(args)}, default=str))
    if args.profile and profiler is not None and args.profile.is_file():
        explain_profile(args.profile, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
