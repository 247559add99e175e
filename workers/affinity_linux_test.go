package workers_test

import (
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// affinity lists the CPUs the calling thread may run on, "0,1".
func affinity() string {
	var set unix.CPUSet
	if unix.SchedGetaffinity(0, &set) != nil {
		return "?"
	}
	var cpus []string
	for c := 0; len(cpus) < set.Count(); c++ {
		if set.IsSet(c) {
			cpus = append(cpus, strconv.Itoa(c))
		}
	}
	return strings.Join(cpus, ",")
}
