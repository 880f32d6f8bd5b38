package panosim

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"
)

// AddAdmin adds an administrator account and returns its API key (derived
// from the seed and the name, so it is stable). Tests use a second
// administrator to hold locks or leave uncommitted changes, as a colleague
// would on a shared device.
func (s *Server) AddAdmin(name, password string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, a := range s.admins {
		if a.name == name {
			s.admins[i].password = password
			return a.key
		}
	}
	h := sha256.Sum256(fmt.Appendf(nil, "panosim-admin-key:%d:%s", s.o.Seed, name))
	key := "LUFRPT1" + base64.StdEncoding.EncodeToString(h[:])
	s.admins = append(s.admins, account{name: name, password: password, key: key})
	return key
}

// lock is a config or commit lock.
type lock struct {
	owner   string
	scope   string // "shared" or a vsys name
	comment string
	created time.Time
}

// LockConfig takes a config lock as admin (which need not have an account),
// as another administrator would in the web interface. While it is held,
// other administrators can neither change the candidate configuration nor
// commit.
func (s *Server) LockConfig(admin, comment string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.configLocks = append(s.configLocks, lock{owner: admin, scope: "shared", comment: comment, created: s.now})
}

// LockCommits takes a commit lock as admin: other administrators cannot
// commit while it is held.
func (s *Server) LockCommits(admin, comment string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commitLocks = append(s.commitLocks, lock{owner: admin, scope: "shared", comment: comment, created: s.now})
}

// Unlock removes every config and commit lock admin holds.
func (s *Server) Unlock(admin string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	drop := func(l lock) bool { return l.owner == admin }
	s.configLocks = slices.DeleteFunc(s.configLocks, drop)
	s.commitLocks = slices.DeleteFunc(s.commitLocks, drop)
}

// lockedBy returns the owner of the first lock in locks held by someone
// other than admin, or "".
func lockedBy(locks []lock, admin string) string {
	for _, l := range locks {
		if l.owner != admin {
			return l.owner
		}
	}
	return ""
}

// showLocks answers show config-locks / show commit-locks.
func (s *Server) showLocks(kind string, locks []lock) response {
	var b strings.Builder
	w := xw{&b}
	b.WriteString("<result><" + kind + ">")
	for _, l := range locks {
		b.WriteString(`<entry name="`)
		escape(&b, l.owner)
		b.WriteString(`">`)
		w.el("name", l.scope)
		w.el("type", "shared")
		w.el("loggedin", "yes")
		w.el("created", l.created.In(s.dev.loc).Format(devTimeFmt))
		w.el("last-activity", s.now.In(s.dev.loc).Format(devTimeFmt))
		w.el("comment", l.comment)
		b.WriteString("</entry>")
	}
	b.WriteString("</" + kind + "></result>")
	return success(0, b.String())
}

// requestLock answers request config-lock / commit-lock add|remove.
func (s *Server) requestLock(r *request, n *node) response {
	locks := &s.configLocks
	what := "Config"
	if n.name == "commit-lock" {
		locks, what = &s.commitLocks, "Commit"
	}
	scope := r.get("vsys")
	if scope == "" {
		scope = "shared"
	}
	op := only(n)
	if op == nil {
		return unexpected("request", n.name)
	}
	switch op.name {
	case "add":
		if other := lockedBy(*locks, r.admin); other != "" {
			return apiError(0, fmt.Sprintf("%s is currently locked by %s", what, other))
		}
		for _, l := range *locks {
			if l.owner == r.admin {
				return apiError(0, fmt.Sprintf("%s is already locked by %s", what, r.admin))
			}
		}
		*locks = append(*locks, lock{owner: r.admin, scope: scope, comment: op.textOf("comment"), created: s.now})
		return success(0, "<result>Successfully acquired lock. Other administrators will not be able to modify configuration for scope "+esc(scope)+" until lock is released by "+esc(r.admin)+".</result>")
	case "remove":
		owner := r.admin
		if a := op.textOf("admin"); a != "" {
			owner = a
		}
		n := len(*locks)
		*locks = slices.DeleteFunc(*locks, func(l lock) bool { return l.owner == owner })
		if len(*locks) == n {
			return apiError(0, fmt.Sprintf("%s is not currently locked by %s", what, owner))
		}
		return success(0, "<result>Successfully released lock</result>")
	}
	return unexpected("request", n.name, op.name)
}

// configOp is one change to the candidate configuration, kept per
// administrator until committed so a partial commit can apply only some
// administrators' changes.
type configOp struct {
	admin   string
	action  string
	steps   []step
	element string
	where   string
	dst     string
	newname string
	job     int // the commit job that carries it, 0 while not queued
}

// pendingAdmins returns the administrators with uncommitted changes.
func (s *Server) pendingAdmins() []string {
	var out []string
	for _, op := range s.journal {
		if !slices.Contains(out, op.admin) {
			out = append(out, op.admin)
		}
	}
	return out
}

// FailNextCommit makes the next commit job (on Panorama: the next commit
// to Panorama itself) fail with reason, leaving the running configuration
// unchanged.
func (s *Server) FailNextCommit(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failCommit = append(s.failCommit, reason)
}

// Plant merges element into the configuration at xpath as if it had been
// configured and committed long ago: both the candidate and the running
// configuration change, no job runs and the traffic model follows the new
// running configuration at once. Tests plant foreign signatures, profiles
// and rules with it.
func (s *Server) Plant(xpath, element string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	steps, err := parseXPath(xpath)
	if err != nil {
		return fmt.Errorf("panosim: plant: %w", err)
	}
	frags, err := parseFragments(element)
	if err != nil {
		return fmt.Errorf("panosim: plant: %w", err)
	}
	for _, root := range []*node{s.running, s.candidate} {
		target, err := ensure(root, steps)
		if err != nil {
			return fmt.Errorf("panosim: plant: %w", err)
		}
		for _, f := range frags {
			mergeInto(target, f)
		}
	}
	s.assignRuleUUIDs(s.running)
	copyUUIDs(s.running, s.candidate)
	s.recompile()
	return nil
}

// copyUUIDs gives every element of dst without a uuid the uuid of its
// counterpart in src (same path of element names and name attributes).
func copyUUIDs(src, dst *node) {
	if src == nil || dst == nil {
		return
	}
	if u := src.attr("uuid"); u != "" && !dst.hasAttr("uuid") {
		dst.setAttr("uuid", u)
	}
	for _, d := range dst.children {
		for _, c := range src.children {
			if c.name == d.name && c.attr("name") == d.attr("name") {
				copyUUIDs(c, d)
				break
			}
		}
	}
}
