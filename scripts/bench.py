#!/usr/bin/env python3
"""Side-by-side benchmark: `disclose build` against Hugo on the same advisories.

usage: scripts/bench.py [--count N] [--runs R] [--work DIR] [--disclose BIN] [--hugo BIN]

Generates the benchmark corpus (benches/corpus/mod.rs through the gen_corpus
example: 40 release series, COUNT advisories) and the same Markdown as a Hugo
site (one page per advisory, HTML and RSS, a minimal layout). Then, alternating
the tools run by run, it times:

  disclose build     into an empty output directory (first build)
  disclose rebuild   over the site the previous build wrote (history check included)
  disclose check     validation alone, nothing written
  hugo               into an empty output directory (when hugo is installed)

and prints the median wall time, CPU time (user + system) and peak memory of
each, their ratios to Hugo, and the size and file count of each output. Each
run is one child process; its CPU time and peak memory are the kernel's
accounting of that process (wait4). The numbers vary with the machine: compare
runs made on the same machine, and keep them in BENCHMARKS.md with the machine
they came from.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOW = "2030-01-01T00:00:00Z"


def run(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, int]:
    """Runs `cmd`; its wall time (s), CPU time (s) and peak resident memory (bytes)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{err}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def tree_size(d: Path) -> tuple[int, int]:
    """Bytes and files under `d`."""
    total = files = 0
    for dirpath, _, names in os.walk(d):
        for n in names:
            total += os.lstat(os.path.join(dirpath, n)).st_size
            files += 1
    return total, files


FRONT = re.compile(r"^---\r?\n(.*?)\r?\n---\r?\n?(.*)$", re.S)


def hugo_site(corpus: Path, site: Path) -> None:
    """The corpus's advisories as Hugo content: the same front matter and the
    same Markdown body (a pure-YAML advisory's `details` becomes its body)."""
    content = site / "content" / "advisories"
    content.mkdir(parents=True)
    (site / "hugo.toml").write_text(
        'baseURL = "https://bench.example/security/"\n'
        'title = "Bench security"\n'
        "disableKinds = ['taxonomy', 'term', 'sitemap', 'robotsTXT', '404']\n"
        "[outputs]\n  home = ['HTML', 'RSS']\n  section = ['HTML', 'RSS']\n"
    )
    layouts = site / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (layouts / "baseof.html").write_text(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>{{ .Title }}</title></head><body><main>{{ block \"main\" . }}{{ end }}</main></body></html>\n"
    )
    (layouts / "single.html").write_text(
        "{{ define \"main\" }}<h1>{{ .Title }}</h1>{{ .Content }}{{ end }}\n"
    )
    (layouts / "list.html").write_text(
        "{{ define \"main\" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}"
        "<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n"
    )
    for f in sorted((corpus / "content" / "advisories").iterdir()):
        text = f.read_text(encoding="utf-8")
        if f.suffix == ".md":
            m = FRONT.match(text)
            front, body = m.group(1), m.group(2)
        else:
            head, _, details = text.partition("details: |\n")
            front = head.rstrip("\n")
            body = "".join(line[2:] + "\n" for line in details.splitlines())
        (content / f"{f.stem}.md").write_text(f"---\n{front}\n---\n{body}", encoding="utf-8")


def human(n: float) -> str:
    for unit in ["B", "KiB", "MiB", "GiB"]:
        if n < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return str(n)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", type=Path, help="where to write the corpus and outputs (default: a temporary directory)")
    ap.add_argument("--disclose", type=Path, default=ROOT / "target/release/disclose")
    ap.add_argument("--hugo", default=shutil.which("hugo"))
    args = ap.parse_args()

    gen = ROOT / "target/release/examples/gen_corpus"
    if not gen.exists() or not args.disclose.exists():
        subprocess.run(["cargo", "build", "--release", "--locked", "--bin", "disclose", "--example", "gen_corpus"],
                       cwd=ROOT, check=True)
    work = args.work or Path(tempfile.mkdtemp(prefix="disclose-bench."))
    corpus = work / "corpus"
    if corpus.exists():
        shutil.rmtree(corpus)
    subprocess.run([str(gen), str(corpus), str(args.count)], check=True, stdout=subprocess.DEVNULL)
    hugo_dir = work / "hugo"
    if args.hugo:
        if hugo_dir.exists():
            shutil.rmtree(hugo_dir)
        hugo_site(corpus, hugo_dir)

    out = corpus / "public"
    results: dict[str, list[tuple[float, float, int]]] = {"disclose build": [], "disclose rebuild": [], "disclose check": [], "hugo": []}
    sizes: dict[str, tuple[int, int]] = {}
    for r in range(args.runs):
        if out.exists():
            shutil.rmtree(out)
        build = [str(args.disclose), "--root", str(corpus), "build", "--now", NOW]
        results["disclose build"].append(run(build))
        results["disclose rebuild"].append(run(build))
        results["disclose check"].append(run([str(args.disclose), "--root", str(corpus), "check", "--now", NOW]))
        sizes["disclose"] = tree_size(out)
        if args.hugo:
            public = hugo_dir / "public"
            if public.exists():
                shutil.rmtree(public)
            results["hugo"].append(run([args.hugo, "--quiet", "--source", str(hugo_dir)]))
            sizes["hugo"] = tree_size(public)
        print(f"run {r + 1}/{args.runs} done", file=sys.stderr)

    medians = {k: tuple(statistics.median(x[i] for x in v) for i in range(3)) for k, v in results.items() if v}
    print(f"{args.count} advisories, median of {args.runs} alternating runs, {os.cpu_count()} CPUs\n")
    print(f"| {'tool':<18} | {'wall':>8} | {'CPU':>8} | {'peak memory':>11} | {'wall vs hugo':>12} | {'memory vs hugo':>14} |")
    print(f"|{'-' * 20}|{'-' * 10}|{'-' * 10}|{'-' * 13}|{'-' * 14}|{'-' * 16}|")
    hugo = medians.get("hugo")
    for name, (wall, cpu, peak) in medians.items():
        ratio = f"{wall / hugo[0]:.3f}" if hugo else "-"
        mratio = f"{peak / hugo[2]:.3f}" if hugo else "-"
        print(f"| {name:<18} | {wall:>7.2f}s | {cpu:>7.2f}s | {human(peak):>11} | {ratio:>12} | {mratio:>14} |")
    print()
    for name, (size, files) in sizes.items():
        print(f"{name} output: {human(size)} in {files} files")
    if args.work is None:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
