// Package demoweeks is the scenario of 'mine demo --weeks': an
// administrator who, week after week, adds the rules mine suggested above
// the catch-all of the simulator, through its XML API, until the catch-all
// drains. cmd/mine runs the production pipeline each week; this package is
// only the administrator's part. It imports the root package for the
// report it reads, and the standard library.
package demoweeks

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/panos-mine/mine"
)

// ApplyWeek adds, before week n of weeks, a share of the suggestions of
// the previous report not applied yet (all of them before the last week),
// and before the last week also a rule per service the catch-all still
// carries for ordinary clients, and opens the source of the suggested
// rules added to any client (see openSources). It returns the names of
// the rules added or changed.
func (a *Admin) ApplyWeek(ctx context.Context, prev *mine.Report, applied map[string]bool, n, weeks int) ([]string, error) {
	var todo []mine.Suggestion
	for _, s := range prev.Suggestions {
		if !applied[s.Name] && s.ExistingRule == "" {
			todo = append(todo, s)
		}
	}
	// spread what is left evenly over the weeks left, largest first
	take := (len(todo) + weeks - n) / (weeks - n + 1)
	todo = todo[:take]
	var names []string
	for _, s := range todo {
		if err := a.addSuggestion(ctx, s); err != nil {
			return nil, fmt.Errorf("add rule %s: %w", s.Name, err)
		}
		applied[s.Name] = true
		names = append(names, s.Name)
	}
	if n == weeks {
		added, err := a.coverResidual(ctx, prev, applied)
		if err != nil {
			return nil, err
		}
		names = append(names, added...)
		opened, err := a.openSources(ctx)
		if err != nil {
			return nil, err
		}
		names = append(names, opened...)
	}
	if len(names) == 0 {
		return nil, nil
	}
	return names, a.commit(ctx, fmt.Sprintf("mine demo: week %d rules above the catch-all", n))
}

// addSuggestion sets a suggestion's objects and rule, enables it (mine
// suggests rules disabled, for review) and moves it before its catch-all.
func (a *Admin) addSuggestion(ctx context.Context, s mine.Suggestion) error {
	if s.XML == "" || s.XPath == "" {
		return errors.New("the suggestion carries no rule XML")
	}
	for _, o := range s.Objects {
		if err := a.set(ctx, o.XPath, o.XML); err != nil {
			return fmt.Errorf("%s %s: %w", o.Kind, o.Name, err)
		}
	}
	if err := a.placeRule(ctx, s.XPath, s.Name, s.XML, s.CatchAllRule); err != nil {
		return err
	}
	if a.added == nil {
		a.added = map[string]string{}
	}
	a.added[s.Name] = s.XPath + "/entry[@name='" + s.Name + "']"
	return nil
}

// openSources opens the source of every suggested rule added so far to
// any, before the last week: mine suggests a rule for the clients it saw,
// and a client first seen after its rule was added is still on the
// catch-all (mine then suggests the rule again, under the name it already
// has). Before the catch-all is retired, the administrator gives each
// service all the clients the catch-all allowed it. It returns the rules
// changed, with a mark.
func (a *Admin) openSources(ctx context.Context) ([]string, error) {
	var names []string
	for name := range a.added {
		names = append(names, name)
	}
	slices.Sort(names)
	for i, name := range names {
		if err := a.call(ctx, url.Values{"type": {"config"}, "action": {"edit"}, "xpath": {a.added[name] + "/source"},
			"element": {"<source><member>any</member></source>"}}, nil); err != nil {
			return nil, fmt.Errorf("open the source of %s: %w", name, err)
		}
		names[i] = name + " (source any)"
	}
	return names, nil
}

// coverResidual adds a rule for each application, destination and port the
// catch-all carried for ordinary clients that no suggestion covers (the
// services without HTTP success: ssl, ssh, databases), as an administrator
// would from the workbook's residual list.
func (a *Admin) coverResidual(ctx context.Context, prev *mine.Report, applied map[string]bool) ([]string, error) {
	const rules = "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']/rulebase/security/rules"
	const services = "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']/service"
	var names []string
	for _, r := range prev.Coverage.Residual {
		if r.Reason == "scanner" || r.Reason == "not an App-ID" || r.Application == "" || r.Port == 0 {
			continue
		}
		name := "demo-" + r.Application + "-" + strings.NewReplacer(".", "-", ":", "-").Replace(r.Destination)
		if len(name) > 63 {
			name = name[:63]
		}
		if applied[name] {
			continue
		}
		svc := "tcp-" + strconv.Itoa(r.Port)
		if err := a.set(ctx, services, fmt.Sprintf(`<entry name="%s"><protocol><tcp><port>%d</port></tcp></protocol></entry>`, svc, r.Port)); err != nil {
			return nil, fmt.Errorf("service %s: %w", svc, err)
		}
		rule := fmt.Sprintf(`<entry name="%s"><from><member>any</member></from><to><member>any</member></to>`+
			`<source><member>any</member></source><destination><member>%s</member></destination>`+
			`<source-user><member>any</member></source-user><category><member>any</member></category>`+
			`<application><member>%s</member></application><service><member>%s</member></service>`+
			`<action>allow</action><description>demo: %s on %s, from the residual list</description></entry>`,
			name, xmlEscape(r.Destination), xmlEscape(r.Application), svc, xmlEscape(r.Application), xmlEscape(r.Destination))
		if err := a.placeRule(ctx, rules, name, rule, r.CatchAllRule); err != nil {
			return nil, fmt.Errorf("add rule %s: %w", name, err)
		}
		applied[name] = true
		names = append(names, name)
	}
	slices.Sort(names)
	return names, nil
}

func (a *Admin) placeRule(ctx context.Context, container, name, element, before string) error {
	if err := a.set(ctx, container, element); err != nil {
		return err
	}
	entry := container + "/entry[@name='" + name + "']"
	if err := a.set(ctx, entry, "<disabled>no</disabled>"); err != nil {
		return fmt.Errorf("enable: %w", err)
	}
	if err := a.call(ctx, url.Values{"type": {"config"}, "action": {"move"}, "xpath": {entry},
		"where": {"before"}, "dst": {before}}, nil); err != nil {
		return fmt.Errorf("move before %s: %w", before, err)
	}
	return nil
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// Admin is the demo's administrator: it changes the simulator's
// configuration through the XML API, as a person with the API would. It is
// a few form posts, not a client library.
type Admin struct {
	url string
	key string
	hc  *http.Client
	// added holds the suggested rules added, by name: their entries' XPath
	added map[string]string
}

// NewAdmin returns an administrator of the simulator at url (its /api/
// endpoint), with its API key and the pool its certificate verifies in.
func NewAdmin(url, key string, pool *x509.CertPool) *Admin {
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	return &Admin{url: url, key: key, hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// apiAnswer is the envelope of an XML API answer, with the parts the
// admin reads.
type apiAnswer struct {
	Status string `xml:"status,attr"`
	Code   string `xml:"code,attr"`
	Msg    apiMsg `xml:"msg"`
	Result struct {
		Msg apiMsg `xml:"msg"`
		// a commit answers <job>4</job>, show jobs <job><status>...
		Job []struct {
			ID     string   `xml:",chardata"`
			Status string   `xml:"status"`
			Result string   `xml:"result"`
			Detail []string `xml:"details>line"`
		} `xml:"job"`
	} `xml:"result"`
}

type apiMsg struct {
	Text  string   `xml:",chardata"`
	Lines []string `xml:"line"`
}

func (m apiMsg) String() string {
	return strings.TrimSpace(m.Text + " " + strings.Join(m.Lines, " "))
}

func (a *Admin) call(ctx context.Context, form url.Values, out *apiAnswer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.url, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-PAN-KEY", a.key)
	resp, err := a.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	var ans apiAnswer
	if err := xml.Unmarshal(body, &ans); err != nil {
		return fmt.Errorf("%s: %w", resp.Status, err)
	}
	if ans.Status != "success" {
		return fmt.Errorf("device answered %s (code %s): %s %s", ans.Status, ans.Code, ans.Msg, ans.Result.Msg)
	}
	if out != nil {
		*out = ans
	}
	return nil
}

func (a *Admin) set(ctx context.Context, xpath, element string) error {
	return a.call(ctx, url.Values{"type": {"config"}, "action": {"set"}, "xpath": {xpath}, "element": {element}}, nil)
}

// commit commits the candidate configuration and waits for the job.
func (a *Admin) commit(ctx context.Context, desc string) error {
	var ans apiAnswer
	if err := a.call(ctx, url.Values{"type": {"commit"}, "cmd": {"<commit><description>" + xmlEscape(desc) + "</description></commit>"}}, &ans); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if len(ans.Result.Job) == 0 {
		return nil // nothing to commit
	}
	id := strings.TrimSpace(ans.Result.Job[0].ID)
	for i := 0; i < 200; i++ {
		var st apiAnswer
		if err := a.call(ctx, url.Values{"type": {"op"}, "cmd": {"<show><jobs><id>" + xmlEscape(id) + "</id></jobs></show>"}}, &st); err != nil {
			return fmt.Errorf("commit job %s: %w", id, err)
		}
		if len(st.Result.Job) == 1 && st.Result.Job[0].Status == "FIN" {
			if j := st.Result.Job[0]; j.Result != "OK" {
				return fmt.Errorf("commit job %s: %s: %s", id, j.Result, strings.Join(j.Detail, "; "))
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return fmt.Errorf("commit job %s did not finish", id)
}
