package xapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	pangoerr "github.com/PaloAltoNetworks/pango/errors"
)

// Log query and report jobs do not go through pango. pango checks every answer for an
// error by unmarshalling all of it with encoding/xml, which for a page of
// 5000 log entries (several MB) costs an order of magnitude more than
// parsing the entries themselves; it also cannot be cancelled. Here the
// envelope is checked in place, only an error answer (small) is handed to
// pango's error parser, the key travels in the X-PAN-KEY header and every
// request honours ctx.

// HTTPError is an answer that is not an XML API answer at all, such as a
// proxy's or web server's error page.
type HTTPError struct {
	Status int
	Body   string // the start of the body, for the message
}

func (e *HTTPError) Error() string {
	what := fmt.Sprintf("%q", e.Body)
	switch b := strings.TrimSpace(e.Body); {
	case b == "":
		what = "an empty answer"
	case strings.HasPrefix(strings.ToLower(b), "<!doctype html") || strings.HasPrefix(strings.ToLower(b), "<html"):
		what = fmt.Sprintf("a web page, not an XML API answer: %q", e.Body)
	default:
		what = "not an XML API answer: " + what
	}
	if e.Status == 0 {
		return "the device sent " + what
	}
	return fmt.Sprintf("HTTP %d, %s", e.Status, what)
}

// answer checks what pango handed back. pango reads any body that is not
// an XML API error as success, so an HTML page from a proxy, a login
// portal or a web server in front of the API, or an empty body, would
// pass for an answer that says nothing: it is an *HTTPError here (without
// the status, which pango does not keep).
func answer(what string, body []byte, err error) ([]byte, error) {
	if err != nil {
		return body, translate(what, err)
	}
	if _, known := successEnvelope(body); !known {
		return nil, fmt.Errorf("%s: %w", what, &HTTPError{Body: clip(body, 120)})
	}
	return body, nil
}

// SubmitLog starts a log query job and returns its ID.
func (s *Session) SubmitLog(ctx context.Context, logType, query, dir string, nlogs, skip int) (uint, error) {
	what := fmt.Sprintf("submit %s log query %q", logType, query)
	form := url.Values{}
	form.Set("type", "log")
	form.Set("log-type", logType)
	form.Set("query", query)
	if dir != "" {
		form.Set("dir", dir)
	}
	if nlogs > 0 {
		form.Set("nlogs", strconv.Itoa(nlogs))
	}
	if skip > 0 {
		form.Set("skip", strconv.Itoa(skip))
	}
	body, err := s.rawPost(ctx, what, form)
	if err != nil {
		return 0, err
	}
	var id uint
	if raw := between(body, "<job>", "</job>"); raw != "" {
		n, err := strconv.ParseUint(strings.TrimSpace(raw), 10, 32)
		if err != nil {
			return 0, fmt.Errorf("%s: job ID %q is not a number", what, raw)
		}
		id = uint(n)
	}
	if id == 0 {
		return 0, fmt.Errorf("%s: the device answered without a job ID", what)
	}
	return id, nil
}

// GetLog polls a log query job once and returns the raw answer, read
// into buf (reset first) when buf is not nil: a caller that polls with
// the same buffer receives page after page without allocating one, and
// the answer is valid until buf is used again.
func (s *Session) GetLog(ctx context.Context, id uint, buf *bytes.Buffer) ([]byte, error) {
	form := url.Values{}
	form.Set("type", "log")
	form.Set("action", "get")
	form.Set("job-id", strconv.FormatUint(uint64(id), 10))
	return s.rawPostInto(ctx, fmt.Sprintf("poll log job %d", id), form, buf)
}

// FinishLog ends a log query job that will not be read to the end.
func (s *Session) FinishLog(ctx context.Context, id uint) error {
	form := url.Values{}
	form.Set("type", "log")
	form.Set("action", "finish")
	form.Set("job-id", strconv.FormatUint(uint64(id), 10))
	_, err := s.rawPost(ctx, fmt.Sprintf("finish log job %d", id), form)
	return err
}

// SubmitReport starts a report job: reporttype=dynamic with the custom
// report's definition in cmd when name is custom-dynamic-report (see
// collect's report.go), async=yes. It returns the job ID.
func (s *Session) SubmitReport(ctx context.Context, reportType, name, cmd string) (uint, error) {
	what := fmt.Sprintf("submit %s report %s", reportType, name)
	form := url.Values{}
	form.Set("type", "report")
	form.Set("reporttype", reportType)
	form.Set("reportname", name)
	form.Set("async", "yes")
	if cmd != "" {
		form.Set("cmd", cmd)
	}
	body, err := s.rawPost(ctx, what, form)
	if err != nil {
		return 0, err
	}
	raw := between(body, "<job>", "</job>")
	if raw == "" {
		return 0, fmt.Errorf("%s: the device answered without a job ID", what)
	}
	n, err := strconv.ParseUint(strings.TrimSpace(raw), 10, 32)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%s: job ID %q is not a number", what, raw)
	}
	return uint(n), nil
}

// GetReport polls a report job once and returns the raw answer, into buf
// as GetLog does.
func (s *Session) GetReport(ctx context.Context, id uint, buf *bytes.Buffer) ([]byte, error) {
	form := url.Values{}
	form.Set("type", "report")
	form.Set("action", "get")
	form.Set("job-id", strconv.FormatUint(uint64(id), 10))
	return s.rawPostInto(ctx, fmt.Sprintf("poll report job %d", id), form, buf)
}

// BytesReceived is how many bytes of answers the session's log and report
// requests have read so far.
func (s *Session) BytesReceived() int64 { return s.received.Load() }

func (s *Session) rawPost(ctx context.Context, what string, form url.Values) ([]byte, error) {
	return s.rawPostInto(ctx, what, form, nil)
}

// rawPostInto posts form and reads the answer into buf (a new buffer when
// nil), sized from the Content-Length when the device sends one, so that
// a page is copied once from the connection and never again.
func (s *Session) rawPostInto(ctx context.Context, what string, form url.Values, buf *bytes.Buffer) ([]byte, error) {
	if s.logTarget != "" {
		form.Set("target", s.logTarget)
	} else if s.fw.Target != "" {
		form.Set("target", s.fw.Target)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.apiURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range s.fw.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("X-PAN-KEY", s.fw.ApiKey)
	resp, err := s.raw.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %w", what, ctx.Err())
		}
		return nil, translate(what, err)
	}
	defer resp.Body.Close()
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	buf.Reset()
	if n := resp.ContentLength; n > 0 && n <= maxAnswer {
		buf.Grow(int(n))
	}
	_, err = buf.ReadFrom(io.LimitReader(resp.Body, maxAnswer+1))
	s.received.Add(int64(buf.Len()))
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %w", what, ctx.Err())
		}
		return nil, translate(what, err)
	}
	body := buf.Bytes()
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
		return nil, fmt.Errorf("%s: %w", what, &HTTPError{Status: resp.StatusCode, Body: clip(body, 120)})
	}
	return body, nil
}

// between returns the text between the first open and the next close.
func between(b []byte, open, close string) string {
	i := bytes.Index(b, []byte(open))
	if i < 0 {
		return ""
	}
	rest := b[i+len(open):]
	j := bytes.Index(rest, []byte(close))
	if j < 0 {
		return ""
	}
	return string(rest[:j])
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

// TargetOp runs an operational command on the device whose logs the
// session reads: the managed firewall named by SetLogTarget, through
// Panorama, or the device itself.
func (s *Session) TargetOp(ctx context.Context, cmd string) ([]byte, error) {
	form := url.Values{}
	form.Set("type", "op")
	form.Set("cmd", cmd)
	return s.rawPost(ctx, "op "+shorten(cmd), form)
}

// TargetShow reads the running configuration at xpath on the device whose
// logs the session reads (see TargetOp). A missing node is an *APIError
// (IsNotFound).
func (s *Session) TargetShow(ctx context.Context, xpath string) ([]byte, error) {
	form := url.Values{}
	form.Set("type", "config")
	form.Set("action", "show")
	form.Set("xpath", xpath)
	return s.rawPost(ctx, "read running config "+xpath, form)
}

// LogTarget returns the serial SetLogTarget named, or "".
func (s *Session) LogTarget() string { return s.logTarget }

// SetLogTarget sends log queries (only) to the managed firewall with this
// serial, through Panorama.
func (s *Session) SetLogTarget(serial string) { s.logTarget = serial }

// IsTransient reports whether an error is worth retrying after a pause: a
// connection that failed or was reset, a timeout, an HTTP 5xx page, or a
// PAN-OS answer that says so (session timed out, internal error). Refused
// credentials, certificate problems and cancellation are not.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, ErrUnauthorized) || isCertError(err) {
		return false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.IsTransient()
	}
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Status >= 500 || he.Status == http.StatusTooManyRequests
	}
	return errors.Is(err, ErrUnreachable) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF)
}
