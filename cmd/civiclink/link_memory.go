package main

import (
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/link"
)

// memoryFlag adds --memory, the linkage's memory budget, to a command.
func memoryFlag(c *cobra.Command, s *string) {
	c.Flags().StringVar(s, "memory", "", "memory budget of the linkage, for the whole process (e.g. 4GB; default half the machine's memory): blocking's sort and candidate pairs spill to disk to stay within it, and a budget too small is refused with the minimum")
}

// memoryBudget reads --memory (empty: the default) and gives the Go
// runtime the heap's share of it as soft memory limit ([link.HeapLimit]),
// so the collector works harder rather than letting the process grow past
// the budget.
func memoryBudget(s string) (int64, error) {
	budget := link.DefaultMemory()
	if s != "" {
		var err error
		if budget, err = link.ParseBytes(s); err != nil {
			return 0, fault.Errorf(fault.Invalid, "--memory: %v", err)
		}
	}
	if limit := link.HeapLimit(budget); limit > 0 && limit < debug.SetMemoryLimit(-1) {
		debug.SetMemoryLimit(limit)
	}
	return budget, nil
}
