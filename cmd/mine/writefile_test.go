//go:build unix

package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Writing the JSON to a named pipe (as to /dev/stdout) writes into it and
// leaves it a pipe; a regular file is replaced whole.
func TestWriteFileAtomicSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- "open: " + err.Error()
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- string(b)
	}()
	if err := writeFileAtomic(fifo, func(w io.Writer) error { _, err := io.WriteString(w, `{"ok":true}`); return err }); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != `{"ok":true}` {
		t.Errorf("reader of the pipe got %q", s)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("after the write %s is %v (%v); want still a named pipe", fifo, fi.Mode(), err)
	}

	reg := filepath.Join(dir, "r.json")
	os.WriteFile(reg, []byte("old old old"), 0o644)
	if err := writeFileAtomic(reg, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(reg); string(b) != "new" {
		t.Errorf("regular file holds %q; want new", b)
	}
	if err := writeFileAtomic(dir, func(io.Writer) error { return nil }); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("writeFileAtomic(a directory) = %v; want an error", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".mine-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}
