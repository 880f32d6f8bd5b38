package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// errLocked: another weekly job holds the lock.
var errLocked = errors.New("another mine run holds the lock")

// runLock keeps two weekly jobs from overlapping: they would collect the
// same windows twice and race on the history.
type runLock struct {
	f    *os.File
	path string
}

// lockInfo is what the lock file says about its holder.
func lockInfo(pid int, since time.Time) string {
	return fmt.Sprintf("pid %d\nsince %s\n", pid, since.UTC().Format(time.RFC3339))
}

// holder describes the holder from the lock file's content.
func holder(b []byte) string {
	s := strings.TrimSpace(strings.ReplaceAll(string(b), "\n", ", "))
	if s == "" {
		return "unknown process"
	}
	return s
}

func acquireLock(path string, now time.Time) (*runLock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	f, err := lockFile(path)
	if err != nil {
		return nil, err
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(lockInfo(os.Getpid(), now)), 0)
	}
	return &runLock{f: f, path: path}, nil
}

func (l *runLock) release() error {
	l.f.Truncate(0)
	return unlockFile(l.f, l.path)
}

func pidOf(b []byte) int {
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "pid "); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}
