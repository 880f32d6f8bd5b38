package panosim

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
)

// apiClient talks to a Server over real loopback HTTP.
type apiClient struct {
	t   *testing.T
	url string
	key string
}

func newTestServer(t *testing.T, o Options) (*Server, *apiClient) {
	t.Helper()
	s := New(o)
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return s, &apiClient{t: t, url: hs.URL + "/api/", key: s.APIKey()}
}

// call posts form values (the key added) and returns status and body.
func (c *apiClient) call(kv ...string) (int, []byte) {
	c.t.Helper()
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	if v.Get("key") == "" && c.key != "" {
		v.Set("key", c.key)
	}
	resp, err := http.PostForm(c.url, v)
	if err != nil {
		c.t.Fatalf("post %v: %v", kv, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("read body: %v", err)
	}
	return resp.StatusCode, body
}

// envelope is the part of every response the tests check.
type envelope struct {
	XMLName xml.Name `xml:"response"`
	Status  string   `xml:"status,attr"`
	Code    string   `xml:"code,attr"`
	Lines   []string `xml:"msg>line"`
}

func parseEnvelope(t *testing.T, body []byte) envelope {
	t.Helper()
	var e envelope
	if len(body) > 64<<10 {
		// Large answers are log pages: read the root element's attributes
		// only, decoding them whole is slow.
		d := xml.NewDecoder(bytes.NewReader(body))
		for {
			tok, err := d.Token()
			if err != nil {
				t.Fatalf("read %.200s: %v", body, err)
			}
			if st, ok := tok.(xml.StartElement); ok {
				e.XMLName = st.Name
				for _, a := range st.Attr {
					switch a.Name.Local {
					case "status":
						e.Status = a.Value
					case "code":
						e.Code = a.Value
					}
				}
				return e
			}
		}
	}
	if err := xml.Unmarshal(body, &e); err != nil {
		t.Fatalf("unmarshal %s: %v", body, err)
	}
	return e
}

// ok calls and fails the test unless the answer is a success.
func (c *apiClient) ok(kv ...string) []byte {
	c.t.Helper()
	code, body := c.call(kv...)
	e := parseEnvelope(c.t, body)
	if code != 200 || e.Status != "success" {
		c.t.Fatalf("call %v = HTTP %d %s; want success", kv, code, body)
	}
	return body
}

type jobAnswer struct {
	Job int `xml:"result>job"`
}

type jobStatus struct {
	Status   string `xml:"result>job>status"`
	Result   string `xml:"result>job>result"`
	Progress int    `xml:"result>job>progress"`
	ID       int    `xml:"result>job>id"`
}

// commit commits the candidate and polls the job to FIN; it returns the job
// id, 0 when there was nothing to commit.
func (c *apiClient) commit() int {
	c.t.Helper()
	var ja jobAnswer
	if err := xml.Unmarshal(c.ok("type", "commit", "cmd", "<commit></commit>"), &ja); err != nil {
		c.t.Fatal(err)
	}
	if ja.Job == 0 {
		return 0
	}
	for range 10 {
		var js jobStatus
		body := c.ok("type", "op", "cmd", "<show><jobs><id>"+strconv.Itoa(ja.Job)+"</id></jobs></show>")
		if err := xml.Unmarshal(body, &js); err != nil {
			c.t.Fatal(err)
		}
		if js.Status == "FIN" {
			if js.Result != "OK" || js.Progress != 100 {
				c.t.Fatalf("commit job = %s; want result OK progress 100", body)
			}
			return ja.Job
		}
	}
	c.t.Fatalf("commit job %d never finished", ja.Job)
	return 0
}

// deploySignatures sets the 60 recorded HTTP status signatures in shared.
func (c *apiClient) deploySignatures() {
	c.t.Helper()
	codes, err := os.ReadFile("../testdata/real/ceskillets-codes.xml")
	if err != nil {
		c.t.Fatal(err)
	}
	c.ok("type", "config", "action", "set", "xpath", "/config/shared/threats/vulnerability", "element", string(codes))
}

type xLogEntry struct {
	LogID      string `xml:"logid,attr"`
	Seqno      uint64 `xml:"seqno"`
	Serial     string `xml:"serial"`
	Receive    string `xml:"receive_time"`
	Generated  string `xml:"time_generated"`
	HighRes    string `xml:"high_res_timestamp"`
	Type       string `xml:"type"`
	Subtype    string `xml:"subtype"`
	Rule       string `xml:"rule"`
	RuleUUID   string `xml:"rule_uuid"`
	App        string `xml:"app"`
	Src        string `xml:"src"`
	SrcUser    string `xml:"srcuser"`
	Dst        string `xml:"dst"`
	From       string `xml:"from"`
	To         string `xml:"to"`
	Dport      int    `xml:"dport"`
	Sport      int    `xml:"sport"`
	SessionID  uint64 `xml:"sessionid"`
	Repeat     int    `xml:"repeatcnt"`
	Misc       string `xml:"misc"`
	ThreatName string `xml:"threatid"`
	TID        int    `xml:"tid"`
	Severity   string `xml:"severity"`
	Direction  string `xml:"direction"`
	Action     string `xml:"action"`
	Category   string `xml:"category"`
	Bytes      int64  `xml:"bytes"`
	Start      string `xml:"start"`
	DeviceName string `xml:"device_name"`
	EndReason  string `xml:"session_end_reason"`
}

type logAnswer struct {
	Status string   `xml:"status,attr"`
	Code   string   `xml:"code,attr"`
	Lines  []string `xml:"msg>line"`
	Job    struct {
		Status string `xml:"status"`
		ID     int    `xml:"id"`
	} `xml:"result>job"`
	Logs struct {
		Count    int         `xml:"count,attr"`
		Progress int         `xml:"progress,attr"`
		Entries  []xLogEntry `xml:"entry"`
	} `xml:"result>log>logs"`
}

type submitAnswer struct {
	Status string   `xml:"status,attr"`
	Code   string   `xml:"code,attr"`
	Lines  []string `xml:"msg>line"`
	Job    int      `xml:"result>job"`
}

// query runs one log job to completion and returns its entries.
func (c *apiClient) query(logType, q, dir string, nlogs, skip int) []xLogEntry {
	c.t.Helper()
	kv := []string{"type", "log", "log-type", logType, "query", q}
	if dir != "" {
		kv = append(kv, "dir", dir)
	}
	if nlogs != 0 {
		kv = append(kv, "nlogs", strconv.Itoa(nlogs))
	}
	if skip != 0 {
		kv = append(kv, "skip", strconv.Itoa(skip))
	}
	var sa submitAnswer
	if err := xml.Unmarshal(c.ok(kv...), &sa); err != nil {
		c.t.Fatal(err)
	}
	for range 10 {
		var la logAnswer
		if err := xml.Unmarshal(c.ok("type", "log", "action", "get", "job-id", strconv.Itoa(sa.Job)), &la); err != nil {
			c.t.Fatal(err)
		}
		if la.Job.Status == "FIN" {
			if la.Logs.Count != len(la.Logs.Entries) {
				c.t.Fatalf("logs count = %d; want %d entries", la.Logs.Count, len(la.Logs.Entries))
			}
			return la.Logs.Entries
		}
	}
	c.t.Fatalf("log job %d never finished", sa.Job)
	return nil
}

// queryAll pages through every entry matching q, oldest first.
func (c *apiClient) queryAll(logType, q string) []xLogEntry {
	c.t.Helper()
	var all []xLogEntry
	for {
		page := c.query(logType, q, "forward", MaxLogs, len(all))
		all = append(all, page...)
		if len(page) < MaxLogs {
			return all
		}
	}
}

// pageSeqnos runs one log job and returns the seqnos of its entries,
// scanned from the XML text (much faster than decoding thousands of
// entries).
func (c *apiClient) pageSeqnos(logType, q, dir string, nlogs, skip int) []uint64 {
	c.t.Helper()
	var sa submitAnswer
	if err := xml.Unmarshal(c.ok("type", "log", "log-type", logType, "query", q, "dir", dir,
		"nlogs", strconv.Itoa(nlogs), "skip", strconv.Itoa(skip)), &sa); err != nil {
		c.t.Fatal(err)
	}
	var body string
	for i := 0; ; i++ {
		body = string(c.ok("type", "log", "action", "get", "job-id", strconv.Itoa(sa.Job)))
		if strings.Contains(body, "<status>FIN</status>") {
			break
		}
		if i > 10 {
			c.t.Fatalf("log job %d never finished", sa.Job)
		}
	}
	var out []uint64
	for {
		i := strings.Index(body, "<seqno>")
		if i < 0 {
			return out
		}
		body = body[i+len("<seqno>"):]
		j := strings.Index(body, "</seqno>")
		v, err := strconv.ParseUint(body[:j], 10, 64)
		if err != nil {
			c.t.Fatal(err)
		}
		out = append(out, v)
	}
}

// querySeqnos pages through every entry matching q, oldest first, and
// returns their seqnos.
func (c *apiClient) querySeqnos(logType, q string) []uint64 {
	c.t.Helper()
	var out []uint64
	for {
		page := c.pageSeqnos(logType, q, "forward", MaxLogs, len(out))
		out = append(out, page...)
		if len(page) < MaxLogs {
			return out
		}
	}
}
