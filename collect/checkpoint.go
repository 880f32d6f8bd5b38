package collect

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Checkpoints keep the entries of every finished slice of a collection on
// disk, so that a collection that was interrupted (a kill, a lost
// connection, a full disk) replays the finished slices and queries only the
// rest: its totals equal an uninterrupted run's, with fewer queries.
//
// Each collection has its own directory, named after a hash of everything
// that defines its query: the device (and, behind Panorama, the firewall
// whose logs are read), device group, vsys, log type, filter, window and
// the slices it is cut into. Inside, key.json says so in clear, lock keeps
// a second run of the same collection out, and each finished slice is one
// file written under a temporary name and renamed when whole:
//
//	"MINECKP2\n"
//	record*  'R' uvarint(n) payload[n] crc32c(payload) — one page's entries (gob)
//	trailer  'T' uvarint(records) uvarint(entries) crc32c(record crcs) "END\n"
//
// A slice file that does not verify whole (cut, corrupt, no trailer) is
// deleted and its slice queried again; nothing of it is delivered.
//
// Checkpoints stay until the caller says the run's report is written
// (Finish), so a crash while collecting the traffic logs keeps the threat
// logs already collected. Directories untouched for Retention are removed
// when a collection starts; List and Clean serve `mine checkpoints`.
type Checkpoints struct {
	// Root holds one directory per collection.
	Root string
	// Retention is how long an unused checkpoint is kept; default 7 days.
	Retention time.Duration
	// Now is the clock retention is measured by; nil skips the sweep.
	Now    func() time.Time
	Logger *slog.Logger

	mu    sync.Mutex
	held  []*checkpoint
	swept bool
	// opening serialises open: the first one's sweep probes every
	// directory's lock, which would make a concurrent open of the same
	// process find its own checkpoint taken.
	opening sync.Mutex
}

// DefaultRetention is how long Checkpoints keeps an unused checkpoint.
const DefaultRetention = 7 * 24 * time.Hour

// ErrCheckpointBusy: another run holds the checkpoint of the same
// collection.
var ErrCheckpointBusy = errors.New("another mine run is collecting the same logs")

// checkpointKey is what defines a collection's query. Format changes when
// the file format does, so old checkpoints are never misread.
type checkpointKey struct {
	Format      int       `json:"format"`
	Device      string    `json:"device"`           // serial of the device connected to
	Target      string    `json:"target,omitempty"` // serial of the firewall read through Panorama
	DeviceGroup string    `json:"device_group,omitempty"`
	Vsys        string    `json:"vsys"`
	LogType     string    `json:"log_type"`
	Filter      string    `json:"filter"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	SliceLength string    `json:"slice_length"`
	Slices      int       `json:"slices"`
	Plan        string    `json:"plan"` // hash of the slices' bounds
}

const checkpointFormat = 2

// maxRecord bounds one record: a page of 5000 entries encodes to a few MB.
const maxRecord = 256 << 20

var ckptMagic = []byte("MINECKP2\n")

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// checkpoint is one collection's directory, locked by this process.
type checkpoint struct {
	dir  string
	lock *os.File
}

// planHash identifies a slice plan.
func planHash(slices []slice) string {
	h := sha256.New()
	for _, s := range slices {
		fmt.Fprintf(h, "%d-%d;", s.from.Unix(), s.to.Unix())
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// open returns the locked checkpoint of key, creating it when needed.
func (cs *Checkpoints) open(key checkpointKey) (*checkpoint, error) {
	key.Format = checkpointFormat
	b, err := json.MarshalIndent(key, "", "  ")
	if err != nil {
		return nil, err
	}
	cs.opening.Lock()
	defer cs.opening.Unlock()
	if err := os.MkdirAll(cs.Root, 0o700); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	cs.sweep()
	sum := sha256.Sum256(b)
	dir := filepath.Join(cs.Root, key.LogType+"-"+hex.EncodeToString(sum[:8]))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	cp := &checkpoint{dir: dir, lock: lock}
	keyFile := filepath.Join(dir, "key.json")
	old, err := os.ReadFile(keyFile)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := writeFileSync(keyFile, b); err != nil {
			cp.unlock()
			return nil, fmt.Errorf("checkpoint: %w", err)
		}
	case err != nil:
		cp.unlock()
		return nil, fmt.Errorf("checkpoint: %w", err)
	case !bytes.Equal(old, b):
		// Same hash, other key: not expected, but never replay it.
		cp.unlock()
		return nil, fmt.Errorf("checkpoint %s belongs to another collection; remove it (mine checkpoints clean)", dir)
	}
	cs.mu.Lock()
	cs.held = append(cs.held, cp)
	cs.mu.Unlock()
	return cp, nil
}

func writeFileSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (cp *checkpoint) unlock() {
	if cp.lock != nil {
		unlockDir(cp.lock)
		cp.lock = nil
	}
}

// Finish removes every checkpoint this Checkpoints opened, and releases
// them: the run they served has written its report.
func (cs *Checkpoints) Finish() error {
	if cs == nil {
		return nil
	}
	cs.mu.Lock()
	held := cs.held
	cs.held = nil
	cs.mu.Unlock()
	var errs []error
	for _, cp := range held {
		// remove the slices first, the lock last, so that a run waiting
		// for the lock never sees a half-removed directory as its own
		if err := removeContents(cp.dir); err != nil {
			errs = append(errs, err)
		}
		cp.unlock()
		if err := os.RemoveAll(cp.dir); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// removeContents removes everything in dir but the lock file.
func removeContents(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if e.Name() == "lock" {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// Release lets go of the checkpoints this Checkpoints opened and keeps
// them, for a later run to resume from; one without a finished slice has
// nothing to resume and is removed.
func (cs *Checkpoints) Release() {
	if cs == nil {
		return
	}
	cs.mu.Lock()
	held := cs.held
	cs.held = nil
	cs.mu.Unlock()
	for _, cp := range held {
		if m, _ := filepath.Glob(filepath.Join(cp.dir, "slice-*.ckpt")); len(m) == 0 {
			removeContents(cp.dir)
			cp.unlock()
			os.RemoveAll(cp.dir)
			continue
		}
		cp.unlock()
	}
}

// CheckpointInfo describes one checkpoint directory.
type CheckpointInfo struct {
	Dir         string
	Device      string // serial of the device connected to
	Target      string // serial of the firewall read through Panorama
	DeviceGroup string
	Vsys        string
	LogType     string
	From, To    time.Time
	Slices      int // slices of the collection
	Done        int // finished slices kept
	Bytes       int64
	Modified    time.Time // newest file
	InUse       bool      // a run holds it now
	Unreadable  string    // why key.json could not be read, when it could not
}

// List describes the checkpoints under Root, oldest first.
func (cs *Checkpoints) List() ([]CheckpointInfo, error) {
	ents, err := os.ReadDir(cs.Root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list checkpoints: %w", err)
	}
	var out []CheckpointInfo
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		out = append(out, describe(filepath.Join(cs.Root, e.Name())))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Modified.Before(out[j].Modified) })
	return out, nil
}

func describe(dir string) CheckpointInfo {
	info := CheckpointInfo{Dir: dir}
	if b, err := os.ReadFile(filepath.Join(dir, "key.json")); err != nil {
		info.Unreadable = err.Error()
	} else {
		var k checkpointKey
		if err := json.Unmarshal(b, &k); err != nil {
			info.Unreadable = err.Error()
		}
		info.Device, info.Target, info.DeviceGroup, info.Vsys, info.LogType = k.Device, k.Target, k.DeviceGroup, k.Vsys, k.LogType
		info.From, info.To, info.Slices = k.From, k.To, k.Slices
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		fi, err := e.Info()
		if err != nil {
			continue
		}
		info.Bytes += fi.Size()
		if fi.ModTime().After(info.Modified) {
			info.Modified = fi.ModTime()
		}
		if strings.HasSuffix(e.Name(), ".ckpt") {
			info.Done++
		}
	}
	if l, err := lockDir(dir); err != nil {
		info.InUse = true
	} else {
		unlockDir(l)
	}
	return info
}

// Clean removes the checkpoints under Root not used for olderThan (all,
// when 0) that no run holds, and returns what it removed.
func (cs *Checkpoints) Clean(olderThan time.Duration, now time.Time) ([]CheckpointInfo, error) {
	list, err := cs.List()
	if err != nil {
		return nil, err
	}
	var removed []CheckpointInfo
	var errs []error
	for _, info := range list {
		if info.InUse || (olderThan > 0 && now.Sub(info.Modified) < olderThan) {
			continue
		}
		l, err := lockDir(info.Dir)
		if err != nil {
			continue // taken meanwhile
		}
		err = removeContents(info.Dir)
		unlockDir(l)
		if err == nil {
			err = os.RemoveAll(info.Dir)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, info)
	}
	return removed, errors.Join(errs...)
}

// sweep removes checkpoints older than the retention, once per
// Checkpoints.
func (cs *Checkpoints) sweep() {
	cs.mu.Lock()
	done := cs.swept || cs.Now == nil
	cs.swept = true
	cs.mu.Unlock()
	if done {
		return
	}
	ret := cs.Retention
	if ret <= 0 {
		ret = DefaultRetention
	}
	removed, err := cs.Clean(ret, cs.Now())
	if cs.Logger != nil {
		for _, r := range removed {
			cs.Logger.Info("old checkpoint removed", "dir", r.Dir, "last_used", r.Modified.UTC().Format(time.RFC3339))
		}
		if err != nil {
			cs.Logger.Warn("could not remove an old checkpoint", "err", err)
		}
	}
}

func (cp *checkpoint) file(i int) string {
	return filepath.Join(cp.dir, fmt.Sprintf("slice-%05d.ckpt", i))
}

// verify reads a slice file through and checks every record and the
// trailer. It returns false (and why) when the file is missing or damaged.
func (cp *checkpoint) verify(i int) (ok bool, why error) {
	f, err := os.Open(cp.file(i))
	if err != nil {
		return false, err
	}
	defer f.Close()
	_, err = walkRecords(bufio.NewReaderSize(f, 1<<16), nil)
	return err == nil, err
}

// walkRecords reads a checkpoint stream, handing each verified payload to
// fn (when set), and returns the entries the trailer counts. Any damage is
// an error: a cut (no trailer), a record whose checksum does not match,
// bytes after the trailer.
func walkRecords(r *bufio.Reader, fn func(payload []byte) error) (int, error) {
	magic := make([]byte, len(ckptMagic))
	if _, err := io.ReadFull(r, magic); err != nil || !bytes.Equal(magic, ckptMagic) {
		return 0, fmt.Errorf("not a checkpoint slice (header %q)", magic)
	}
	var records uint64
	running := crc32.New(crcTable)
	var buf bytes.Buffer
	for {
		tag, err := r.ReadByte()
		if err != nil {
			return 0, fmt.Errorf("cut after %d records: no trailer", records)
		}
		switch tag {
		case 'R':
			n, err := binary.ReadUvarint(r)
			if err != nil || n > maxRecord {
				return 0, fmt.Errorf("record %d: bad length", records+1)
			}
			// grow with the bytes that come, not with what the length
			// claims: a damaged length must not allocate a gigabyte
			buf.Reset()
			if _, err := io.CopyN(&buf, r, int64(n)+4); err != nil {
				return 0, fmt.Errorf("record %d cut short", records+1)
			}
			b := buf.Bytes()
			payload, sum := b[:n], binary.BigEndian.Uint32(b[n:])
			if crc32.Checksum(payload, crcTable) != sum {
				return 0, fmt.Errorf("record %d: checksum mismatch", records+1)
			}
			running.Write(b[n:])
			records++
			if fn != nil {
				if err := fn(payload); err != nil {
					return 0, err
				}
			}
		case 'T':
			nrec, err1 := binary.ReadUvarint(r)
			nent, err2 := binary.ReadUvarint(r)
			var tail [8]byte
			_, err3 := io.ReadFull(r, tail[:])
			if err1 != nil || err2 != nil || err3 != nil {
				return 0, fmt.Errorf("trailer cut short")
			}
			if nrec != records || binary.BigEndian.Uint32(tail[:4]) != running.Sum32() || string(tail[4:]) != "END\n" {
				return 0, fmt.Errorf("trailer does not match the %d records", records)
			}
			if _, err := r.ReadByte(); err != io.EOF {
				return 0, fmt.Errorf("bytes after the trailer")
			}
			return int(nent), nil
		default:
			return 0, fmt.Errorf("record %d: unknown tag %q", records+1, tag)
		}
	}
}

// discard deletes a damaged slice file.
func (cp *checkpoint) discard(i int) { os.Remove(cp.file(i)) }

// spool writes one slice's entries as they arrive.
type spool struct {
	f         *os.File
	w         *bufio.Writer
	final     string
	records   uint64
	entries   uint64
	running   uint32
	committed bool
	buf       bytes.Buffer
}

func (cp *checkpoint) create(i int) (*spool, error) {
	final := cp.file(i)
	f, err := os.OpenFile(final+".tmp", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	if _, err := w.Write(ckptMagic); err != nil {
		f.Close()
		return nil, err
	}
	return &spool{f: f, w: w, final: final}, nil
}

// spoolWrite appends one record: a batch of entries.
func spoolWrite[T any](s *spool, batch []T) error {
	s.buf.Reset()
	if err := gob.NewEncoder(&s.buf).Encode(batch); err != nil {
		return err
	}
	payload := s.buf.Bytes()
	var hdr [1 + binary.MaxVarintLen64]byte
	hdr[0] = 'R'
	n := 1 + binary.PutUvarint(hdr[1:], uint64(len(payload)))
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc32.Checksum(payload, crcTable))
	for _, b := range [][]byte{hdr[:n], payload, sum[:]} {
		if _, err := s.w.Write(b); err != nil {
			return err
		}
	}
	s.running = crc32.Update(s.running, crcTable, sum[:])
	s.records++
	s.entries += uint64(len(batch))
	return nil
}

// commit writes the trailer and makes the slice file whole and visible.
func (s *spool) commit() error {
	var t [1 + 2*binary.MaxVarintLen64 + 8]byte
	t[0] = 'T'
	n := 1 + binary.PutUvarint(t[1:], s.records)
	n += binary.PutUvarint(t[n:], s.entries)
	binary.BigEndian.PutUint32(t[n:], s.running)
	copy(t[n+4:], "END\n")
	if _, err := s.w.Write(t[:n+8]); err != nil {
		return err
	}
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

// replay delivers a finished, verified slice batch by batch. The file was
// verified whole first (verify), so a damage found now is a file changed
// under the run: an error.
func replay[T any](cp *checkpoint, i int, deliver func([]T) error) (int, error) {
	f, err := os.Open(cp.file(i))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	_, err = walkRecords(bufio.NewReaderSize(f, 1<<16), func(payload []byte) error {
		var batch []T
		if err := gob.NewDecoder(bytes.NewReader(payload)).Decode(&batch); err != nil {
			return fmt.Errorf("decode record: %w", err)
		}
		n += len(batch)
		return deliver(batch)
	})
	if err != nil {
		return n, fmt.Errorf("read %s: %w", cp.file(i), err)
	}
	return n, nil
}

// lockHolder describes a lock file's holder.
func lockHolder(b []byte) string {
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "another process"
	}
	return s
}
