package panosim

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// request is one XML API call.
type request struct {
	form   url.Values
	header http.Header
	user   string
	pass   string
	basic  bool
	// admin is the administrator the request acts as, once authorized.
	admin string
}

func (r *request) get(k string) string { return r.form.Get(k) }

// response is an XML API answer.
type response struct {
	httpStatus int
	body       string
}

func writeResponse(w http.ResponseWriter, r response) {
	w.Header().Set("Content-Type", "application/xml; charset=UTF-8")
	if r.httpStatus == 0 {
		r.httpStatus = http.StatusOK
	}
	w.WriteHeader(r.httpStatus)
	_, _ = w.Write([]byte(r.body))
}

// success wraps inner in a success envelope; code 0 omits the attribute.
func success(code int, inner string) response {
	var b strings.Builder
	b.Grow(len(inner) + 64)
	b.WriteString(`<response status="success"`)
	if code != 0 {
		b.WriteString(` code="` + strconv.Itoa(code) + `"`)
	}
	b.WriteString(">")
	b.WriteString(inner)
	b.WriteString("</response>")
	return response{body: b.String()}
}

func errorBody(code int, lines ...string) string {
	var b strings.Builder
	b.WriteString(`<response status="error"`)
	if code != 0 {
		b.WriteString(` code="` + strconv.Itoa(code) + `"`)
	}
	b.WriteString("><msg>")
	for _, l := range lines {
		b.WriteString("<line>")
		escape(&b, l)
		b.WriteString("</line>")
	}
	b.WriteString("</msg></response>")
	return b.String()
}

// errorResp is an error answered with the given HTTP status (0 = 200).
func errorResp(httpStatus, code int, lines ...string) response {
	return response{httpStatus: httpStatus, body: errorBody(code, lines...)}
}

// apiError is an error answered with HTTP 200, as PAN-OS does.
func apiError(code int, lines ...string) response { return errorResp(0, code, lines...) }

func forbidden() response {
	return response{
		httpStatus: http.StatusForbidden,
		body:       `<response status="error" code="403"><result><msg>Invalid Credential</msg></result></response>`,
	}
}

func esc(s string) string {
	var b strings.Builder
	escape(&b, s)
	return b.String()
}

func equalSecret(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// account is an administrator: a user name, its password for keygen and
// its API key.
type account struct{ name, password, key string }

// adminFor returns the administrator of the credentials, or nil.
func (s *Server) adminFor(user, pass string) *account {
	for i := range s.admins {
		a := &s.admins[i]
		if equalSecret(user, a.name) && equalSecret(pass, a.password) {
			return a
		}
	}
	return nil
}

// authorize resolves the request's API key (form field or X-PAN-KEY) or
// basic credentials to an administrator; false when none matches.
func (s *Server) authorize(r *request) bool {
	key := r.get("key")
	if key == "" {
		key = r.header.Get("X-PAN-KEY")
	}
	if key != "" {
		for _, a := range s.admins {
			if equalSecret(key, a.key) {
				r.admin = a.name
				return true
			}
		}
		return false
	}
	if !r.basic {
		return false
	}
	if a := s.adminFor(r.user, r.pass); a != nil {
		r.admin = a.name
		return true
	}
	return false
}

// handle dispatches a request; the caller holds s.mu.
func (s *Server) handle(r *request) response {
	typ := r.get("type")
	if typ == "keygen" {
		user, pass := r.get("user"), r.get("password")
		if user == "" && r.basic {
			user, pass = r.user, r.pass
		}
		a := s.adminFor(user, pass)
		if a == nil {
			return forbidden()
		}
		return success(0, "<result><key>"+esc(a.key)+"</key></result>")
	}
	if !s.authorize(r) {
		return forbidden()
	}
	if tgt := r.get("target"); tgt != "" && typ != "version" {
		return s.forward(tgt, r)
	}
	return s.dispatch(r)
}

// dispatch answers an authorized request.
func (s *Server) dispatch(r *request) response {
	typ := r.get("type")
	switch typ {
	case "":
		return errorResp(http.StatusBadRequest, 400, "Missing parameter: type")
	case "op":
		return s.handleOp(r)
	case "config":
		return s.handleConfig(r)
	case "commit":
		return s.handleCommit(r)
	case "log":
		return s.handleLog(r)
	case "version":
		return success(0, "<result><sw-version>"+SWVersion+"</sw-version><multi-vsys>off</multi-vsys>"+
			"<model>"+esc(s.model())+"</model><serial>"+s.dev.serial+"</serial></result>")
	case "user-id":
		return s.handleUserID(r)
	case "report":
		return s.handleReport(r)
	case "import", "export":
		return apiError(1, "type "+typ+" is not supported by the simulator")
	}
	return errorResp(http.StatusBadRequest, 400, "Illegal value for parameter \"type\" ["+typ+"]")
}
