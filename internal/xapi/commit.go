package xapi

import (
	"context"
	"fmt"
	"strings"
)

// CommitOptions says what to commit.
type CommitOptions struct {
	Description string
	// Admins limits the commit to the changes these administrators made
	// (a partial commit, PAN-OS 8.0+ on firewalls and Panorama). Empty
	// commits every pending change.
	Admins []string
}

// CommitCmd renders the commit command and its action parameter
// ("partial" when Admins are named).
func (o CommitOptions) CommitCmd() (cmd, action string) {
	var b strings.Builder
	b.WriteString("<commit>")
	if o.Description != "" {
		b.WriteString("<description>" + EscapeText(o.Description) + "</description>")
	}
	if len(o.Admins) > 0 {
		action = "partial"
		b.WriteString("<partial><admin>")
		for _, a := range o.Admins {
			b.WriteString("<member>" + EscapeText(a) + "</member>")
		}
		b.WriteString("</admin></partial>")
	}
	b.WriteString("</commit>")
	return b.String(), action
}

// CommitWith commits the candidate configuration as o says and returns the
// job ID; 0 means PAN-OS had nothing to commit (code 19 without a job).
func (s *Session) CommitWith(ctx context.Context, o CommitOptions) (uint, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	cmd, action := o.CommitCmd()
	what := "commit"
	if action == "partial" {
		what = "partial commit of the changes of " + strings.Join(o.Admins, ", ")
	}
	id, b, err := s.fw.Commit(cmd, action, nil)
	_, err = answer(what, b, err)
	return id, err
}

// PushCmd renders the Panorama commit-all that pushes a device group's
// shared policy to its firewalls (all of them when devices is empty).
func PushCmd(deviceGroup, description string, devices []string) string {
	var b strings.Builder
	b.WriteString(`<commit-all><shared-policy><device-group><entry name="` + EscapeText(deviceGroup) + `">`)
	if len(devices) > 0 {
		b.WriteString("<devices>")
		for _, d := range devices {
			b.WriteString(`<entry name="` + EscapeText(d) + `"/>`)
		}
		b.WriteString("</devices>")
	}
	b.WriteString("</entry></device-group>")
	if description != "" {
		b.WriteString("<description>" + EscapeText(description) + "</description>")
	}
	b.WriteString("<include-template>no</include-template><force-template-values>no</force-template-values>")
	b.WriteString("</shared-policy></commit-all>")
	return b.String()
}

// Push starts a Panorama commit-all of a device group's shared policy and
// returns the job ID. Wait for it with WaitJob: its per-firewall results
// are in Job.Devices.
func (s *Session) Push(ctx context.Context, deviceGroup, description string, devices []string) (uint, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	id, b, err := s.fw.Commit(PushCmd(deviceGroup, description, devices), "all", nil)
	if _, err := answer("push device group "+deviceGroup, b, err); err != nil {
		return 0, err
	}
	if id == 0 {
		return 0, fmt.Errorf("push device group %s: the device answered without a job ID", deviceGroup)
	}
	return id, nil
}

// Edit replaces the candidate configuration node at xpath with element
// (one XML element whose name and key match the xpath's last step).
func (s *Session) Edit(ctx context.Context, xpath, element string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := s.fw.Edit(xpath, element, nil, nil)
	_, err = answer("edit config at "+xpath, b, err)
	return err
}
