#!/usr/bin/env python3
"""Tables and chart of courier's benchmark results.

    python3 bench/plot.py bench/results/full.csv [--extra bench/results/extra.csv] [--targets]
                          [--png docs/bench.png]

Reads the throughput CSV (system,case,median_s,min_s,max_s,runs[,spread]) written by bench/run,
prints a markdown table (rows = cases, columns = systems, median seconds, and for every other
system its time divided by courier's: above 1 means courier is faster), the distribution over the
runs (min / median / max and the spread max/min of every case for every system, and each
system's largest spread), optionally the table of the extra
measurements (system,metric,flavor,value,unit), and draws one horizontal bar chart panel per
flavor in the manner of crossbeam-channel's benchmark chart, with a min–max error bar on every
bar. A runs value of 0 marks an estimate (see bench/src/harness.hpp): printed with a leading ~,
drawn hatched. --targets prints courier's
time divided by each peer's for the goals in TARGETS (at most 0.8 of Rust and Go, 1.0 of
moodycamel on unbounded, 2.0 of the machine's limits).
"""

import argparse
import csv
import math
import sys

FLAVORS = ["bounded0", "bounded1", "bounded", "unbounded"]
SHAPES = ["seq", "spsc", "mpsc", "mpmc", "select_rx", "select_both"]
SYSTEMS = ["courier", "rust_std", "go_chan", "mutex_cv", "tbb", "boost_fiber", "moodycamel",
           "atomic_queue", "limit"]
COLORS = {
    "courier": "#d62728",
    "rust_std": "#ff7f0e",
    "go_chan": "#1f77b4",
    "mutex_cv": "#7f7f7f",
    "tbb": "#2ca02c",
    "boost_fiber": "#9467bd",
    "moodycamel": "#8c564b",
    "atomic_queue": "#e377c2",
    "limit": "#000000",
}
EXTRA_ORDER = ["rtt_median", "rtt_p99", "rtt_after_load_median", "rtt_after_load_p99",
               "cpu_per_msg", "cpu_busy", "rss_before", "rss_peak", "rss_after_drain",
               "rss_after_drop", "blocked_recv_thread_cpu", "blocked_recv_process_cpu",
               "stop_wake_median", "stop_wake_max", "batch_recv_rate", "batch_recv_many64_rate",
               "batch_speedup_min", "batch_speedup_median", "batch_speedup_max",
               "async_pingpong_1thread", "async_seconds", "async_suspended_rss", "async_frame",
               "async_awaiter", "async_beyond_frame"]


def case_key(case):
    flavor, _, shape = case.partition("_")
    return (FLAVORS.index(flavor) if flavor in FLAVORS else 99,
            SHAPES.index(shape) if shape in SHAPES else 99, case)


def system_key(system):
    return (SYSTEMS.index(system) if system in SYSTEMS else len(SYSTEMS), system)


def load_dist(path):
    """Rows of a throughput CSV as {(system, case): (median, min, max, runs)}. The spread column
    is optional (older CSVs lack it; it is max/min, see spread()); a row that cannot be read (a
    run cut off mid-line) is skipped with a note on stderr."""
    table = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            try:
                table[(row["system"], row["case"])] = (
                    float(row["median_s"]), float(row["min_s"]), float(row["max_s"]),
                    int(row["runs"]))
            except (KeyError, TypeError, ValueError):
                print(f"{path}: skipped a malformed row: {row}", file=sys.stderr)
    return table


def load(path):
    """Rows of a throughput CSV as {(system, case): (median, runs)}."""
    return {key: (median, runs) for key, (median, _, _, runs) in load_dist(path).items()}


def spread(lo, hi):
    """max / min of a case's runs (1.0 when there is nothing to compare)."""
    return hi / lo if lo > 0 else 1.0


# The sentence above the distribution table (bench/run's report, plot.py's output).
DISTRIBUTION_NOTE = (
    "Distribution over the runs: fastest / median / slowest run in seconds and, in brackets, the "
    "spread (slowest / fastest; ×1.00 means every run took the same time). A user meets the whole "
    "distribution, not only the median. n=1 marks a case with a single measured run, ~ (estimate) "
    "a case estimated from a shorter run; neither has a spread. The line below the table names "
    "each system's largest spread.")


def distribution_table(dist):
    """Markdown table: for every case and system, min / median / max over the measured runs and
    the spread (max/min); then each system's largest spread over its measured cases."""
    def cell(entry, system, case):
        median, lo, hi, runs = entry
        if runs == 0:
            return f"~{fmt_seconds(median)} (estimate)"
        if runs == 1:
            return f"{fmt_seconds(median)} (n=1)"
        return f"{fmt_seconds(lo)} / {fmt_seconds(median)} / {fmt_seconds(hi)} " \
               f"(×{spread(lo, hi):.2f})"

    lines = case_system_table(dist, cell)
    worst = {}
    for system, case in sorted(dist, key=lambda key: case_key(key[1])):
        _, lo, hi, runs = dist[(system, case)]
        if runs > 1 and spread(lo, hi) > worst.get(system, (0.0, ""))[0]:
            worst[system] = (spread(lo, hi), case)
    systems = sorted({s for s, _ in dist}, key=system_key)
    lines.append("")
    parts = [f"{system} ×{worst[system][0]:.2f} ({worst[system][1]})" if system in worst
             else f"{system} – (no case with 2 or more runs)" for system in systems]
    lines.append("Largest spread per system: " + "; ".join(parts) + ".")
    return "\n".join(lines)


# The sentence above the per-round ratio table (bench/run's report).
ROUNDS_NOTE = (
    "Per-round ratios: bench/run starts every system once per round, in turn, so each round's "
    "systems met the same state of the machine. A cell is courier's time divided by that "
    "system's in each round where both measured the case: fastest / median / slowest of the "
    "rounds (below 1: courier was faster). On a machine whose speed changes during a run, these "
    "ratios are the comparison to trust.")


def round_ratio_table(per_round):
    """Markdown table of courier / system per round over rows (round, system, case, median, min,
    max, runs); '' when fewer than 2 rounds, or no system besides courier, measured a case."""
    times = {}
    for r, system, case, median, _, _, runs in per_round:
        if runs > 0 and median > 0:
            times[(system, case, r)] = median
    ratios = {}
    for (system, case, r), t in times.items():
        ours = times.get(("courier", case, r))
        if system != "courier" and ours is not None:
            ratios.setdefault((system, case), []).append(ours / t)
    ratios = {key: sorted(v) for key, v in ratios.items() if len(v) >= 2}
    if not ratios:
        return ""

    def cell(v, system, case):
        return f"{v[0]:.2f} / {v[len(v) // 2]:.2f} / {v[-1]:.2f}"

    return "\n".join(case_system_table(ratios, cell))


def probe_line(probes):
    """One line for the report and the meta data: the machine probe before each round and after
    the last (bench/run's PROBE_TRIPS)."""
    values = [f"{p:.0f}" if p is not None else "–" for p in probes]
    return ("machine probe (a spinning cache-line round trip between two threads, median ns) "
            "before each round and after the last: " + ", ".join(values))


def probe_shifted(probes, limit):
    """True when the machine probe moved by more than `limit` (max / min) during the run."""
    measured = [p for p in probes if p is not None and p > 0]
    return len(measured) >= 2 and max(measured) / min(measured) > limit


def load_extra(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def fmt_seconds(v):
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    if v >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}" if v >= 0.01 else f"{v:.4f}"


def case_system_table(table, cell):
    """Markdown table lines over a {(system, case): entry} table: rows = cases, columns = systems,
    each cell cell(entry, system, case), – where a system has no entry for a case."""
    systems = sorted({s for s, _ in table}, key=system_key)
    cases = sorted({c for _, c in table}, key=case_key)
    lines = ["| case | " + " | ".join(systems) + " |",
             "| --- | " + " | ".join("---:" for _ in systems) + " |"]
    for case in cases:
        cells = [cell(table[(system, case)], system, case) if (system, case) in table else "–"
                 for system in systems]
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    return lines


def markdown_table(table):
    def cell(entry, system, case):
        value, runs = entry
        text = ("~" if runs == 0 else "") + fmt_seconds(value)
        base = table.get(("courier", case))
        if system != "courier" and base is not None and base[0] > 0:
            text += f" ({value / base[0]:.2f}×)"
        return text

    lines = case_system_table(table, cell)
    return "\n".join(lines)


def fmt_value(v):
    """A measured value with three significant digits under 10 (0.132, 1.27), whole above."""
    if abs(v) >= 9.995:  # what would round to 10.00 prints as 10
        return f"{v:,.0f}"
    if v == 0:
        return "0"
    return f"{v:.{max(0, 2 - math.floor(math.log10(abs(v))))}f}"


def extra_table(rows):
    """Markdown table: rows = metric/flavor, columns = systems."""
    systems = sorted({r["system"] for r in rows}, key=system_key)
    keys = sorted({(r["metric"], r["flavor"], r["unit"]) for r in rows},
                  key=lambda k: (EXTRA_ORDER.index(k[0]) if k[0] in EXTRA_ORDER else 99, k[1]))
    values = {(r["system"], r["metric"], r["flavor"]): float(r["value"]) for r in rows}
    lines = ["| metric | flavor | unit | " + " | ".join(systems) + " |",
             "| --- | --- | --- | " + " | ".join("---:" for _ in systems) + " |"]
    for metric, flavor, unit in keys:
        cells = []
        for system in systems:
            v = values.get((system, metric, flavor))
            cells.append("–" if v is None else fmt_value(v))
        lines.append(f"| {metric} | {flavor} | {unit} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# The coroutine cases of bench_courier and bench_asio (`--extra async`) move at most this many
# messages (measure_async in both sources), whatever the run's message count.
ASYNC_MESSAGES_CAP = 1_000_000

# Coroutine cases that have a goroutine (Go) counterpart in the throughput table, and the goal for
# each: courier's coroutines at most 0.8 of Go's time per message on the hand-offs, at most 0.5 of
# Asio's channel's everywhere else.
ASYNC_GO_GOAL = 0.8
ASYNC_ASIO_GOAL = 0.5

ASYNC_NOTE = (
    "Coroutines: nanoseconds per message, each a median of the runs. courier's coroutines "
    "(`async_recv` / `async_send` between coroutines started on two threads) beside, from this "
    "same run, Go's goroutines and courier's threads (the throughput table's median divided by its "
    "message count), Asio's `experimental::concurrent_channel` and courier's Asio adapter (both "
    "with `asio::awaitable` coroutines on an io_context run by two threads). Ratios: courier's "
    f"coroutines over the peer (lower is better; goals: at most {ASYNC_GO_GOAL} of Go on the "
    f"rendezvous and capacity-1 cases, at most {ASYNC_ASIO_GOAL} of Asio's channel on the others; "
    "a missed goal in bold).")


def async_table(table, extra_rows, messages):
    """Markdown table of the coroutine cases in ns per message (see ASYNC_NOTE), or "" when the
    run has none. `table` is load()'s throughput table, `messages` the run's message count."""
    n_async = min(messages, ASYNC_MESSAGES_CAP)
    values = {(r["system"], r["flavor"]): float(r["value"]) for r in extra_rows
              if r["metric"] == "async_seconds"}
    cases = sorted({case for (system, case) in values if system == "courier"}, key=case_key)
    if not cases:
        return ""

    def ns(value, count):
        return None if value is None else value * 1e9 / count

    def thread_ns(system, case):
        entry = table.get((system, case))
        return None if entry is None or entry[1] == 0 else ns(entry[0], messages)

    lines = ["| case | courier coroutines | go_chan | ratio to Go | courier threads | asio_channel "
             "| ratio to Asio | courier_asio |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]

    def cell(v):
        return "–" if v is None else fmt_value(v)

    def ratio(mine, peer, goal):
        """mine / peer, in bold where a goal applies (goal not None) and is missed."""
        if mine is None or peer is None or peer <= 0:
            return "–"
        r = mine / peer
        return f"**{r:.2f}**" if goal is not None and r > goal else f"{r:.2f}"

    for case in cases:
        mine = ns(values.get(("courier", case)), n_async)
        go = thread_ns("go_chan", case)
        asio = ns(values.get(("asio_channel", case)), n_async)
        adapter = ns(values.get(("courier_asio", case)), n_async)
        handoff = case.startswith(("bounded0_", "bounded1_"))
        lines.append(f"| {case} | {cell(mine)} | {cell(go)} | "
                     f"{ratio(mine, go, ASYNC_GO_GOAL if handoff else None)} | "
                     f"{cell(thread_ns('courier', case))} | {cell(asio)} | "
                     f"{ratio(mine, asio, None if handoff else ASYNC_ASIO_GOAL)} | "
                     f"{cell(adapter)} |")
    return "\n".join(lines)


# The goals courier is measured against, as (peer, limit, which cases, in words for the report;
# target_applies() decides): courier's time divided by the peer's must be at most `limit` on every
# case both ran.
TARGETS = [
    ("rust_std", 0.8, "every shared case"),
    ("go_chan", 0.8, "every shared case"),
    ("moodycamel", 1.0, "unbounded spsc, mpsc, mpmc"),
    ("limit", 2.0, "spsc (ceiling: SPSC ring), mpsc and mpmc (floor: one contended RMW)"),
]


def targets_goals():
    """The goals of TARGETS in one sentence, for the report."""
    return "; ".join(f"{peer} ≤ {limit:g}× on {scope}" for peer, limit, scope in TARGETS)


def target_applies(peer, case):
    flavor, _, shape = case.partition("_")
    if peer == "moodycamel":
        return flavor == "unbounded" and shape in ("spsc", "mpsc", "mpmc")
    if peer == "limit":
        return shape in ("spsc", "mpsc", "mpmc")
    return True


def targets_table(table):
    """Markdown table of courier / peer for every target case; a miss is shown in bold, ~ marks an
    estimate."""
    lines = ["| target | case | courier s | peer s | courier / peer | met |",
             "| --- | --- | ---: | ---: | ---: | --- |"]
    met = missed = 0
    for peer, limit, _ in TARGETS:
        cases = sorted({c for s, c in table if s == peer and target_applies(peer, c)
                        and ("courier", c) in table}, key=case_key)
        for case in cases:
            ours, ours_runs = table[("courier", case)]
            theirs, theirs_runs = table[(peer, case)]
            if theirs <= 0:
                continue
            ratio = ours / theirs
            ok = ratio <= limit
            met += ok
            missed += not ok
            lines.append(f"| {peer} ≤ {limit:g}× | {case} | "
                         f"{'~' if ours_runs == 0 else ''}{fmt_seconds(ours)} | "
                         f"{'~' if theirs_runs == 0 else ''}{fmt_seconds(theirs)} | "
                         + (f"{ratio:.2f}" if ok else f"**{ratio:.2f}**")
                         + f" | {'yes' if ok else 'no'} |")
    lines.append("")
    lines.append(f"{met} of {met + missed} target comparisons met, {missed} missed.")
    return "\n".join(lines)


def chart(table, png, title, dist=None):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    systems = sorted({s for s, _ in table}, key=system_key)
    values = [v for v, _ in table.values() if v > 0]
    if not values:
        return
    # The axis spans the fastest and slowest runs too, so that no min-max line is cut off.
    values += [x for d in (dist or {}).values() for x in d[1:3] if x > 0]
    lo = 10 ** math.floor(math.log10(min(values)))
    hi = 10 ** math.ceil(math.log10(max(values)) + 0.3)

    fig, axes = plt.subplots(2, 2, figsize=(15, 12))
    for ax, flavor in zip(axes.flat, FLAVORS):
        shapes = [s for s in SHAPES if any((sy, f"{flavor}_{s}") in table for sy in systems)]
        present = [sy for sy in systems if any((sy, f"{flavor}_{s}") in table for s in shapes)]
        ax.set_title(flavor + {"bounded0": " (rendezvous)", "bounded1": " (capacity 1)",
                               "bounded": " (capacity = messages)", "unbounded": ""}[flavor])
        if not shapes:
            ax.set_axis_off()
            continue
        bar = 0.8 / max(len(present), 1)
        for i, system in enumerate(present):
            for j, shape in enumerate(shapes):
                entry = table.get((system, f"{flavor}_{shape}"))
                if entry is None:
                    continue
                value, runs = entry
                y = j - 0.4 + (i + 0.5) * bar  # first system on top (the axis is inverted)
                ax.barh(y, value, height=bar * 0.9, left=0, color=COLORS.get(system, "#17becf"),
                        hatch="//" if runs == 0 else None, edgecolor="white" if runs else "black",
                        linewidth=0.3)
                d = (dist or {}).get((system, f"{flavor}_{shape}"))
                label_at = value
                if d is not None and d[3] > 1 and d[2] > d[1]:
                    # The distribution over the runs: a line from the fastest to the slowest run.
                    ax.plot([d[1], d[2]], [y, y], color="black", linewidth=0.8)
                    ax.plot([d[1], d[1]], [y - bar * 0.3, y + bar * 0.3], color="black",
                            linewidth=0.8)
                    ax.plot([d[2], d[2]], [y - bar * 0.3, y + bar * 0.3], color="black",
                            linewidth=0.8)
                    label_at = max(value, d[2])
                ax.text(label_at * 1.08, y, fmt_seconds(value), va="center", fontsize=6)
        ax.set_yticks(range(len(shapes)))
        ax.set_yticklabels(shapes)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_xlim(lo, hi)
        ax.set_xlabel("seconds (log scale, lower is better)")
        ax.grid(axis="x", which="major", alpha=0.3)
    handles = [Patch(color=COLORS.get(s, "#17becf"), label=s) for s in systems]
    handles.append(Patch(facecolor="white", edgecolor="black", hatch="//",
                         label="estimate (too slow to run in full)"))
    handles.append(Line2D([0], [0], color="black", linewidth=0.8,
                          label="fastest–slowest run (bar: median)"))
    # At most 6 entries a row: with 9 systems a single row is wider than the figure.
    legend_rows = math.ceil(len(handles) / 6)
    fig.legend(handles=handles, loc="lower center", ncol=math.ceil(len(handles) / legend_rows),
               frameon=False)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.02 + 0.025 * legend_rows, 1, 0.97))
    fig.savefig(png, dpi=110)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv")
    ap.add_argument("--extra", help="extra measurements CSV to print as a second table")
    ap.add_argument("--png", help="write the chart here")
    ap.add_argument("--title", default="courier and peers: time for the whole run")
    ap.add_argument("--no-table", action="store_true", help="only draw the chart")
    ap.add_argument("--targets", action="store_true",
                    help="also print courier's time divided by each target peer's")
    args = ap.parse_args()
    table = load(args.csv)
    dist = load_dist(args.csv)
    if not args.no_table:
        print(markdown_table(table))
        print()
        print(DISTRIBUTION_NOTE)
        print()
        print(distribution_table(dist))
    if args.targets:
        print()
        print(targets_table(table))
    if args.extra and not args.no_table:
        print()
        print(extra_table(load_extra(args.extra)))
    if args.png:
        chart(table, args.png, args.title, dist)
        print(f"chart: {args.png}", file=sys.stderr)


if __name__ == "__main__":
    main()
