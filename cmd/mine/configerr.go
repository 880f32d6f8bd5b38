package main

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// configIndex knows where each key of a configuration file is: the line of
// every key path ("window", "targets[0].port"), and the key path of every
// value's line, so an error names the key, the file and the line.
type configIndex struct {
	line map[string]int // key path -> line of the key (of the item, for a list item)
	key  map[int]string // line of a value -> its key path
}

func indexConfig(root *yaml.Node) *configIndex {
	idx := &configIndex{line: map[string]int{}, key: map[int]string{}}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := joinKey(path, k.Value)
				idx.line[p] = k.Line
				if _, taken := idx.key[v.Line]; !taken || v.Kind == yaml.ScalarNode {
					idx.key[v.Line] = p
				}
				walk(v, p)
			}
		case yaml.SequenceNode:
			for j, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, j)
				idx.line[p] = c.Line
				if c.Kind == yaml.ScalarNode {
					idx.key[c.Line] = p
				}
				walk(c, p)
			}
		}
	}
	walk(root, "")
	return idx
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// unknownKeys lists the keys of the file that the configuration does not
// have, each with its line and the nearest known key, by walking the file
// against the yaml tags of t.
func unknownKeys(root *yaml.Node, t reflect.Type) []string {
	var out []string
	var walk func(n *yaml.Node, t reflect.Type, path string)
	walk = func(n *yaml.Node, t reflect.Type, path string) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if reflect.PointerTo(t).Implements(reflect.TypeFor[yaml.Unmarshaler]()) {
			return // decodes itself (owners), and says what is wrong
		}
		switch {
		case n.Kind == yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, t, path)
			}
		case n.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice:
			for j, c := range n.Content {
				walk(c, t.Elem(), fmt.Sprintf("%s[%d]", path, j))
			}
		case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
			fields := map[string]reflect.Type{}
			var names []string
			for f := range t.Fields() {
				name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
				if name != "" && name != "-" {
					fields[name] = f.Type
					names = append(names, name)
				}
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				ft, ok := fields[k.Value]
				if !ok {
					where := ""
					if path != "" {
						where = " in " + path
					}
					msg := fmt.Sprintf("line %d: unknown key %q%s", k.Line, k.Value, where)
					if near := nearest(k.Value, names); near != "" {
						msg += fmt.Sprintf(" (did you mean %q?)", near)
					} else {
						slices.Sort(names)
						msg += " (known: " + strings.Join(names, ", ") + ")"
					}
					out = append(out, msg)
					continue
				}
				walk(v, ft, joinKey(path, k.Value))
			}
		}
	}
	walk(root, t, "")
	return out
}

// nearest returns the name closest to s by edit distance, when it is close
// enough to be a misspelling (at most a third of its length, and 3).
func nearest(s string, names []string) string {
	best, dist := "", min(3, max(1, len(s)/3))+1
	for _, n := range names {
		if d := editDistance(strings.ToLower(s), n); d < dist {
			best, dist = n, d
		}
	}
	return best
}

// editDistance counts the edits (insert, delete, replace, swap of two
// neighbours) that turn a into b.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// yamlTypeLine is one message of a yaml.TypeError.
var yamlTypeLine = regexp.MustCompile("^line (\\d+): cannot unmarshal !!(\\w+) `(.*)` into (\\S+)$")

// typeErrors rewrites the messages of a yaml.TypeError to name the key
// and say what the value should be, in the user's words rather than Go's.
func typeErrors(te *yaml.TypeError, idx *configIndex) []string {
	out := make([]string, 0, len(te.Errors))
	for _, msg := range te.Errors {
		m := yamlTypeLine.FindStringSubmatch(msg)
		if m == nil {
			out = append(out, msg)
			continue
		}
		line, _ := strconv.Atoi(m[1])
		want := "a " + m[4]
		switch {
		case strings.HasPrefix(m[4], "[]"):
			want = "a list"
		case strings.Contains(m[4], "int"):
			want = "a whole number"
		case m[4] == "bool":
			want = "true or false"
		case m[4] == "string":
			want = "text"
		case strings.HasPrefix(m[4], "main."), strings.HasPrefix(m[4], "map["):
			want = "a mapping of keys"
		}
		key := idx.key[line]
		if key == "" {
			key = "a value"
		}
		out = append(out, fmt.Sprintf("line %d: %s: want %s, got %q", line, key, want, m[3]))
	}
	return out
}

// keyError is an error about one key of the configuration; the file's line
// of that key is added to it.
type keyError struct {
	key string // path, as configIndex has it
	err error
}

func (e keyError) Error() string { return e.err.Error() }
func (e keyError) Unwrap() error { return e.err }

func keyErrorf(key, format string, args ...any) error {
	return keyError{key, fmt.Errorf(format, args...)}
}

// locate prefixes an error of check with the line of its key.
func locate(err error, idx *configIndex) string {
	var ke keyError
	if errors.As(err, &ke) {
		if line, ok := idx.line[ke.key]; ok {
			return fmt.Sprintf("line %d: %v", line, err)
		}
	}
	return err.Error()
}
