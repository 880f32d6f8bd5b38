package xapi

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func hostPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return h, n
}

// Each way a device can be out of reach gets its own kind and message, all
// matching ErrUnreachable: a certificate the system does not trust, a port
// where nothing listens, a device that never answers. The key never shows
// in the message.
func TestOpenConnectionFailures(t *testing.T) {
	ctx := context.Background()
	const key = "SECRET-KEY-123"

	// TLS: a real TLS server whose certificate is in no pool.
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer tlsSrv.Close()

	// Refused: a port that was just closed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := ln.Addr().String()
	ln.Close()

	// Timeout: a TLS server that accepts and never answers.
	block := make(chan struct{})
	hang := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	hang.StartTLS()
	defer hang.Close()
	defer close(block)
	hangPool := x509.NewCertPool()
	hangPool.AddCert(hang.Certificate())

	tests := []struct {
		name string
		addr string
		pool *x509.CertPool
		kind ConnKind
		want string
	}{
		{"untrusted certificate", tlsSrv.Listener.Addr().String(), nil, ConnTLS, "not trusted by this system"},
		{"refused", closedAddr, nil, ConnRefused, "refused the connection"},
		{"timeout", hang.Listener.Addr().String(), hangPool, ConnTimeout, "no answer from"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			host, port := hostPort(t, tc.addr)
			_, err := Open(ctx, Config{Host: host, Port: port, APIKey: key, RootCAs: tc.pool, Timeout: 300 * time.Millisecond})
			var ce *ConnError
			if !errors.As(err, &ce) || ce.Kind != tc.kind {
				t.Fatalf("Open = %v; want a ConnError of kind %d", err, tc.kind)
			}
			if !errors.Is(err, ErrUnreachable) {
				t.Errorf("Open = %v; want it to match ErrUnreachable", err)
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), key) {
				t.Errorf("Open = %q; want %q in it and no key", err, tc.want)
			}
			if IsTransient(err) != (tc.kind != ConnTLS) {
				t.Errorf("IsTransient(%v) = %v; want %v", err, IsTransient(err), tc.kind != ConnTLS)
			}
		})
	}
}

// A name that does not resolve is told apart from the rest. No resolver is
// asked (tests use loopback only): the error is the one net/http returns.
func TestClassifyDNS(t *testing.T) {
	dns := &net.DNSError{Err: "no such host", Name: "fw.example.invalid", IsNotFound: true}
	err := translate("connect to fw.example.invalid", &url.Error{Op: "Post", URL: "https://fw.example.invalid/api/?key=SECRET", Err: &net.OpError{Op: "dial", Net: "tcp", Err: dns}})
	var ce *ConnError
	if !errors.As(err, &ce) || ce.Kind != ConnDNS || ce.Host != "fw.example.invalid" {
		t.Fatalf("translate(DNS error) = %v; want ConnDNS for fw.example.invalid", err)
	}
	if !strings.Contains(err.Error(), "cannot resolve the host name") || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("translate(DNS error) = %q; want the resolver named, no key", err)
	}
	if classifyConn(context.Canceled) != nil || classifyConn(errors.New("x")) != nil {
		t.Error("classifyConn treats cancellation or a plain error as a transport failure")
	}
}

// pango reads an HTML page or an empty body as success; the session does
// not: the error says what came back.
func TestAnswerNotXMLAPI(t *testing.T) {
	tests := []struct {
		body string
		want string
	}{
		{"<html><head><title>Login</title></head><body>portal</body></html>", "a web page"},
		{"", "an empty answer"},
		{"\n  ", "an empty answer"},
		{"OK", "not an XML API answer"},
	}
	for _, tc := range tests {
		_, err := answer("op show clock", []byte(tc.body), nil)
		var he *HTTPError
		if !errors.As(err, &he) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("answer(%q) = %v; want an HTTPError saying %q", tc.body, err, tc.want)
		}
	}
	if b, err := answer("op", []byte(`<response status="success"><result/></response>`), nil); err != nil || len(b) == 0 {
		t.Errorf("answer(success) = %q, %v", b, err)
	}
	in := fmt.Errorf("boom")
	if _, err := answer("op", nil, in); !errors.Is(err, in) {
		t.Errorf("answer(_, err) = %v; want err kept", err)
	}
}

// Through a real session: an op answered by a web page instead of the API
// fails with the page named.
func TestSessionRefusesHTML(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.Form.Get("type") == "op" && strings.Contains(r.Form.Get("cmd"), "<system><info/>") {
			fmt.Fprint(w, `<response status="success"><result><system><hostname>fw</hostname><model>PA-VM</model><sw-version>10.2.9</sw-version><serial>1</serial></system></result></response>`)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body>Session expired, please log in</body></html>")
	}))
	defer srv.Close()
	host, port := hostPort(t, srv.Listener.Addr().String())
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	s, err := Open(context.Background(), Config{Host: host, Port: port, APIKey: "k", RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Op(context.Background(), "<show><clock/></show>"); err == nil || !strings.Contains(err.Error(), "Session expired") {
		t.Errorf("Op answered by HTML = %v; want an error quoting the page", err)
	}
	if _, err := s.Show(context.Background(), "/config/x"); err == nil {
		t.Error("Show answered by HTML = nil error")
	}
}
