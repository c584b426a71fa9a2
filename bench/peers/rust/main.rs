// Rust's std::sync::mpsc on the scenarios of bench/src/scenarios.hpp, with the same command line,
// measuring rules and CSV rows as the C++ executables (see bench/src/harness.hpp).
//
// Build: rustc --edition 2021 -C opt-level=3 -C target-cpu=native -o rust_bench main.rs
//
// std::sync::mpsc is crossbeam-channel's algorithm behind Rust's single-consumer API:
// channel() is unbounded, sync_channel(0) a rendezvous, sync_channel(n) bounded. Its receiver
// cannot be shared, and std::sync::mpmc is still unstable in rustc 1.95, so the mpmc and
// select shapes are not measured. Messages are usize values 1..N; every run checks their sum.

use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::thread;
use std::time::{Duration, Instant};

const THREADS: usize = 4;
const SYSTEM: &str = "rust_std";

#[derive(Clone, Copy, PartialEq)]
enum Flavor {
    Bounded0,
    Bounded1,
    Bounded,
    Unbounded,
}

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    Seq,
    Spsc,
    Mpsc,
}

fn flavor_name(f: Flavor) -> &'static str {
    match f {
        Flavor::Bounded0 => "bounded0",
        Flavor::Bounded1 => "bounded1",
        Flavor::Bounded => "bounded",
        Flavor::Unbounded => "unbounded",
    }
}

fn shape_name(s: Shape) -> &'static str {
    match s {
        Shape::Seq => "seq",
        Shape::Spsc => "spsc",
        Shape::Mpsc => "mpsc",
    }
}

fn capacity_of(f: Flavor, messages: usize) -> usize {
    match f {
        Flavor::Bounded0 => 0,
        Flavor::Bounded1 => 1,
        Flavor::Bounded => messages,
        Flavor::Unbounded => 0,
    }
}

struct Options {
    messages: usize,
    runs: usize,
    budget_s: f64,
    estimate_over_s: f64,
    patterns: Vec<String>,
    list: bool,
    header: bool,
    extra: String,
    rtt_trips: usize,
    rss_messages: usize,
    idle_s: f64,
}

fn usage() -> ! {
    eprintln!(
        "usage: rust_bench [--messages N] [--runs R] [--budget SECONDS] [--estimate-over SECONDS]\n\
         \x20         [--no-header] [--list] [--extra rtt|rss|idle] [--rtt-trips N]\n\
         \x20         [--rss-messages N] [--idle-seconds S] [CASE_PATTERN...]"
    );
    std::process::exit(2);
}

fn parse_number(s: Option<String>) -> f64 {
    match s.and_then(|v| v.parse::<f64>().ok()) {
        Some(v) if v >= 0.0 => v,
        _ => usage(),
    }
}

fn parse_options() -> Options {
    let mut o = Options {
        messages: 5_000_000,
        runs: 5,
        budget_s: 0.0,
        estimate_over_s: 0.0,
        patterns: Vec::new(),
        list: false,
        header: true,
        extra: String::new(),
        rtt_trips: 100_000,
        rss_messages: 10_000_000,
        idle_s: 1.0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--messages" => o.messages = parse_number(args.next()) as usize,
            "--runs" => o.runs = parse_number(args.next()) as usize,
            "--budget" => o.budget_s = parse_number(args.next()),
            "--estimate-over" => o.estimate_over_s = parse_number(args.next()),
            "--no-header" => o.header = false,
            "--list" => o.list = true,
            "--extra" => {
                o.extra = args.next().unwrap_or_default();
                if !matches!(o.extra.as_str(), "rtt" | "rss" | "idle") {
                    usage();
                }
            }
            "--rtt-trips" => o.rtt_trips = parse_number(args.next()) as usize,
            "--rss-messages" => o.rss_messages = parse_number(args.next()) as usize,
            "--idle-seconds" => o.idle_s = parse_number(args.next()),
            "-h" | "--help" => usage(),
            _ if a.starts_with('-') => usage(),
            _ => o.patterns.push(a),
        }
    }
    o.messages -= o.messages % THREADS;
    if o.messages == 0 {
        o.messages = THREADS;
    }
    o.runs = o.runs.max(1);
    o.rtt_trips = o.rtt_trips.max(1);
    o.rss_messages = o.rss_messages.max(1);
    o
}

/// Shell-style wildcard match with `*` and `?`, as fnmatch() in the C++ executables.
fn glob_match(pattern: &[u8], name: &[u8]) -> bool {
    match (pattern.first(), name.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            glob_match(&pattern[1..], name) || (!name.is_empty() && glob_match(pattern, &name[1..]))
        }
        (Some(b'?'), Some(_)) => glob_match(&pattern[1..], &name[1..]),
        (Some(p), Some(n)) if p == n => glob_match(&pattern[1..], &name[1..]),
        _ => false,
    }
}

fn selected(o: &Options, name: &str) -> bool {
    o.patterns.is_empty() || o.patterns.iter().any(|p| glob_match(p.as_bytes(), name.as_bytes()))
}

/// A sending handle of either kind of std channel.
trait Tx: Clone + Send + 'static {
    fn put(&self, v: usize);
}

impl Tx for Sender<usize> {
    fn put(&self, v: usize) {
        self.send(v).expect("send failed");
    }
}

impl Tx for SyncSender<usize> {
    fn put(&self, v: usize) {
        self.send(v).expect("send failed");
    }
}

fn check_sum(sum: usize, n: usize) {
    if sum != n * (n + 1) / 2 {
        eprintln!("bench: received messages do not add up");
        std::process::abort();
    }
}

fn run_seq<T: Tx>(ch: (T, Receiver<usize>), n: usize) {
    let (tx, rx) = ch;
    for i in 1..=n {
        tx.put(i);
    }
    let mut sum = 0usize;
    for _ in 0..n {
        sum += rx.recv().expect("recv failed");
    }
    check_sum(sum, n);
}

fn run_spsc<T: Tx>(ch: (T, Receiver<usize>), n: usize) {
    let (tx, rx) = ch;
    let producer = thread::spawn(move || {
        for i in 1..=n {
            tx.put(i);
        }
    });
    let mut sum = 0usize;
    for _ in 0..n {
        sum += rx.recv().expect("recv failed");
    }
    producer.join().unwrap();
    check_sum(sum, n);
}

fn run_mpsc<T: Tx>(ch: (T, Receiver<usize>), n: usize) {
    let (tx, rx) = ch;
    let per = n / THREADS;
    let producers: Vec<_> = (0..THREADS)
        .map(|t| {
            let tx = tx.clone();
            thread::spawn(move || {
                let first = t * per + 1;
                for i in first..first + per {
                    tx.put(i);
                }
            })
        })
        .collect();
    drop(tx);
    let mut sum = 0usize;
    for _ in 0..n {
        sum += rx.recv().expect("recv failed");
    }
    for p in producers {
        p.join().unwrap();
    }
    check_sum(sum, n);
}

fn run_shape<T: Tx>(s: Shape, ch: (T, Receiver<usize>), n: usize) {
    match s {
        Shape::Seq => run_seq(ch, n),
        Shape::Spsc => run_spsc(ch, n),
        Shape::Mpsc => run_mpsc(ch, n),
    }
}

fn run_case(f: Flavor, s: Shape, n: usize) {
    match f {
        Flavor::Unbounded => run_shape(s, channel::<usize>(), n),
        _ => run_shape(s, sync_channel::<usize>(capacity_of(f, n)), n),
    }
}

fn time_run(f: Flavor, s: Shape, n: usize) -> f64 {
    let t0 = Instant::now();
    run_case(f, s, n);
    t0.elapsed().as_secs_f64()
}

/// The measuring rules of bench/src/harness.hpp: (median, min, max, runs).
fn measure(f: Flavor, s: Shape, o: &Options) -> (f64, f64, f64, usize) {
    let n = o.messages;
    let mut runs = o.runs;
    let mut full_warm_up = true;
    if o.budget_s > 0.0 || o.estimate_over_s > 0.0 {
        // Probe with a hundredth of the messages; a slow case is probed again with a tenth.
        let predict = |divisor: usize| {
            let mut probe = n / divisor;
            probe -= probe % THREADS;
            let probe = probe.max(THREADS);
            time_run(f, s, probe) * n as f64 / probe as f64
        };
        let mut predicted = predict(100);
        let slow = if o.estimate_over_s > 0.0 { o.estimate_over_s } else { o.budget_s / runs as f64 };
        if predicted > slow {
            predicted = predict(10);
        }
        if o.estimate_over_s > 0.0 && predicted > o.estimate_over_s {
            return (predicted, predicted, predicted, 0);
        }
        if o.budget_s > 0.0 {
            let fit = if predicted > 0.0 { (o.budget_s / predicted).floor() } else { runs as f64 };
            runs = fit.clamp(1.0, o.runs as f64) as usize;
            full_warm_up = runs == o.runs && fit >= (runs + 1) as f64;
        }
    }
    if full_warm_up {
        time_run(f, s, n);
    }
    let mut samples: Vec<f64> = (0..runs).map(|_| time_run(f, s, n)).collect();
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let k = samples.len();
    let median = if k % 2 == 1 { samples[k / 2] } else { (samples[k / 2 - 1] + samples[k / 2]) / 2.0 };
    (median, samples[0], samples[k - 1], runs)
}

fn cases() -> Vec<(Flavor, Shape)> {
    let mut out = Vec::new();
    for f in [Flavor::Bounded0, Flavor::Bounded1, Flavor::Bounded, Flavor::Unbounded] {
        for s in [Shape::Seq, Shape::Spsc, Shape::Mpsc] {
            if s == Shape::Seq && (f == Flavor::Bounded0 || f == Flavor::Bounded1) {
                continue;
            }
            out.push((f, s));
        }
    }
    out
}

fn print_extra(metric: &str, flavor: &str, value: f64, unit: &str) {
    println!("{},{},{},{:.3},{}", SYSTEM, metric, flavor, value, unit);
}

fn rtt<T: Tx>(f: Flavor, ping: (T, Receiver<usize>), pong: (T, Receiver<usize>), o: &Options) {
    let (ping_tx, ping_rx) = ping;
    let (pong_tx, pong_rx) = pong;
    let trips = o.rtt_trips;
    let warm = (trips / 10).max(100);
    let echo = thread::spawn(move || {
        for _ in 0..warm + trips {
            pong_tx.put(ping_rx.recv().expect("recv failed"));
        }
    });
    for i in 1..=warm {
        ping_tx.put(i);
        assert_eq!(pong_rx.recv().expect("recv failed"), i);
    }
    let mut ns: Vec<u128> = Vec::with_capacity(trips);
    for i in 1..=trips {
        let t0 = Instant::now();
        ping_tx.put(i);
        let back = pong_rx.recv().expect("recv failed");
        ns.push(t0.elapsed().as_nanos());
        assert_eq!(back, i);
    }
    echo.join().unwrap();
    ns.sort_unstable();
    let p99 = ((0.99 * trips as f64).ceil() as usize).max(1) - 1;
    print_extra("rtt_median", flavor_name(f), ns[trips / 2] as f64, "ns");
    print_extra("rtt_p99", flavor_name(f), ns[p99] as f64, "ns");
}

fn proc_status_kib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for line in status.lines() {
        if let Some(rest) = line.strip_prefix(field).and_then(|r| r.strip_prefix(':')) {
            return rest.trim().trim_end_matches("kB").trim().parse().unwrap_or(0.0);
        }
    }
    0.0
}

fn rss(o: &Options) {
    let n = o.rss_messages;
    let before = proc_status_kib("VmRSS");
    let after_drain;
    {
        let (tx, rx) = channel::<usize>();
        for i in 1..=n {
            tx.put(i);
        }
        let mut sum = 0usize;
        for _ in 0..n {
            sum += rx.recv().expect("recv failed");
        }
        check_sum(sum, n);
        after_drain = proc_status_kib("VmRSS");
    }
    let after_drop = proc_status_kib("VmRSS");
    let peak = proc_status_kib("VmHWM");
    print_extra("rss_before", "unbounded", before, "KiB");
    print_extra("rss_peak", "unbounded", peak, "KiB");
    print_extra("rss_after_drain", "unbounded", after_drain, "KiB");
    print_extra("rss_after_drop", "unbounded", after_drop, "KiB");
}

#[repr(C)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

extern "C" {
    fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
}

const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
const CLOCK_THREAD_CPUTIME_ID: i32 = 3;

/// CPU time of the calling thread or of the whole process, in microseconds.
fn cpu_us(clock: i32) -> f64 {
    let mut ts = Timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes one timespec, which `ts` is (64-bit Linux layout).
    unsafe {
        clock_gettime(clock, &mut ts);
    }
    ts.tv_sec as f64 * 1e6 + ts.tv_nsec as f64 / 1e3
}

fn idle<T: Tx>(f: Flavor, ch: (T, Receiver<usize>), o: &Options) {
    let (tx, rx) = ch;
    let (started_tx, started_rx) = channel::<()>();
    let receiver = thread::spawn(move || {
        started_tx.send(()).unwrap();
        let t0 = cpu_us(CLOCK_THREAD_CPUTIME_ID);
        let m = rx.recv().expect("recv failed");
        let used = cpu_us(CLOCK_THREAD_CPUTIME_ID) - t0;
        assert_eq!(m, 42);
        used
    });
    started_rx.recv().unwrap();
    let p0 = cpu_us(CLOCK_PROCESS_CPUTIME_ID);
    thread::sleep(Duration::from_secs_f64(o.idle_s));
    let p1 = cpu_us(CLOCK_PROCESS_CPUTIME_ID);
    tx.put(42);
    let thread_us = receiver.join().unwrap();
    print_extra("blocked_recv_thread_cpu", flavor_name(f), thread_us, "us");
    print_extra("blocked_recv_process_cpu", flavor_name(f), p1 - p0, "us");
}

fn run_extra(o: &Options) {
    if o.header {
        println!("system,metric,flavor,value,unit");
    }
    match o.extra.as_str() {
        "rtt" => {
            rtt(Flavor::Bounded0, sync_channel::<usize>(0), sync_channel::<usize>(0), o);
            rtt(Flavor::Bounded1, sync_channel::<usize>(1), sync_channel::<usize>(1), o);
        }
        "rss" => rss(o),
        _ => {
            idle(Flavor::Bounded1, sync_channel::<usize>(1), o);
            idle(Flavor::Unbounded, channel::<usize>(), o);
        }
    }
}

fn main() {
    let o = parse_options();
    if !o.extra.is_empty() {
        if !o.list {
            run_extra(&o);
        }
        return;
    }
    if o.list {
        for (f, s) in cases() {
            let name = format!("{}_{}", flavor_name(f), shape_name(s));
            if selected(&o, &name) {
                println!("{}", name);
            }
        }
        return;
    }
    if o.header {
        println!("system,case,median_s,min_s,max_s,runs");
    }
    for (f, s) in cases() {
        let name = format!("{}_{}", flavor_name(f), shape_name(s));
        if !selected(&o, &name) {
            continue;
        }
        let (median, min, max, runs) = measure(f, s, &o);
        println!("{},{},{:.6},{:.6},{:.6},{}", SYSTEM, name, median, min, max, runs);
    }
}
