package xapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/PaloAltoNetworks/pango"
	pangoerr "github.com/PaloAltoNetworks/pango/errors"
	"github.com/PaloAltoNetworks/pango/util"
)

// Config says how to reach a device. It holds secrets: never print it.
type Config struct {
	Host     string
	Port     int // 0 means 443
	APIKey   string
	Username string // with Password, used for keygen when APIKey is empty
	Password string
	// InsecureSkipVerify turns off certificate verification. Only the
	// user's explicit choice sets it.
	InsecureSkipVerify bool
	// RootCAs, when set, replaces the system roots (the demo trusts its
	// simulator's certificate this way).
	RootCAs *x509.CertPool
	// Timeout bounds each HTTP exchange; default 60s.
	Timeout time.Duration
	// Debug lets pango log the requests it sends (keys blanked by pango).
	Debug  bool
	Logger *slog.Logger
}

// Session is an open, authenticated connection to one device.
type Session struct {
	fw *pango.Firewall
	// raw fetches log pages without pango (see GetLog).
	raw    *http.Client
	apiURL string
	logger *slog.Logger
	// Sleep waits between polls; tests and the demo may shorten it.
	sleep func(ctx context.Context, d time.Duration) error
}

// Open connects to the device, obtains an API key when only a user name
// and password are given, and checks that the device answers. It returns
// ErrUnauthorized or ErrUnreachable (wrapped) when it cannot.
func Open(ctx context.Context, cfg Config) (*Session, error) {
	if cfg.Host == "" {
		return nil, fmt.Errorf("connect: no device host given")
	}
	if cfg.APIKey == "" && (cfg.Username == "" || cfg.Password == "") {
		return nil, fmt.Errorf("connect to %s: no API key, and no user name and password to generate one", cfg.Host)
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("connect to %s: port %d out of range", cfg.Host, cfg.Port)
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logging := uint32(pango.LogQuiet)
	if cfg.Debug {
		logging = pango.LogAction | pango.LogQuery | pango.LogOp | pango.LogLog
	}
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		TLSClientConfig:     &tls.Config{RootCAs: cfg.RootCAs, InsecureSkipVerify: cfg.InsecureSkipVerify, MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost: 4,
		ForceAttemptHTTP2:   false,
	}
	fw := &pango.Firewall{Client: pango.Client{
		Hostname:          cfg.Host,
		Port:              uint(cfg.Port),
		ApiKey:            cfg.APIKey,
		Username:          cfg.Username,
		Password:          cfg.Password,
		Protocol:          "https",
		Timeout:           int((timeout + time.Second - 1) / time.Second),
		VerifyCertificate: !cfg.InsecureSkipVerify,
		Transport:         tr,
		Logging:           logging,
	}}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := fw.Initialize(); err != nil {
		return nil, translate("connect to "+cfg.Host, err)
	}
	apiURL := "https://" + net.JoinHostPort(cfg.Host, strconv.Itoa(max(cfg.Port, 443)))
	if cfg.Port == 0 {
		apiURL = "https://" + cfg.Host
	}
	return &Session{fw: fw, logger: logger, sleep: sleepCtx,
		raw: &http.Client{Transport: tr, Timeout: timeout}, apiURL: apiURL + "/api/"}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Sleep waits d between polls, or until ctx ends (its error is returned).
func (s *Session) Sleep(ctx context.Context, d time.Duration) error { return s.sleep(ctx, d) }

// SetSleep replaces the function that waits between polls (for tests).
func (s *Session) SetSleep(f func(ctx context.Context, d time.Duration) error) { s.sleep = f }

// SystemInfo returns pango's copy of "show system info" (every child of
// result/system by tag).
func (s *Session) SystemInfo() map[string]string { return s.fw.SystemInfo }

// Op runs an operational command (an XML string) and returns the raw answer.
func (s *Session) Op(ctx context.Context, cmd string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := s.fw.Op(cmd, "", nil, nil)
	return b, translate("op "+shorten(cmd), err)
}

// OpVsys runs an operational command scoped to a virtual system.
func (s *Session) OpVsys(ctx context.Context, cmd, vsys string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := s.fw.Op(cmd, vsys, nil, nil)
	return b, translate("op "+shorten(cmd), err)
}

// HitCountRequest is the op command for a vsys's security rule hit counts.
func HitCountRequest(vsys string) interface{} {
	return util.NewHitCountRequest("security", vsys, nil)
}

// OpRequest runs an op command given as a struct pango marshals.
func (s *Session) OpRequest(ctx context.Context, req interface{}, what string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := s.fw.Op(req, "", nil, nil)
	return b, translate(what, err)
}

// Show reads the running configuration at xpath. A missing node gives an
// *APIError.
func (s *Session) Show(ctx context.Context, xpath string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := s.fw.Show(xpath, nil, nil)
	return b, translate("read running config "+xpath, err)
}

// Get reads the candidate configuration at xpath. A missing node comes back
// as (nil, nil): PAN-OS answers code 7 for it.
func (s *Session) Get(ctx context.Context, xpath string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := s.fw.Get(xpath, nil, nil)
	if err != nil {
		var ae *APIError
		terr := translate("read candidate config "+xpath, err)
		if asAPIError(terr, &ae) && ae.Code == 7 {
			return nil, nil
		}
		return b, terr
	}
	return b, nil
}

// Set merges element (one or more XML fragments) into the candidate
// configuration under xpath.
func (s *Session) Set(ctx context.Context, xpath, element string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := s.fw.Set(xpath, element, nil, nil)
	return translate("set config at "+xpath, err)
}

// Delete removes the candidate configuration node at xpath.
func (s *Session) Delete(ctx context.Context, xpath string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := s.fw.Delete(xpath, nil, nil)
	return translate("delete config at "+xpath, err)
}

// Commit commits the candidate configuration and returns the job ID; 0
// means PAN-OS had nothing to commit (code 19 without a job).
func (s *Session) Commit(ctx context.Context, description string) (uint, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	cmd := "<commit>"
	if description != "" {
		cmd += "<description>" + EscapeText(description) + "</description>"
	}
	cmd += "</commit>"
	id, _, err := s.fw.Commit(cmd, "", nil)
	return id, translate("commit", err)
}

// SubmitLog starts a log query job and returns its ID.
func (s *Session) SubmitLog(ctx context.Context, logType, query, dir string, nlogs, skip int) (uint, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var ans util.JobResponse
	_, err := s.fw.Log(logType, "", query, dir, nlogs, skip, nil, &ans)
	if err != nil {
		return 0, translate(fmt.Sprintf("submit %s log query %q", logType, query), err)
	}
	if ans.Id == 0 {
		return 0, fmt.Errorf("submit %s log query %q: the device answered without a job ID", logType, query)
	}
	return ans.Id, nil
}

// GetLog polls a log query job once and returns the raw answer.
//
// It does not go through pango: pango checks every answer for an error by
// unmarshalling all of it with encoding/xml, which for a page of 5000 log
// entries (several MB) costs an order of magnitude more than parsing the
// entries themselves. Here the envelope is checked in place, and only an
// error answer (small) is handed to pango's error parser. The key travels
// in the X-PAN-KEY header, the request honours ctx.
func (s *Session) GetLog(ctx context.Context, id uint) ([]byte, error) {
	what := fmt.Sprintf("poll log job %d", id)
	form := url.Values{}
	form.Set("type", "log")
	form.Set("action", "get")
	form.Set("job-id", strconv.FormatUint(uint64(id), 10))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.apiURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-PAN-KEY", s.fw.ApiKey)
	for k, v := range s.fw.Headers {
		req.Header.Set(k, v)
	}
	resp, err := s.raw.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %w", what, ctx.Err())
		}
		return nil, translate(what, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, translate(what, err)
	}
	if len(body) > maxAnswer {
		return nil, fmt.Errorf("%s: answer larger than %d bytes", what, maxAnswer)
	}
	if ok, known := successEnvelope(body); !ok {
		if known {
			return body, translate(what, pangoerr.Parse(body))
		}
		if resp.StatusCode == http.StatusForbidden {
			return nil, fmt.Errorf("%s: %w (HTTP 403)", what, ErrUnauthorized)
		}
		return nil, fmt.Errorf("%s: HTTP %d, not an XML API answer: %q", what, resp.StatusCode, clip(body, 120))
	}
	return body, nil
}

// maxAnswer bounds one answer: 5000 log entries with long URLs stay far
// below it.
const maxAnswer = 512 << 20

// successEnvelope looks at the <response> start tag only. ok is true for
// status="success" with no code or code 0, 19 or 20 (pango's rule); known
// is false when no <response> tag opens the body.
func successEnvelope(body []byte) (ok, known bool) {
	head := body[:min(len(body), 1024)]
	i := bytes.Index(head, []byte("<response"))
	if i < 0 {
		return false, false
	}
	j := bytes.IndexByte(head[i:], '>')
	if j < 0 {
		return false, false
	}
	tag := string(head[i : i+j])
	if !strings.Contains(tag, `status="success"`) && !strings.Contains(tag, `status='success'`) {
		return false, true
	}
	for _, c := range []string{`code="`, `code='`} {
		if k := strings.Index(tag, c); k >= 0 {
			rest := tag[k+len(c):]
			if e := strings.IndexAny(rest, `"'`); e >= 0 {
				switch rest[:e] {
				case "0", "19", "20":
				default:
					return false, true
				}
			}
		}
	}
	return true, true
}

func clip(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// FinishLog ends a log query job that will not be read to the end.
func (s *Session) FinishLog(id uint) error {
	ex := url.Values{}
	ex.Set("job-id", strconv.FormatUint(uint64(id), 10))
	_, err := s.fw.Log("", "finish", "", "", 0, 0, ex, nil)
	return translate(fmt.Sprintf("finish log job %d", id), err)
}

func shorten(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// EscapeText returns s with XML's special characters escaped, for text
// placed inside an element.
func EscapeText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func asAPIError(err error, target **APIError) bool { return errors.As(err, target) }
