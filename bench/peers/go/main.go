// Go channels on the scenarios of bench/src/scenarios.hpp, with the same command line, measuring
// rules and CSV rows as the C++ executables (see bench/src/harness.hpp).
//
// Build: GO111MODULE=off GOCACHE=<dir> go build -o go_bench main.go
//
// make(chan uint) is the rendezvous (bounded0), make(chan uint, 1) bounded1 and
// make(chan uint, N) bounded. Go has no unbounded channel, so the unbounded cases and the memory
// burst are not measured. The select shapes use `select` statements over the four channels (no
// reflection). Goroutines run on GOMAXPROCS threads (the number of CPUs unless set).
package main

import (
	"fmt"
	"math"
	"os"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

const threads = 4
const system = "go_chan"

type flavor int

const (
	bounded0 flavor = iota
	bounded1
	bounded
)

var flavorNames = []string{"bounded0", "bounded1", "bounded"}

type shape int

const (
	seq shape = iota
	spsc
	mpsc
	mpmc
	selectRx
	selectBoth
)

var shapeNames = []string{"seq", "spsc", "mpsc", "mpmc", "select_rx", "select_both"}

func capacityOf(f flavor, messages int) int {
	switch f {
	case bounded0:
		return 0
	case bounded1:
		return 1
	default:
		return messages
	}
}

type options struct {
	messages     int
	runs         int
	budget       float64
	estimateOver float64
	patterns     []string
	list         bool
	header       bool
	extra        string
	rttTrips     int
	rssMessages  int
	idleSeconds  float64
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: go_bench [--messages N] [--runs R] [--budget SECONDS] [--estimate-over SECONDS]\n"+
		"          [--no-header] [--list] [--extra rtt|rss|idle|cpu] [--rtt-trips N]\n"+
		"          [--rss-messages N] [--idle-seconds S] [CASE_PATTERN...]")
	os.Exit(2)
}

func parseOptions() options {
	o := options{messages: 5000000, runs: 5, header: true, rttTrips: 100000, rssMessages: 10000000, idleSeconds: 1}
	args := os.Args[1:]
	next := func(i *int) float64 {
		*i++
		if *i >= len(args) {
			usage()
		}
		v, err := strconv.ParseFloat(args[*i], 64)
		if err != nil || v < 0 {
			usage()
		}
		return v
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch a {
		case "--messages":
			o.messages = int(next(&i))
		case "--runs":
			o.runs = int(next(&i))
		case "--budget":
			o.budget = next(&i)
		case "--estimate-over":
			o.estimateOver = next(&i)
		case "--no-header":
			o.header = false
		case "--list":
			o.list = true
		case "--extra":
			i++
			if i >= len(args) || (args[i] != "rtt" && args[i] != "rss" && args[i] != "idle" && args[i] != "cpu") {
				usage()
			}
			o.extra = args[i]
		case "--rtt-trips":
			o.rttTrips = int(next(&i))
		case "--rss-messages":
			o.rssMessages = int(next(&i))
		case "--idle-seconds":
			o.idleSeconds = next(&i)
		case "-h", "--help":
			usage()
		default:
			if strings.HasPrefix(a, "-") {
				usage()
			}
			o.patterns = append(o.patterns, a)
		}
	}
	o.messages -= o.messages % threads
	if o.messages == 0 {
		o.messages = threads
	}
	if o.runs < 1 {
		o.runs = 1
	}
	if o.rttTrips < 1 {
		o.rttTrips = 1
	}
	return o
}

func selected(o *options, name string) bool {
	if len(o.patterns) == 0 {
		return true
	}
	for _, p := range o.patterns {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

func fail(what string) {
	fmt.Fprintln(os.Stderr, "bench: "+what)
	os.Exit(1)
}

func checkSum(sum uint, n int) {
	if sum != uint(n)*uint(n+1)/2 {
		fmt.Fprintln(os.Stderr, "bench: received messages do not add up")
		os.Exit(1)
	}
}

func runSeq(f flavor, n int) {
	c := make(chan uint, capacityOf(f, n))
	for i := 1; i <= n; i++ {
		c <- uint(i)
	}
	var sum uint
	for i := 0; i < n; i++ {
		sum += <-c
	}
	checkSum(sum, n)
}

func runSpsc(f flavor, n int) {
	c := make(chan uint, capacityOf(f, n))
	go func() {
		for i := 1; i <= n; i++ {
			c <- uint(i)
		}
	}()
	var sum uint
	for i := 0; i < n; i++ {
		sum += <-c
	}
	checkSum(sum, n)
}

func runMpsc(f flavor, n int) {
	c := make(chan uint, capacityOf(f, n))
	per := n / threads
	for t := 0; t < threads; t++ {
		go func(first int) {
			for i := first; i < first+per; i++ {
				c <- uint(i)
			}
		}(t*per + 1)
	}
	var sum uint
	for i := 0; i < n; i++ {
		sum += <-c
	}
	checkSum(sum, n)
}

func runMpmc(f flavor, n int) {
	c := make(chan uint, capacityOf(f, n))
	per := n / threads
	var wg sync.WaitGroup
	var sum uint64
	for t := 0; t < threads; t++ {
		wg.Add(2)
		go func(first int) {
			defer wg.Done()
			for i := first; i < first+per; i++ {
				c <- uint(i)
			}
		}(t*per + 1)
		go func() {
			defer wg.Done()
			var local uint
			for i := 0; i < per; i++ {
				local += <-c
			}
			atomic.AddUint64(&sum, uint64(local))
		}()
	}
	wg.Wait()
	checkSum(uint(sum), n)
}

func makeChans(f flavor, n int) [threads]chan uint {
	var cs [threads]chan uint
	for i := range cs {
		cs[i] = make(chan uint, capacityOf(f, n))
	}
	return cs
}

func selectRecv(cs *[threads]chan uint) uint {
	select {
	case v := <-cs[0]:
		return v
	case v := <-cs[1]:
		return v
	case v := <-cs[2]:
		return v
	case v := <-cs[3]:
		return v
	}
}

func selectSend(cs *[threads]chan uint, v uint) {
	select {
	case cs[0] <- v:
	case cs[1] <- v:
	case cs[2] <- v:
	case cs[3] <- v:
	}
}

func runSelectRx(f flavor, n int) {
	cs := makeChans(f, n)
	per := n / threads
	for t := 0; t < threads; t++ {
		go func(c chan uint, first int) {
			for i := first; i < first+per; i++ {
				c <- uint(i)
			}
		}(cs[t], t*per+1)
	}
	var sum uint
	for i := 0; i < n; i++ {
		sum += selectRecv(&cs)
	}
	checkSum(sum, n)
}

func runSelectBoth(f flavor, n int) {
	cs := makeChans(f, n)
	per := n / threads
	var wg sync.WaitGroup
	var sum uint64
	for t := 0; t < threads; t++ {
		wg.Add(2)
		go func(first int) {
			defer wg.Done()
			for i := first; i < first+per; i++ {
				selectSend(&cs, uint(i))
			}
		}(t*per + 1)
		go func() {
			defer wg.Done()
			var local uint
			for i := 0; i < per; i++ {
				local += selectRecv(&cs)
			}
			atomic.AddUint64(&sum, uint64(local))
		}()
	}
	wg.Wait()
	checkSum(uint(sum), n)
}

func runCase(f flavor, s shape, n int) {
	switch s {
	case seq:
		runSeq(f, n)
	case spsc:
		runSpsc(f, n)
	case mpsc:
		runMpsc(f, n)
	case mpmc:
		runMpmc(f, n)
	case selectRx:
		runSelectRx(f, n)
	default:
		runSelectBoth(f, n)
	}
}

func timeRun(f flavor, s shape, n int) float64 {
	t0 := time.Now()
	runCase(f, s, n)
	return time.Since(t0).Seconds()
}

// measure applies the rules of bench/src/harness.hpp and returns median, min, max and runs.
func measure(f flavor, s shape, o *options) (float64, float64, float64, int) {
	n := o.messages
	runs := o.runs
	fullWarmUp := true
	if o.budget > 0 || o.estimateOver > 0 {
		// Probe with a hundredth of the messages; a slow case is probed again with a tenth.
		predict := func(divisor int) float64 {
			probe := n / divisor
			probe -= probe % threads
			if probe < threads {
				probe = threads
			}
			return timeRun(f, s, probe) * float64(n) / float64(probe)
		}
		predicted := predict(100)
		slow := o.budget / float64(runs)
		if o.estimateOver > 0 {
			slow = o.estimateOver
		}
		if predicted > slow {
			predicted = predict(10)
		}
		if o.estimateOver > 0 && predicted > o.estimateOver {
			return predicted, predicted, predicted, 0
		}
		if o.budget > 0 {
			fit := float64(runs)
			if predicted > 0 {
				fit = math.Floor(o.budget / predicted)
			}
			runs = int(math.Max(1, math.Min(fit, float64(o.runs))))
			fullWarmUp = runs == o.runs && fit >= float64(runs+1)
		}
	}
	if fullWarmUp {
		timeRun(f, s, n)
	}
	samples := make([]float64, runs)
	for i := range samples {
		samples[i] = timeRun(f, s, n)
	}
	sort.Float64s(samples)
	k := len(samples)
	median := samples[k/2]
	if k%2 == 0 {
		median = (samples[k/2-1] + samples[k/2]) / 2
	}
	return median, samples[0], samples[k-1], runs
}

func printExtra(metric, flavorName string, value float64, unit string) {
	fmt.Printf("%s,%s,%s,%.3f,%s\n", system, metric, flavorName, value, unit)
}

func rtt(f flavor, o *options) {
	ping := make(chan uint, capacityOf(f, 1))
	pong := make(chan uint, capacityOf(f, 1))
	trips := o.rttTrips
	warm := trips / 10
	if warm < 100 {
		warm = 100
	}
	go func() {
		for i := 0; i < warm+trips; i++ {
			pong <- <-ping
		}
	}()
	for i := 1; i <= warm; i++ {
		ping <- uint(i)
		<-pong
	}
	ns := make([]int64, trips)
	for i := 0; i < trips; i++ {
		t0 := time.Now()
		ping <- uint(i)
		<-pong
		ns[i] = time.Since(t0).Nanoseconds()
	}
	printRtt("rtt", f, ns)
}

// printRtt prints the median and the 99th percentile of round trips in nanoseconds, as the
// metrics <metric>_median and <metric>_p99 (print_rtt in bench/src/extra.hpp).
func printRtt(metric string, f flavor, ns []int64) {
	sort.Slice(ns, func(a, b int) bool { return ns[a] < ns[b] })
	p99 := int(math.Ceil(0.99*float64(len(ns)))) - 1
	printExtra(metric+"_median", flavorNames[f], float64(ns[len(ns)/2]), "ns")
	printExtra(metric+"_p99", flavorNames[f], float64(ns[p99]), "ns")
}

// rttAfterLoad: the same ping-pong for 300 ms beside one busy goroutine per processor, then the
// next trips (a tenth as many, at least 1 000) timed alone (see bench/src/extra.hpp).
func rttAfterLoad(f flavor, o *options) {
	ping := make(chan uint, capacityOf(f, 1))
	pong := make(chan uint, capacityOf(f, 1))
	trips := o.rttTrips / 10
	if trips < 1000 {
		trips = 1000
	}
	done := make(chan struct{})
	go func() {
		for m := range ping {
			pong <- m
		}
		close(done)
	}()
	var loaded atomic.Bool
	loaded.Store(true)
	var sink atomic.Uint64
	var busy sync.WaitGroup
	for i := 0; i < runtime.NumCPU(); i++ {
		busy.Add(1)
		go func() {
			defer busy.Done()
			x := uint64(0)
			for loaded.Load() {
				x = x*6364136223846793005 + 1
			}
			sink.Add(x)
		}()
	}
	next := uint(1)
	loadEnd := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(loadEnd) {
		ping <- next
		if <-pong != next {
			fail("ping-pong returned another message")
		}
		next++
	}
	loaded.Store(false)
	busy.Wait()
	ns := make([]int64, trips)
	for i := 0; i < trips; i++ {
		t0 := time.Now()
		ping <- next
		if <-pong != next {
			fail("ping-pong returned another message")
		}
		ns[i] = time.Since(t0).Nanoseconds()
		next++
	}
	close(ping)
	<-done
	printRtt("rtt_after_load", f, ns)
}

const clockProcessCPUTimeID = 2
const clockThreadCPUTimeID = 3

// cpuMicros reads a CPU-time clock through the clock_gettime system call.
func cpuMicros(clock uintptr) float64 {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clock, uintptr(unsafe.Pointer(&ts)), 0)
	return float64(ts.Sec)*1e6 + float64(ts.Nsec)/1e3
}

// cpuPerMessage: processor time per message of the hand-off cases (see bench/src/extra.hpp).
func cpuPerMessage(o *options) {
	for _, f := range []flavor{bounded0, bounded1} {
		for _, s := range []shape{spsc, mpsc} {
			n := o.messages - o.messages%threads
			runCase(f, s, n) // warm-up
			runs := o.runs
			if runs < 1 {
				runs = 1
			}
			type sample struct{ nsPerMsg, busy float64 }
			samples := make([]sample, runs)
			for i := range samples {
				p0 := cpuMicros(clockProcessCPUTimeID)
				w0 := time.Now()
				runCase(f, s, n)
				wallUs := float64(time.Since(w0).Nanoseconds()) / 1e3
				cpuUs := cpuMicros(clockProcessCPUTimeID) - p0
				samples[i] = sample{cpuUs * 1000 / float64(n), cpuUs / wallUs}
			}
			sort.Slice(samples, func(a, b int) bool { return samples[a].nsPerMsg < samples[b].nsPerMsg })
			mid := samples[len(samples)/2]
			name := flavorNames[f] + "_" + shapeNames[s]
			printExtra("cpu_per_msg", name, mid.nsPerMsg, "ns")
			printExtra("cpu_busy", name, mid.busy, "cores")
		}
	}
}

func idle(f flavor, o *options) {
	c := make(chan uint, capacityOf(f, 1))
	started := make(chan struct{})
	result := make(chan float64)
	go func() {
		// Pin the goroutine to its thread so that the thread clock measures its wait.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		close(started)
		t0 := cpuMicros(clockThreadCPUTimeID)
		m := <-c
		used := cpuMicros(clockThreadCPUTimeID) - t0
		if m != 42 {
			fmt.Fprintln(os.Stderr, "bench: idle receiver got another message")
			os.Exit(1)
		}
		result <- used
	}()
	<-started
	p0 := cpuMicros(clockProcessCPUTimeID)
	time.Sleep(time.Duration(o.idleSeconds * float64(time.Second)))
	p1 := cpuMicros(clockProcessCPUTimeID)
	c <- 42
	threadUs := <-result
	printExtra("blocked_recv_thread_cpu", flavorNames[f], threadUs, "us")
	printExtra("blocked_recv_process_cpu", flavorNames[f], p1-p0, "us")
}

func main() {
	o := parseOptions()
	if o.extra != "" {
		if o.list {
			return
		}
		if o.header {
			fmt.Println("system,metric,flavor,value,unit")
		}
		switch o.extra {
		case "rtt":
			rtt(bounded0, &o)
			rttAfterLoad(bounded0, &o)
			rtt(bounded1, &o)
			rttAfterLoad(bounded1, &o)
		case "idle":
			idle(bounded1, &o)
		case "cpu":
			cpuPerMessage(&o)
		}
		// "rss": Go has no unbounded channel; nothing to report.
		return
	}
	if o.header && !o.list {
		fmt.Println("system,case,median_s,min_s,max_s,runs")
	}
	for f := bounded0; f <= bounded; f++ {
		for s := seq; s <= selectBoth; s++ {
			if s == seq && f != bounded {
				continue
			}
			name := flavorNames[f] + "_" + shapeNames[s]
			if !selected(&o, name) {
				continue
			}
			if o.list {
				fmt.Println(name)
				continue
			}
			median, min, max, runs := measure(f, s, &o)
			fmt.Printf("%s,%s,%.6f,%.6f,%.6f,%d\n", system, name, median, min, max, runs)
		}
	}
}
