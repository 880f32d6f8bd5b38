package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// check makes sure the outputs can be written before any collection
// starts: on a busy firewall a collection takes hours, and an unwritable
// --out found at the end throws them away. Nothing is created.
func (o outputs) check() error {
	for _, f := range []struct{ flag, path string }{{"--out", o.xlsx}, {"--json", o.json}} {
		if f.path == "" || f.path == "-" {
			continue
		}
		if err := checkOutputPath(f.path); err != nil {
			return usagef("%s %s: %v", f.flag, f.path, err)
		}
	}
	return nil
}

// checkOutputPath reports why path cannot be written: its directory is
// missing or not writable, or the path is a directory.
func checkOutputPath(path string) error {
	if fi, err := os.Stat(path); err == nil {
		if fi.IsDir() {
			return errors.New("is a directory")
		}
		if !fi.Mode().IsRegular() {
			return nil // a device or pipe: written to directly
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("directory %s does not exist", dir)
		}
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	return checkWritableDir(dir)
}

// checkWritableDir creates and removes a file in dir: the only test of
// write permission that holds for every file system and user.
func checkWritableDir(dir string) error {
	f, err := os.CreateTemp(dir, ".mine-check-*")
	if err != nil {
		return fmt.Errorf("cannot write in %s: %w", dir, errors.Unwrap(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// staleTemp is how much older than ours a temporary file must be to count
// as left by a killed run.
const staleTemp = 10 * time.Minute

// removeStaleTemps removes the .mine-*.tmp files runs killed while writing
// left in dir: older than ours by staleTemp (file times, no clock read).
func removeStaleTemps(dir, ours string) {
	me, err := os.Stat(ours)
	if err != nil {
		return
	}
	m, _ := filepath.Glob(filepath.Join(dir, ".mine-*.tmp"))
	for _, f := range m {
		if fi, err := os.Stat(f); err == nil && f != ours && fi.Mode().IsRegular() && me.ModTime().Sub(fi.ModTime()) > staleTemp {
			os.Remove(f)
		}
	}
}
