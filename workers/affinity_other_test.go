//go:build !linux

package workers_test

func affinity() string { return "?" }
