package mine_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/panos-mine/mine"

type pkgInfo struct {
	ImportPath string
	Imports    []string // direct, non-test
	Deps       []string // transitive
	Standard   bool
}

// loadPackages runs go list over the module once.
func loadPackages(t *testing.T) map[string]pkgInfo {
	t.Helper()
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports,Deps,Standard", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]pkgInfo{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkgInfo
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

func isStd(p string) bool { return !strings.Contains(strings.SplitN(p, "/", 2)[0], ".") }

// allowedDep reports whether dep matches a rule: module packages match
// exactly, outside modules by prefix.
func allowedDep(dep string, rules []string) bool {
	for _, r := range rules {
		if strings.HasPrefix(r, mod) {
			if dep == r {
				return true
			}
		} else if strings.HasPrefix(dep, r) {
			return true
		}
	}
	return false
}

// TestImportMatrix enforces the dependency rules of the house style: one
// room per outside dependency, a pure correlate, an independent simulator.
func TestImportMatrix(t *testing.T) {
	pkgs := loadPackages(t)
	excelizeDeps := []string{mod, "github.com/xuri/", "github.com/olekukonko/", "github.com/richardlehane/", "github.com/tiendc/",
		"github.com/mattn/", "github.com/clipperhouse/", "github.com/fatih/", "github.com/cespare/", "golang.org/x/"}
	// Every non-standard package each package may reach, directly or not.
	reach := map[string][]string{
		mod:                {},
		mod + "/correlate": {mod, mod + "/policy"},
		mod + "/policy":    {mod},
		mod + "/panosim":   {mod},
		// the demo's administrator, next to the simulator
		mod + "/panosim/demoweeks": {mod},
		mod + "/report":            excelizeDeps,
		mod + "/collect":           {mod, mod + "/internal/xapi", "github.com/PaloAltoNetworks/pango"},
		mod + "/signatures":        {mod, mod + "/internal/xapi", "github.com/PaloAltoNetworks/pango"},
		mod + "/internal/xapi":     {mod, "github.com/PaloAltoNetworks/pango"},
		// the SQLite driver and what it pulls in (go list -deps ./history)
		mod + "/history": {mod, "modernc.org/", "github.com/dustin/go-humanize", "github.com/google/uuid",
			"github.com/remyoudompheng/bigfft", "github.com/ncruces/go-strftime", "golang.org/x/sys/"},
	}
	// Standard packages a package must not import directly.
	noStd := map[string][]string{
		mod:                {"os", "net/http", "io/fs", "log", "log/slog"},
		mod + "/correlate": {"os", "net/http", "io/fs", "context", "log", "log/slog", "sync", "time/tzdata"},
		mod + "/policy":    {"os", "net/http", "io/fs", "context", "log", "log/slog", "time", "time/tzdata"},
		mod + "/panosim":   {"testing"},
		mod + "/report":    {"net/http/httptest", "testing"},
	}
	for pkg, rules := range reach {
		p, ok := pkgs[pkg]
		if !ok {
			t.Errorf("package %s missing from the module", pkg)
			continue
		}
		for _, dep := range p.Deps {
			if !isStd(dep) && !allowedDep(dep, rules) {
				t.Errorf("%s reaches %s; it may reach only %v", pkg, dep, rules)
			}
		}
	}
	for pkg, bad := range noStd {
		for _, imp := range pkgs[pkg].Imports {
			for _, b := range bad {
				if imp == b {
					t.Errorf("%s imports %s", pkg, b)
				}
			}
		}
	}
	// Direct imports of the outside rooms, across the whole module.
	for _, p := range pkgs {
		for _, imp := range p.Imports {
			switch {
			case strings.HasPrefix(imp, "github.com/PaloAltoNetworks/pango") && p.ImportPath != mod+"/internal/xapi":
				t.Errorf("%s imports pango; only internal/xapi (serving collect and signatures) may", p.ImportPath)
			case imp == mod+"/internal/xapi" && p.ImportPath != mod+"/collect" && p.ImportPath != mod+"/signatures":
				t.Errorf("%s imports internal/xapi; only collect and signatures may", p.ImportPath)
			case strings.HasPrefix(imp, "github.com/spf13/") && p.ImportPath != mod+"/cmd/mine":
				t.Errorf("%s imports %s; only cmd/mine may", p.ImportPath, imp)
			case (strings.HasPrefix(imp, "github.com/xuri/") || strings.HasPrefix(imp, "github.com/olekukonko/")) && p.ImportPath != mod+"/report":
				t.Errorf("%s imports %s; only report may", p.ImportPath, imp)
			case imp == mod+"/panosim" && p.ImportPath != mod+"/cmd/mine":
				t.Errorf("%s imports panosim; only cmd/mine (and tests) may", p.ImportPath)
			}
		}
	}
}
