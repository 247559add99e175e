// Command goroutines is the plain-Go side of the cold benchmarks
// (bench/cold/run.sh): the same workloads as ../asyncio with goroutines.
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"sync"
	"time"
)

func main() {
	mode := flag.String("mode", "idle", "idle, sleepers or spawn")
	n := flag.Int("n", 100000, "goroutines for sleepers and spawn")
	flag.Parse()
	start := time.Now()
	var wg sync.WaitGroup
	switch *mode {
	case "idle":
		time.Sleep(2 * time.Second)
	case "sleepers":
		for range *n {
			d := time.Duration(rand.Int63n(int64(time.Second)))
			wg.Add(1)
			go func() { defer wg.Done(); time.Sleep(d) }()
		}
	case "spawn":
		res := make([]int, *n)
		for i := range *n {
			wg.Add(1)
			go func() { defer wg.Done(); runtime.Gosched(); res[i] = 1 }()
		}
	default:
		fmt.Fprintf(os.Stderr, "unknown mode %q\n", *mode)
		os.Exit(1)
	}
	wg.Wait()
	fmt.Printf("%s: %.3f s wall\n", *mode, time.Since(start).Seconds())
}
