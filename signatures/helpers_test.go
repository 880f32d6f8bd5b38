package signatures

import (
	"context"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/panos-mine/mine/panosim"
)

// device is a simulator served over TLS, with a record of the requests it
// received (the key removed) and a plain XML API client for reading its
// state back independently of the code under test.
type device struct {
	t   *testing.T
	sim *panosim.Server
	hs  *httptest.Server
	mu  sync.Mutex
	log []url.Values
	// hook, when set, sees every request before the simulator does.
	hook func(url.Values)
	// fail, when set and returning true, answers a request with a PAN-OS
	// error instead of passing it to the simulator.
	fail func(url.Values) bool
}

func serve(t *testing.T, sim *panosim.Server) *device {
	t.Helper()
	d := &device{t: t, sim: sim}
	d.hs = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err == nil {
			v := url.Values{}
			for k, vs := range r.Form {
				if k != "key" && k != "password" {
					v[k] = vs
				}
			}
			d.mu.Lock()
			d.log = append(d.log, v)
			hook, fail := d.hook, d.fail
			d.mu.Unlock()
			if hook != nil {
				hook(v)
			}
			if fail != nil && fail(v) {
				w.Header().Set("Content-Type", "application/xml")
				io.WriteString(w, `<response status="error" code="12"><msg><line>injected: edit breaks config validity</line></msg></response>`)
				return
			}
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(d.hs.Close)
	return d
}

func newFirewall(t *testing.T, o panosim.Options) *device {
	t.Helper()
	if o.SessionsPerDay == 0 {
		o.SessionsPerDay = 300
	}
	return serve(t, panosim.New(o))
}

// connect opens a Deployer as the simulator's admin, through keygen, so the
// API user is known.
func (d *device) connect() *Deployer {
	d.t.Helper()
	return d.connectAs("admin", "paloalto", "")
}

func (d *device) connectAs(user, pass, key string) *Deployer {
	d.t.Helper()
	addr := d.hs.Listener.Addr().(*net.TCPAddr)
	pool := d.hs.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	dep, err := Connect(context.Background(), Config{Host: "127.0.0.1", Port: addr.Port, Username: user, Password: pass, APIKey: key,
		RootCAs: pool, Timeout: 10 * time.Second})
	if err != nil {
		d.t.Fatalf("Connect: %v", err)
	}
	dep.SetSleep(func(ctx context.Context, _ time.Duration) error {
		t := time.NewTimer(time.Millisecond)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return nil
		}
	})
	return dep
}

// requests returns the "type/action" of every request since the last call.
func (d *device) requests() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, v := range d.log {
		s := v.Get("type")
		if a := v.Get("action"); a != "" {
			s += "/" + a
		}
		out = append(out, s)
	}
	d.log = nil
	return out
}

// writes returns the requests that would change the device: config
// changes and commits.
func writes(reqs []string) []string {
	var out []string
	for _, r := range reqs {
		switch r {
		case "config/get", "config/show", "op", "keygen", "version":
			continue
		}
		out = append(out, r)
	}
	return out
}

// call sends an XML API request with the simulator's key and returns the
// body, failing the test on an error answer.
func (d *device) call(kv ...string) []byte {
	d.t.Helper()
	ok, b := d.try(d.sim.APIKey(), kv...)
	if !ok {
		d.t.Fatalf("%v: %s", kv, b)
	}
	return b
}

// try sends an XML API request with a key and reports whether the answer
// is a success.
func (d *device) try(key string, kv ...string) (bool, []byte) {
	d.t.Helper()
	v := url.Values{"key": {key}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	resp, err := d.hs.Client().PostForm(d.hs.URL+"/api/", v)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		d.t.Fatal(err)
	}
	return strings.Contains(string(b[:min(len(b), 200)]), `status="success"`), b
}

// rawEntry is a signature entry as read back, with its comment apart.
type rawEntry struct {
	ID      string
	Comment string
	Content string // canonical form without the comment
}

// entries reads the signatures at an xpath of the running ("show") or
// candidate ("get") configuration.
func (d *device) entries(action, xpath string) map[string]rawEntry {
	d.t.Helper()
	v := url.Values{"key": {d.sim.APIKey()}, "type": {"config"}, "action": {action}, "xpath": {xpath}}
	resp, err := d.hs.Client().PostForm(d.hs.URL+"/api/", v)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := map[string]rawEntry{}
	if !strings.Contains(string(b), `status="success"`) {
		return out
	}
	root, err := parseXML(b)
	if err != nil {
		d.t.Fatal(err)
	}
	for _, v := range root.findAll("vulnerability") {
		for _, e := range v.entries() {
			out[e.attr("name")] = rawEntry{ID: e.attr("name"), Comment: e.textOf("comment"), Content: canon(e.without("comment"))}
		}
	}
	return out
}

// canon renders an element canonically without using the code under test's
// renderer: encoding/xml round trip with children sorted.
func canon(n *xnode) string { return n.canonical() }

// skillet returns the recorded skillet's entries by ID, canonical.
func skillet(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../testdata/real/ceskillets-codes.xml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Entries []struct {
			Name string `xml:"name,attr"`
			Raw  []byte `xml:",innerxml"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(append(append([]byte("<r>"), b...), "</r>"...), &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range doc.Entries {
		root, err := parseXML([]byte(`<entry name="` + e.Name + `">` + string(e.Raw) + `</entry>`))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name] = canon(root.children[0])
	}
	return out
}

const sharedVuln = "/config/shared/threats/vulnerability"
