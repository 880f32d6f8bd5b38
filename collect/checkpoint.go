package collect

import (
	"bufio"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// A checkpoint keeps the entries of every finished slice of one collection
// on disk, one gob file per slice, written under a temporary name and
// renamed when the slice is complete: a slice file exists only whole. The
// directory is named after a hash of what was collected (device, vsys, log
// type, filter, window, slicing), so a different collection never replays
// another's slices.
type checkpoint struct {
	dir string
}

type checkpointKey struct {
	Serial      string
	Vsys        string
	LogType     string
	Filter      string
	From, To    time.Time
	SliceLength time.Duration
}

func openCheckpoint(root string, key checkpointKey) (*checkpoint, error) {
	b, err := json.Marshal(key)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	dir := filepath.Join(root, key.LogType+"-"+hex.EncodeToString(sum[:8]))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	keyFile := filepath.Join(dir, "key.json")
	old, err := os.ReadFile(keyFile)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.WriteFile(keyFile, b, 0o600); err != nil {
			return nil, fmt.Errorf("checkpoint: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("checkpoint: %w", err)
	case string(old) != string(b):
		return nil, fmt.Errorf("checkpoint %s belongs to another collection; remove it", dir)
	}
	return &checkpoint{dir: dir}, nil
}

func (cp *checkpoint) file(i int) string {
	return filepath.Join(cp.dir, fmt.Sprintf("slice-%05d.gob", i))
}

func (cp *checkpoint) done(i int) bool {
	_, err := os.Stat(cp.file(i))
	return err == nil
}

// remove deletes the checkpoint once the collection it served is complete.
func (cp *checkpoint) remove() error { return os.RemoveAll(cp.dir) }

// spool writes one slice's entries as they arrive.
type spool struct {
	f         *os.File
	w         *bufio.Writer
	enc       *gob.Encoder
	final     string
	committed bool
}

func (cp *checkpoint) create(i int) (*spool, error) {
	final := cp.file(i)
	f, err := os.OpenFile(final+".tmp", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	return &spool{f: f, w: w, enc: gob.NewEncoder(w), final: final}, nil
}

func (s *spool) write(batch any) error { return s.enc.Encode(batch) }

// commit makes the slice file whole and visible.
func (s *spool) commit() error {
	if err := s.w.Flush(); err != nil {
		return err
	}
	if err := s.f.Sync(); err != nil {
		return err
	}
	if err := s.f.Close(); err != nil {
		return err
	}
	if err := os.Rename(s.f.Name(), s.final); err != nil {
		return err
	}
	s.committed = true
	return nil
}

// abort removes an unfinished slice file; after commit it does nothing.
func (s *spool) abort() {
	if s.committed {
		return
	}
	s.f.Close()
	os.Remove(s.f.Name())
}

// replay reads a finished slice back and delivers it batch by batch.
func replay[T any](cp *checkpoint, i int, deliver func([]T) error) (int, error) {
	f, err := os.Open(cp.file(i))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	dec := gob.NewDecoder(bufio.NewReaderSize(f, 1<<16))
	n := 0
	for {
		var batch []T
		if err := dec.Decode(&batch); err != nil {
			if errors.Is(err, io.EOF) {
				return n, nil
			}
			return n, fmt.Errorf("read %s: %w", cp.file(i), err)
		}
		if err := deliver(batch); err != nil {
			return n, err
		}
		n += len(batch)
	}
}
