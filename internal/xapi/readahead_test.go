package xapi

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// A large answer over TLS arrives whole through the read-ahead buffer,
// and every read of the socket offers it the whole buffer, where TLS
// alone asks for about one 16 KB record at a time.
func TestReadAheadConn(t *testing.T) {
	body := make([]byte, 6<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range body {
		body[i] = byte(r.Uint32())
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(body) }))
	defer srv.Close()
	var conns []*countingConn
	dial := dialReadAhead()
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: poolOf(srv)},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			ra := c.(*readAheadConn)
			cc := &countingConn{Conn: ra.Conn}
			ra.Conn, ra.r = cc, bufio.NewReaderSize(cc, readAheadSize)
			conns = append(conns, cc)
			return ra, nil
		},
	}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("read %d bytes, %v; want the %d sent", len(got), err, len(body))
	}
	if len(conns) != 1 || conns[0].smallest < readAheadSize {
		t.Errorf("%d connections, the smallest read of the socket %d bytes; want one, reading %d at a time", len(conns), conns[0].smallest, readAheadSize)
	}
}

// countingConn notes the smallest read asked of it.
type countingConn struct {
	net.Conn
	smallest int
}

func (c *countingConn) Read(p []byte) (int, error) {
	if c.smallest == 0 || len(p) < c.smallest {
		c.smallest = len(p)
	}
	return c.Conn.Read(p)
}

func poolOf(srv *httptest.Server) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(srv.Certificate())
	return p
}
