package collect

import (
	"encoding/json"
	"strings"
)

// SIEMs export stored events as JSON, one object per line (NDJSON) or as
// one array, with the line as PAN-OS sent it in a field: Elastic keeps it
// in event.original (or message), Splunk in _raw (a search export wraps
// each event in "result"), Cribl in _raw and message, Elasticsearch hits
// in "_source". The reader takes the first of these that holds a string,
// after the fields the user names.

// defaultRawFields are the fields tried, in order, after the user's.
var defaultRawFields = []string{"event.original", "_raw", "message", "log.original"}

// jsonContainers are the objects a raw field may sit in.
var jsonContainers = []string{"", "result", "_source"}

// rawFromJSON returns the raw log line a SIEM export object carries.
func rawFromJSON(obj []byte, fields []string) (string, *lineError) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(obj, &m); err != nil {
		return "", badf(BadJSON, "%v", err)
	}
	for _, c := range jsonContainers {
		mm := m
		if c != "" {
			mm = object(m[c])
			if mm == nil {
				continue
			}
		}
		for _, f := range fields {
			if s, ok := stringAt(mm, f); ok {
				return s, nil
			}
		}
		for _, f := range defaultRawFields {
			if s, ok := stringAt(mm, f); ok {
				return s, nil
			}
		}
	}
	want := append(append([]string(nil), fields...), defaultRawFields...)
	return "", badf(BadNoRawField, "a JSON object without a string field %s", strings.Join(want, ", "))
}

// stringAt returns the string at a dotted path, read as a flat key first
// ("event.original") and then as nested objects.
func stringAt(m map[string]json.RawMessage, path string) (string, bool) {
	if raw, ok := m[path]; ok {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s, true
		}
	}
	head, rest, nested := strings.Cut(path, ".")
	if !nested {
		return "", false
	}
	sub := object(m[head])
	if sub == nil {
		return "", false
	}
	return stringAt(sub, rest)
}

func object(raw json.RawMessage) map[string]json.RawMessage {
	if len(raw) == 0 || raw[0] != '{' {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}
