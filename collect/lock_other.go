//go:build !unix

package collect

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// lockDir creates dir/lock exclusively. A lock left by a process that no
// longer runs is stale and taken over.
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, "lock")
	for attempt := 0; attempt < 2; attempt++ {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			fmt.Fprintf(f, "pid %d\n", os.Getpid())
			return f, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("checkpoint lock: %w", err)
		}
		b, _ := os.ReadFile(path)
		pid, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(string(b), "pid ")))
		if p, err := os.FindProcess(pid); pid > 0 && err != nil {
			os.Remove(path) // stale: its process is gone
			continue
		} else if p != nil {
			p.Release()
		}
		return nil, fmt.Errorf("%w (checkpoint %s held by %s): wait for that run to end, or give --no-resume", ErrCheckpointBusy, dir, lockHolder(b))
	}
	return nil, fmt.Errorf("%w (checkpoint %s)", ErrCheckpointBusy, dir)
}

func unlockDir(f *os.File) {
	name := f.Name()
	f.Close()
	os.Remove(name)
}
