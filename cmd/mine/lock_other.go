//go:build !unix

package main

import (
	"errors"
	"fmt"
	"os"
)

// lockFile creates path exclusively. A lock file left by a process that
// no longer runs is stale and taken over.
func lockFile(path string) (*os.File, error) {
	for attempt := 0; attempt < 2; attempt++ {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		b, _ := os.ReadFile(path)
		if pid := pidOf(b); pid > 0 && !alive(pid) {
			os.Remove(path) // stale: its process is gone
			continue
		}
		return nil, fmt.Errorf("%w %s (%s)", errLocked, path, holder(b))
	}
	return nil, fmt.Errorf("%w %s", errLocked, path)
}

// alive reports whether a process runs; on Windows FindProcess fails for
// one that does not.
func alive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}

func unlockFile(f *os.File, path string) error {
	err := f.Close()
	os.Remove(path)
	return err
}
