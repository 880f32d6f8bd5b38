package xapi

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

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
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ue) || errors.As(err, &ne) {
		return fmt.Errorf("%s: %w: %v", what, ErrUnreachable, redactURL(err.Error()))
	}
	return fmt.Errorf("%s: %w", what, err)
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
