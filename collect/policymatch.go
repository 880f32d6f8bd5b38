package collect

import (
	"context"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// PolicyQuery is one flow to ask the device about with "test
// security-policy-match".
type PolicyQuery struct {
	From, To    string
	Source      string
	Destination string
	Protocol    string // tcp, udp, sctp
	Port        int
	Application string
	SourceUser  string // "" to leave it out
}

// protocolNumbers are the IP protocol numbers the command takes.
var protocolNumbers = map[string]int{"tcp": 6, "udp": 17, "sctp": 132, "icmp": 1}

func (q PolicyQuery) command() (string, error) {
	proto, ok := protocolNumbers[strings.ToLower(q.Protocol)]
	if !ok {
		return "", fmt.Errorf("protocol %q: want tcp, udp, sctp or icmp", q.Protocol)
	}
	var b strings.Builder
	b.WriteString("<test><security-policy-match>")
	el := func(name, v string) {
		if v != "" {
			b.WriteString("<" + name + ">" + xmlEscape(v) + "</" + name + ">")
		}
	}
	el("from", q.From)
	el("to", q.To)
	el("source", q.Source)
	el("destination", q.Destination)
	el("protocol", strconv.Itoa(proto))
	if q.Port > 0 {
		el("destination-port", strconv.Itoa(q.Port))
	}
	el("application", q.Application)
	el("source-user", q.SourceUser)
	b.WriteString("</security-policy-match></test>")
	return b.String(), nil
}

// PolicyMatch asks a firewall which security rule its policy applies to
// a flow (test security-policy-match; on Panorama, the firewall named by
// --device answers through target=serial). It returns the rule's name, ""
// when no rule matches.
func (c *Client) PolicyMatch(ctx context.Context, q PolicyQuery) (string, error) {
	if c.dev.Panorama && !c.s.HasLogTarget() {
		return "", fmt.Errorf("test security-policy-match runs on a firewall: name one with --device: %w", ErrUnsupported)
	}
	cmd, err := q.command()
	if err != nil {
		return "", err
	}
	body, err := c.s.OpVsysTarget(ctx, cmd, c.vsys)
	if err != nil {
		return "", fmt.Errorf("test security-policy-match: %w", err)
	}
	return ParsePolicyMatch(body)
}

// PolicyMatches asks PolicyMatch for each query, jobs at a time, and
// returns the answers in the queries' order.
func (c *Client) PolicyMatches(ctx context.Context, qs []PolicyQuery, jobs int) ([]string, error) {
	out := make([]string, len(qs))
	jobs = max(1, min(jobs, len(qs)))
	work := make(chan int)
	errs := make(chan error, jobs)
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				r, err := c.PolicyMatch(ctx, qs[i])
				if err != nil {
					errs <- err
					return
				}
				out[i] = r
			}
		}()
	}
	var err error
feed:
	for i := range qs {
		select {
		case work <- i:
		case err = <-errs:
			break feed
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	return out, err
}

// ParsePolicyMatch reads the answer to test security-policy-match: the
// first result/rules/entry, named by its name attribute (PAN-OS 8.1 and
// later) or by its text "NAME; index: N" (older releases); "" when the
// answer lists no rule.
func ParsePolicyMatch(body []byte) (string, error) {
	var doc struct {
		Status  string `xml:"status,attr"`
		Entries []struct {
			Name string `xml:"name,attr"`
			Text string `xml:",chardata"`
		} `xml:"result>rules>entry"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("parse test security-policy-match answer: %w", err)
	}
	if doc.Status != "success" {
		return "", fmt.Errorf("parse test security-policy-match answer: response status %q", doc.Status)
	}
	if len(doc.Entries) == 0 {
		return "", nil
	}
	e := doc.Entries[0]
	if e.Name != "" {
		return e.Name, nil
	}
	name, _, ok := strings.Cut(strings.TrimSpace(e.Text), "; index:")
	if !ok || name == "" {
		return "", fmt.Errorf("parse test security-policy-match answer: entry %q names no rule", strings.TrimSpace(e.Text))
	}
	return strings.Trim(name, `"`), nil
}
