package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/panos-mine/mine/panosim"
)

// simHost serves a simulator over HTTPS with a fresh self-signed
// certificate. Clients trust that certificate (pool), never skip
// verification.
type simHost struct {
	srv  *http.Server
	host string
	port int
	pem  []byte
	pool *x509.CertPool
	done chan error
}

func startSim(sim http.Handler, addr string) (*simHost, error) {
	tlsCfg, pem, err := panosim.SelfSignedTLS()
	if err != nil {
		return nil, fmt.Errorf("simulator certificate: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("simulator certificate: not PEM")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("simulator listen on %s: %w", addr, err)
	}
	host, portStr, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		ln.Close()
		return nil, err
	}
	port, _ := strconv.Atoi(portStr)
	h := &simHost{
		srv:  &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second},
		host: host, port: port, pem: pem, pool: pool, done: make(chan error, 1),
	}
	go func() {
		err := h.srv.Serve(tls.NewListener(ln, tlsCfg))
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		h.done <- err
	}()
	return h, nil
}

func (h *simHost) url() string {
	return "https://" + net.JoinHostPort(h.host, strconv.Itoa(h.port)) + "/api"
}

func (h *simHost) close() error {
	err := h.srv.Close()
	if serr := <-h.done; serr != nil {
		return serr
	}
	return err
}
