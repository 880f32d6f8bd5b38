package xapi

import (
	"slices"
	"testing"
)

// The commands follow panos-xmlapi.md section 8: a partial commit names
// the administrators under <partial><admin>, with action=partial; a push is
// a commit-all of the device group's shared policy.
func TestCommitAndPushCmd(t *testing.T) {
	tests := []struct {
		o           CommitOptions
		cmd, action string
	}{
		{CommitOptions{}, "<commit></commit>", ""},
		{CommitOptions{Description: "a <b> & c"}, "<commit><description>a &lt;b&gt; &amp; c</description></commit>", ""},
		{CommitOptions{Description: "d", Admins: []string{"api-admin"}},
			"<commit><description>d</description><partial><admin><member>api-admin</member></admin></partial></commit>", "partial"},
	}
	for _, tc := range tests {
		cmd, action := tc.o.CommitCmd()
		if cmd != tc.cmd || action != tc.action {
			t.Errorf("CommitCmd(%+v) = %q, %q; want %q, %q", tc.o, cmd, action, tc.cmd, tc.action)
		}
	}
	if got, want := PushCmd("DG-Edge", "mine", nil),
		`<commit-all><shared-policy><device-group><entry name="DG-Edge"></entry></device-group><description>mine</description>`+
			`<include-template>no</include-template><force-template-values>no</force-template-values></shared-policy></commit-all>`; got != want {
		t.Errorf("PushCmd = %s; want %s", got, want)
	}
	if got, want := PushCmd("DG", "", []string{"0079123"}),
		`<commit-all><shared-policy><device-group><entry name="DG"><devices><entry name="0079123"/></devices></entry></device-group>`+
			`<include-template>no</include-template><force-template-values>no</force-template-values></shared-policy></commit-all>`; got != want {
		t.Errorf("PushCmd with devices = %s; want %s", got, want)
	}
}

func TestParseLocks(t *testing.T) {
	body := []byte(`<response status="success"><result><config-locks><entry name="bob"><name>shared</name><type>shared</type>` +
		`<loggedin>yes</loggedin><comment>CHG-1</comment></entry><entry name="api"><name>vsys2</name></entry></config-locks></result></response>`)
	got, err := ParseLocks(body, "config")
	if err != nil {
		t.Fatal(err)
	}
	want := []Lock{{"config", "bob", "shared", "CHG-1"}, {"config", "api", "vsys2", ""}}
	if !slices.Equal(got, want) {
		t.Errorf("ParseLocks = %+v; want %+v", got, want)
	}
	if got, err := ParseLocks([]byte(`<response status="success"><result><commit-locks/></result></response>`), "commit"); err != nil || len(got) != 0 {
		t.Errorf("ParseLocks(no locks) = %v, %v", got, err)
	}
	if _, err := ParseLocks([]byte(`<response status="error"><msg>x</msg></response>`), "commit"); err == nil {
		t.Error("ParseLocks(error answer) = nil error")
	}
}
