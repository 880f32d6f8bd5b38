package xapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"

	pangoerr "github.com/PaloAltoNetworks/pango/errors"
)

var (
	// ErrUnauthorized means the device refused the credentials or the API
	// key, or the admin role lacks the right for the request.
	ErrUnauthorized = errors.New("unauthorized: the device refused the API key or credentials")
	// ErrUnreachable means no HTTP exchange with the device was possible
	// (DNS, connection, TLS).
	ErrUnreachable = errors.New("device unreachable")
	// ErrJobTimeout means a job did not finish before its deadline.
	ErrJobTimeout = errors.New("job did not finish in time")
)

// APIError is an error answer from the XML API: the response's code
// attribute (0 when absent) and its message lines.
type APIError struct {
	Code int
	Msg  string
}

func (e *APIError) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("PAN-OS error %d: %s", e.Code, e.Msg)
	}
	return "PAN-OS error: " + e.Msg
}

// IsTransient reports whether the error is worth retrying: a session
// timeout (code 22) or an internal error (codes 2-5, 11, 21).
func (e *APIError) IsTransient() bool {
	switch e.Code {
	case 2, 3, 4, 5, 11, 21, 22:
		return true
	}
	return false
}

// translate turns a pango or transport error into this package's errors,
// naming what was being attempted.
func translate(what string, err error) error {
	if err == nil {
		return nil
	}
	var pe pangoerr.Panos
	if errors.As(err, &pe) {
		if pe.Code == 403 || pe.Code == 16 {
			return fmt.Errorf("%s: %w (%s)", what, ErrUnauthorized, pe.Msg)
		}
		return fmt.Errorf("%s: %w", what, &APIError{Code: pe.Code, Msg: pe.Msg})
	}
	if ce := classifyConn(err); ce != nil {
		return fmt.Errorf("%s: %w", what, ce)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// ConnKind says why no exchange with the device was possible.
type ConnKind int

const (
	// ConnFailed: the connection broke (a reset, an early close).
	ConnFailed ConnKind = iota
	// ConnDNS: the host name did not resolve.
	ConnDNS
	// ConnRefused: nothing accepted the connection at that address and port.
	ConnRefused
	// ConnTimeout: the device did not answer within the request timeout.
	ConnTimeout
	// ConnTLS: the device's certificate is not one this system trusts
	// (unknown authority, wrong host name, expired).
	ConnTLS
)

// ConnError is a failure to exchange anything with the device, with its
// cause. It matches ErrUnreachable (errors.Is).
type ConnError struct {
	Kind ConnKind
	Host string // host:port as dialled, when known
	Err  error  // the transport error, its URL's secrets redacted in Error
}

func (e *ConnError) Error() string {
	host := e.Host
	if host == "" {
		host = "the device"
	}
	detail := redactURL(innermost(e.Err).Error())
	switch e.Kind {
	case ConnDNS:
		return fmt.Sprintf("%s: cannot resolve the host name (%s)", ErrUnreachable, detail)
	case ConnRefused:
		return fmt.Sprintf("%s: %s refused the connection: nothing accepts HTTPS there (%s)", ErrUnreachable, host, detail)
	case ConnTimeout:
		return fmt.Sprintf("%s: no answer from %s within the request timeout (%s)", ErrUnreachable, host, detail)
	case ConnTLS:
		return fmt.Sprintf("the TLS certificate of %s is not trusted by this system (%s)", host, detail)
	}
	return fmt.Sprintf("%s: the connection to %s failed (%s)", ErrUnreachable, host, detail)
}

// Is makes a ConnError match ErrUnreachable.
func (e *ConnError) Is(target error) bool { return target == ErrUnreachable }

func (e *ConnError) Unwrap() error { return e.Err }

// innermost drops url.Error's "Post "URL": " prefix, which repeats the
// request (and would need redacting) without saying more.
func innermost(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

// classifyConn returns the ConnError err stands for, or nil when err is
// not a transport failure. Cancellation is not one.
func classifyConn(err error) *ConnError {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	var ce *ConnError
	if errors.As(err, &ce) {
		return ce
	}
	var ue *url.Error
	var ne net.Error
	isURL, isNet := errors.As(err, &ue), errors.As(err, &ne)
	if !isURL && !isNet && !isCertError(err) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil
	}
	c := &ConnError{Kind: ConnFailed, Err: err}
	if isURL {
		if u, perr := url.Parse(ue.URL); perr == nil {
			c.Host = u.Host
		}
	}
	var dns *net.DNSError
	switch {
	case isCertError(err):
		c.Kind = ConnTLS
	case errors.As(err, &dns):
		c.Kind = ConnDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		c.Kind = ConnRefused
	case errors.Is(err, context.DeadlineExceeded) || (isNet && ne.Timeout()):
		c.Kind = ConnTimeout
	}
	return c
}

// redactURL replaces the value of every key= and password= parameter in an
// error text (net/url errors quote the request URL) with REDACTED.
func redactURL(s string) string {
	var b strings.Builder
	for {
		i, k := -1, ""
		for _, cand := range []string{"key=", "password="} {
			if j := strings.Index(s, cand); j >= 0 && (i < 0 || j < i) {
				i, k = j, cand
			}
		}
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := i + len(k)
		for j < len(s) && s[j] != '&' && s[j] != ' ' && s[j] != '"' {
			j++
		}
		b.WriteString(s[:i+len(k)])
		b.WriteString("REDACTED")
		s = s[j:]
	}
}

// isCertError reports a TLS certificate verification failure, which no
// retry will mend.
func isCertError(err error) bool {
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	var tv *tls.CertificateVerificationError
	return errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci) || errors.As(err, &tv)
}

// IsNotFound reports whether err is PAN-OS saying that a configuration node
// does not exist: code 7 (a get), or an error answer whose message is "No
// such node" (a show). Other errors, such as a session timeout, are not a
// missing node and must not be read as one.
func IsNotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && (ae.Code == 7 || strings.Contains(ae.Msg, "No such node"))
}
