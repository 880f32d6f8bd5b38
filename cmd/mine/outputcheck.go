package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
