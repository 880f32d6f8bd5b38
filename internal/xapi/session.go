package xapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/PaloAltoNetworks/pango"
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
	// Now is the caller's clock. collect compares the device's clock with
	// it to learn the device's UTC offset; nil leaves only the zone the
	// device's configuration names.
	Now func() time.Time
}

// Session is an open, authenticated connection to one device.
type Session struct {
	fw *pango.Firewall
	// raw fetches log pages without pango (see GetLog).
	raw       *http.Client
	apiURL    string
	logTarget string // serial that log queries go to through Panorama
	logger    *slog.Logger
	// Sleep waits between polls; tests and the demo may shorten it.
	sleep func(ctx context.Context, d time.Duration) error
	// received counts the bytes of the answers rawPost read.
	received atomic.Int64
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
		DialContext:         dialReadAhead(),
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

// SetAPIKeyForTest replaces the key the session sends (tests of refusal).
func (s *Session) SetAPIKeyForTest(key string) { s.fw.ApiKey = key }

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
	return answer("op "+shorten(cmd), b, err)
}

// OpVsys runs an operational command scoped to a virtual system.
func (s *Session) OpVsys(ctx context.Context, cmd, vsys string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := s.fw.Op(cmd, vsys, nil, nil)
	return answer("op "+shorten(cmd), b, err)
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
	return answer(what, b, err)
}

// Show reads the running configuration at xpath. A missing node gives an
// *APIError.
func (s *Session) Show(ctx context.Context, xpath string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := s.fw.Show(xpath, nil, nil)
	return answer("read running config "+xpath, b, err)
}

// Get reads the candidate configuration at xpath. A missing node comes back
// as (nil, nil): PAN-OS answers code 7 for it.
func (s *Session) Get(ctx context.Context, xpath string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := s.fw.Get(xpath, nil, nil)
	if err != nil {
		terr := translate("read candidate config "+xpath, err)
		if IsNotFound(terr) {
			return nil, nil
		}
		return b, terr
	}
	return answer("read candidate config "+xpath, b, nil)
}

// Set merges element (one or more XML fragments) into the candidate
// configuration under xpath.
func (s *Session) Set(ctx context.Context, xpath, element string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := s.fw.Set(xpath, element, nil, nil)
	_, err = answer("set config at "+xpath, b, err)
	return err
}

// Delete removes the candidate configuration node at xpath.
func (s *Session) Delete(ctx context.Context, xpath string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := s.fw.Delete(xpath, nil, nil)
	_, err = answer("delete config at "+xpath, b, err)
	return err
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
	id, b, err := s.fw.Commit(cmd, "", nil)
	_, err = answer("commit", b, err)
	return id, err
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

// OpVsysTarget is OpVsys sent, through Panorama, to the managed firewall
// that log queries go to (SetLogTarget), when one is set.
func (s *Session) OpVsysTarget(ctx context.Context, cmd, vsys string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var extras interface{}
	if s.logTarget != "" {
		extras = url.Values{"target": {s.logTarget}}
	}
	b, err := s.fw.Op(cmd, vsys, extras, nil)
	return b, translate("op "+shorten(cmd), err)
}

// HasLogTarget reports whether a managed firewall was named with
// SetLogTarget.
func (s *Session) HasLogTarget() bool { return s.logTarget != "" }
