package collect

import (
	"strings"
	"testing"
)

// Job answers are read for their status and progress only: a report's up
// to </job> (its rows, here cut short, are not walked), a log job's up to
// <logs>; an answer without a status, or with an error status, is an
// error naming the kind of job.
func TestReadJobStates(t *testing.T) {
	report := `<response status="success"><result><job><id>7</id><status>ACT</status><percent> 40 </percent></job><report><entry><src a="`
	if st, err := readReportState([]byte(report)); err != nil || st.status != "ACT" || st.progress != 40 {
		t.Errorf("report state = %+v, %v; want ACT, 40", st, err)
	}
	log := `<response status="success"><result><job><status>FIN</status></job><log><logs count="2" progress="100"><entry>`
	if st, err := readJobState([]byte(log)); err != nil || st.status != "FIN" || st.progress != 100 {
		t.Errorf("log state = %+v, %v; want FIN, 100", st, err)
	}
	for _, c := range []struct {
		body, want string
		read       func([]byte) (jobState, error)
	}{
		{`<response status="success"><result><job><id>7</id></job><report/>`, "report job answer has no job status", readReportState},
		{`<response status="success"><result><job></job><log><logs count="0" progress="0"/>`, "log job answer has no job status", readJobState},
		{`<response status="error"><msg>bad</msg></response>`, `log job answer has status "error"`, readJobState},
		{`<html>`, "report job answer has no job status", readReportState},
	} {
		if _, err := c.read([]byte(c.body)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want %q", c.body, err, c.want)
		}
	}
}
