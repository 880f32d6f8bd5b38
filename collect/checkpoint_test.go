package collect

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/panosim"
)

// interrupted runs a collection that stops after n entries, as a kill
// would, and keeps its checkpoint.
func interrupted(t *testing.T, c *Client, w mine.Window, n int) {
	t.Helper()
	if _, _, err := collectThreats(t, c, w, n); !errors.Is(err, errStop) {
		t.Fatalf("interrupted collection = %v; want the interruption", err)
	}
	c.Checkpoints.Release()
}

func sliceFiles(t *testing.T, root string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(root, "*", "slice-*.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A checkpoint slice cut on a record boundary, cut inside a record, or
// with a byte changed is found damaged, removed and queried again: the
// rerun's totals are exactly the store's.
func TestCheckpointDamageIsRequeried(t *testing.T) {
	sim := simWithLogs(t, 2)
	w := mine.Window{From: simStart, To: sim.Now()}
	for _, tc := range []struct {
		name string
		cut  func(b []byte) []byte
	}{
		{"cut on a record boundary", func(b []byte) []byte { return b[:lastRecordEnd(t, b)] }},
		{"cut inside a record", func(b []byte) []byte { return b[:len(b)/2] }},
		{"a byte changed", func(b []byte) []byte { b[len(b)/3] ^= 0x40; return b }},
		{"trailer dropped", func(b []byte) []byte { return b[:len(b)-6] }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cps := &Checkpoints{Root: t.TempDir()}
			tune := func(c *Client) { c.PageSize, c.Jobs, c.SliceLength, c.Checkpoints = 400, 1, 6*time.Hour, cps }
			threat, _ := sim.LogCounts()
			interrupted(t, connectTo(t, sim, sim.APIKey(), tune), w, threat/2)
			files := sliceFiles(t, cps.Root)
			if len(files) == 0 {
				t.Fatal("no finished slice kept")
			}
			b, err := os.ReadFile(files[0])
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(files[0], tc.cut(b), 0o600); err != nil {
				t.Fatal(err)
			}
			got, st, err := collectThreats(t, connectTo(t, sim, sim.APIKey(), tune), w, 0)
			if err != nil {
				t.Fatal(err)
			}
			checkExact(t, sim, "threat", w, got)
			if st.Damaged != 1 || st.Resumed != len(files)-1 {
				t.Errorf("damaged %d, resumed %d; want 1 damaged and the other %d resumed", st.Damaged, st.Resumed, len(files)-1)
			}
		})
	}
}

// lastRecordEnd is the offset where the last record of a slice file ends:
// the trailer starts there.
func lastRecordEnd(t *testing.T, b []byte) int {
	t.Helper()
	r := bufio.NewReader(bytes.NewReader(b))
	r.Discard(len(ckptMagic))
	off := len(ckptMagic)
	for {
		tag, err := r.ReadByte()
		if err != nil || tag != 'R' {
			return off
		}
		var n uint64
		var shift uint
		read := 1
		for {
			c, _ := r.ReadByte()
			read++
			n |= uint64(c&0x7f) << shift
			if c < 0x80 {
				break
			}
			shift += 7
		}
		r.Discard(int(n) + 4)
		off += read + int(n) + 4
	}
}

// A resumed collection asks fewer queries than a fresh one and returns
// the same set; the threat checkpoint survives until Finish.
func TestCheckpointResumeSavesQueries(t *testing.T) {
	sim := simWithLogs(t, 2)
	w := mine.Window{From: simStart, To: sim.Now()}
	cps := &Checkpoints{Root: t.TempDir()}
	tune := func(c *Client) { c.PageSize, c.Jobs, c.SliceLength, c.Checkpoints = 400, 1, 6*time.Hour, cps }

	fresh, fst, err := collectThreats(t, connectTo(t, sim, sim.APIKey(), func(c *Client) { c.PageSize, c.Jobs, c.SliceLength = 400, 1, 6*time.Hour }), w, 0)
	if err != nil {
		t.Fatal(err)
	}
	interrupted(t, connectTo(t, sim, sim.APIKey(), tune), w, fresh.entries/2)
	got, st, err := collectThreats(t, connectTo(t, sim, sim.APIKey(), tune), w, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, sim, "threat", w, got)
	if st.Jobs >= fst.Jobs || st.Resumed == 0 {
		t.Errorf("resumed run: %d jobs, %d slices resumed; a fresh run takes %d jobs", st.Jobs, st.Resumed, fst.Jobs)
	}
	cps.Release()
	if len(sliceFiles(t, cps.Root)) != st.Slices {
		t.Errorf("%d slice files kept after the collection; want all %d until Finish", len(sliceFiles(t, cps.Root)), st.Slices)
	}
	// the rerun of the finished collection replays everything
	again, ast, err := collectThreats(t, connectTo(t, sim, sim.APIKey(), tune), w, 0)
	if err != nil || ast.Jobs != 0 || ast.Resumed != ast.Slices {
		t.Errorf("replay of a finished collection = %v, %d jobs, %d of %d resumed; want no query", err, ast.Jobs, ast.Resumed, ast.Slices)
	}
	checkExact(t, sim, "threat", w, again)
	if err := cps.Finish(); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(cps.Root); len(ents) != 0 {
		t.Errorf("Finish left %d entries in the checkpoint root", len(ents))
	}
}

// Two runs of the same collection at once: the second is refused, not
// mixed with the first.
func TestCheckpointLock(t *testing.T) {
	sim := simWithLogs(t, 1)
	w := mine.Window{From: simStart, To: sim.Now()}
	root := t.TempDir()
	a := &Checkpoints{Root: root}
	if _, _, err := collectThreats(t, connectTo(t, sim, sim.APIKey(), func(c *Client) { c.Checkpoints = a }), w, 0); err != nil {
		t.Fatal(err)
	}
	// a still holds its checkpoint: its report is not written yet
	b := &Checkpoints{Root: root}
	_, _, err := collectThreats(t, connectTo(t, sim, sim.APIKey(), func(c *Client) { c.Checkpoints = b }), w, 0)
	if !errors.Is(err, ErrCheckpointBusy) || !strings.Contains(err.Error(), "--no-resume") {
		t.Errorf("second run of the same collection = %v; want ErrCheckpointBusy naming --no-resume", err)
	}
	list, err := b.List()
	if err != nil || len(list) != 1 || !list[0].InUse || list[0].LogType != "threat" || list[0].Done != list[0].Slices {
		t.Errorf("List = %+v, %v; want one threat checkpoint, in use, every slice done", list, err)
	}
	a.Release()
	if _, _, err := collectThreats(t, connectTo(t, sim, sim.APIKey(), func(c *Client) { c.Checkpoints = b }), w, 0); err != nil {
		t.Errorf("after the first run ended: %v", err)
	}
	b.Release()
}

// Checkpoints nobody used for the retention are removed when a collection
// starts; Clean removes the rest on demand, never one in use. (A run that
// finished no slice keeps nothing.)
func TestCheckpointRetentionAndClean(t *testing.T) {
	sim := simWithLogs(t, 1)
	w := mine.Window{From: simStart, To: sim.Now()}
	threat, _ := sim.LogCounts()
	root := t.TempDir()
	old := &Checkpoints{Root: root}
	interrupted(t, connectTo(t, sim, sim.APIKey(), func(c *Client) { c.Checkpoints = old }), w, threat/2)
	dirs, _ := filepath.Glob(filepath.Join(root, "threat-*"))
	if len(dirs) != 1 {
		t.Fatalf("checkpoint dirs %v", dirs)
	}
	eightDays := time.Now().Add(-8 * 24 * time.Hour)
	filepath.Walk(dirs[0], func(p string, _ os.FileInfo, _ error) error { return os.Chtimes(p, eightDays, eightDays) })

	now := func() time.Time { return time.Now() }
	cps := &Checkpoints{Root: root, Now: now}
	w2 := mine.Window{From: simStart.Add(time.Hour), To: sim.Now()}
	interrupted(t, connectTo(t, sim, sim.APIKey(), func(c *Client) { c.Checkpoints = cps }), w2, threat/2)
	if _, err := os.Stat(dirs[0]); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a checkpoint unused for 8 days survived the sweep: %v", err)
	}
	list, _ := cps.List()
	if len(list) != 1 {
		t.Fatalf("List = %+v; want the new checkpoint only", list)
	}
	held := &Checkpoints{Root: root}
	interrupted(t, connectTo(t, sim, sim.APIKey(), func(c *Client) { c.Checkpoints = held }), mine.Window{From: simStart.Add(2 * time.Hour), To: sim.Now()}, threat/2)
	lock, err := lockDir(list[0].Dir)
	if err != nil {
		t.Fatal(err)
	}
	removed, err := cps.Clean(0, time.Now())
	unlockDir(lock)
	if err != nil || len(removed) != 1 {
		t.Errorf("Clean(all) removed %+v, %v; want the one not in use", removed, err)
	}
	if left, _ := cps.List(); len(left) != 1 || left[0].Dir != list[0].Dir {
		t.Errorf("after Clean %+v left; want the one in use", left)
	}
}

// Behind Panorama, the checkpoint of one firewall's logs is never another
// firewall's: after an interrupted collection for A, B's is exact and
// replays nothing.
func TestCheckpointPanoramaDevicesApart(t *testing.T) {
	pano := panoramaWithLogs(t)
	fws := pano.Firewalls()
	srv := httptest.NewTLSServer(pano)
	t.Cleanup(srv.Close)
	w := mine.Window{From: simStart, To: pano.Now()}
	cps := &Checkpoints{Root: t.TempDir()}
	scope := func(serial string) *Client {
		c, err := ConnectScope(context.Background(), testConfig(t, srv, pano.APIKey()), Scope{DeviceGroup: "branch", Device: serial})
		if err != nil {
			t.Fatal(err)
		}
		c.PollStart, c.PollMax, c.PageSize, c.Jobs, c.Checkpoints = time.Millisecond, 5*time.Millisecond, 200, 1, cps
		return c
	}
	interrupted(t, scope(fws[0].Serial()), w, 400)
	got, st, err := collectThreats(t, scope(fws[1].Serial()), w, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, fws[1], "threat", w, got)
	if st.Resumed != 0 {
		t.Errorf("B's collection resumed %d slices; the checkpoint held A's", st.Resumed)
	}
	for k := range got.keys {
		if k.serial != fws[1].Serial() {
			t.Fatalf("B's collection holds an entry of %s", k.serial)
		}
	}
	cps.Release()
}

// walkRecords rejects what is not a whole checkpoint slice.
func TestWalkRecordsRejects(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":       nil,
		"other magic": []byte("MINECKP1\n"),
		"header only": ckptMagic,
		"bad tag":     append(append([]byte{}, ckptMagic...), 'X'),
		"huge length": append(append([]byte{}, ckptMagic...), 'R', 0xff, 0xff, 0xff, 0xff, 0x0f),
	} {
		if _, err := walkRecords(bufio.NewReader(bytes.NewReader(b)), nil); err == nil {
			t.Errorf("walkRecords(%s) = nil error", name)
		}
	}
	// A damaged length that claims 200 MB over a few bytes must not
	// allocate what it claims (fuzzing found it did).
	claim := binary.AppendUvarint(append(append([]byte{}, ckptMagic...), 'R'), 200<<20)
	claim = append(claim, "short"...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := walkRecords(bufio.NewReader(bytes.NewReader(claim)), nil)
	runtime.ReadMemStats(&after)
	if err == nil || after.TotalAlloc-before.TotalAlloc > 8<<20 {
		t.Errorf("walkRecords(200 MB claim) = %v after allocating %d bytes", err, after.TotalAlloc-before.TotalAlloc)
	}
}

// The HA peer's counters come from its management address in the HA state,
// with the same credentials and port; an unreachable peer is named, not
// fatal.
func TestHAPeer(t *testing.T) {
	pair := panosim.NewHAPair(panosim.Options{Seed: 5, Start: simStart, SessionsPerDay: 300}, "127.0.0.1", "127.0.0.2")
	pair.Advance(6 * time.Hour)
	pair.Failover()
	pair.Advance(6 * time.Hour)
	active, passive := pair.Active(), pair.Passive()

	la, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := la.Addr().(*net.TCPAddr).Port
	lb, err := net.Listen("tcp", net.JoinHostPort("127.0.0.2", strconv.Itoa(port)))
	if err != nil {
		la.Close()
		t.Skipf("127.0.0.2 not usable here: %v", err)
	}
	tlsCfg, pem, err := panosim.SelfSignedTLS("127.0.0.2")
	if err != nil {
		t.Fatal(err)
	}
	first := httptest.NewUnstartedServer(pair.Members()[0])
	first.Listener, first.TLS = la, tlsCfg
	first.StartTLS()
	defer first.Close()
	second := httptest.NewUnstartedServer(pair.Members()[1])
	second.Listener, second.TLS = lb, tlsCfg
	second.StartTLS()

	// the second member is active after the failover: connect to it
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	cfg := Config{Host: "127.0.0.2", Port: port, APIKey: active.APIKey(), RootCAs: pool, Timeout: 5 * time.Second}
	c, err := Connect(context.Background(), cfg, "vsys1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Device().Serial != active.Serial() {
		t.Fatalf("connected to %s; the active member is %s", c.Device().Serial, active.Serial())
	}
	p, err := c.HAPeer(context.Background(), cfg, nil)
	if err != nil || p == nil || p.Err != nil {
		t.Fatalf("HAPeer = %+v, %v", p, err)
	}
	if p.Device.Serial != passive.Serial() || p.State.LocalState != "active" || p.State.PeerState != "passive" || p.Host != "127.0.0.1" {
		t.Errorf("peer %s at %s, states %s/%s; want %s at 127.0.0.1, active/passive", p.Device.Serial, p.Host, p.State.LocalState, p.State.PeerState, passive.Serial())
	}
	var hits uint64
	for _, h := range p.Hits {
		if h.Serial != passive.Serial() {
			t.Errorf("peer hit counter carries serial %q", h.Serial)
		}
		hits += h.HitCount
	}
	if hits == 0 {
		t.Error("the peer's counters are all zero; it carried traffic before the failover")
	}

	first.Close() // the peer goes away
	p, err = c.HAPeer(context.Background(), cfg, nil)
	if err != nil || p == nil || !errors.Is(p.Err, ErrUnreachable) {
		t.Errorf("HAPeer with the peer down = %+v, %v; want the peer named unreachable", p, err)
	}
	second.Close()

	// a lone firewall has no peer
	sim := simWithLogs(t, 1)
	lone := connectTo(t, sim, sim.APIKey(), nil)
	if p, err := lone.HAPeer(context.Background(), Config{}, nil); p != nil || err != nil {
		t.Errorf("HAPeer on a lone firewall = %+v, %v", p, err)
	}
}

// The recorded answers: a 9.1 firewall pair and an 11.0 Panorama pair.
func TestParseHAStateRecorded(t *testing.T) {
	for _, tc := range []struct {
		file        string
		local, peer string
		addr, mode  string
		peerUp      bool
	}{
		{"paloaltoapi-ha-state-firewall-9.1.xml", "active", "passive", "10.12.152.26", "Active-Passive", true},
		{"pan-os-upgrade-ha-state-panorama-11.0.xml", "primary-active", "secondary-passive", "192.168.255.192", "", true},
	} {
		b, err := os.ReadFile("../testdata/real/xmlapi/" + tc.file)
		if err != nil {
			t.Fatal(err)
		}
		st, err := ParseHAState(b)
		if err != nil || !st.Enabled || st.LocalState != tc.local || st.PeerState != tc.peer || st.PeerAddress != tc.addr || st.Mode != tc.mode || st.PeerConnected != tc.peerUp {
			t.Errorf("ParseHAState(%s) = %+v, %v", tc.file, st, err)
		}
	}
	if st, err := ParseHAState([]byte(`<response status="success"><result><enabled>no</enabled></result></response>`)); err != nil || st.Enabled {
		t.Errorf("ParseHAState(disabled) = %+v, %v", st, err)
	}
	if _, err := ParseHAState([]byte(`<response status="success"><result><enabled>yes</enabled><group><peer-info><mgmt-ip>not-an-ip</mgmt-ip></peer-info></group></result></response>`)); err == nil {
		t.Error("ParseHAState(bad mgmt-ip) = nil error")
	}
}
