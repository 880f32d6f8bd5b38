package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/panos-mine/mine"
	"github.com/panos-mine/mine/collect"
	"github.com/panos-mine/mine/correlate"
)

// fileConfig is the YAML file of the weekly job (mine run --config). It
// never holds a secret: API keys come from an environment variable or a
// file it names.
type fileConfig struct {
	Targets []targetConfig `yaml:"targets"`
	// Window is the length of each run's window (7d); Align says where it
	// ends: week (Monday 00:00 UTC), day (00:00 UTC) or hour. A rerun in
	// the same week (day, hour) gets the same window and replaces its run.
	Window string `yaml:"window"`
	Align  string `yaml:"align"`
	// OutputDir receives one workbook per target and ISO week.
	OutputDir string `yaml:"output_dir"`
	// JSON also writes the JSON document next to each workbook.
	JSON bool   `yaml:"json"`
	DB   string `yaml:"db"`
	// LockFile keeps two weekly jobs apart; default the database path
	// with ".lock" appended.
	LockFile string `yaml:"lock_file"`
	// Retention is how long runs are kept (52w); empty keeps them all.
	Retention string `yaml:"retention"`
	// CatchAll names the catch-all rules of targets that do not name
	// their own.
	CatchAll   []string         `yaml:"catch_all"`
	Thresholds thresholdsConfig `yaml:"thresholds"`
	Owners     ownersConfig     `yaml:"owners"`
	// Timeout bounds one XML API request (60s).
	Timeout string `yaml:"timeout"`
}

type targetConfig struct {
	Name string `yaml:"name"`
	Host string `yaml:"host"`
	Port int    `yaml:"port"`
	// APIKeyEnv names the environment variable holding the API key;
	// APIKeyFile a file holding it. Without either, PANOS_API_KEY, or
	// Username with the password from PasswordEnv (key generation).
	APIKeyEnv          string   `yaml:"api_key_env"`
	APIKeyFile         string   `yaml:"api_key_file"`
	Username           string   `yaml:"username"`
	PasswordEnv        string   `yaml:"password_env"`
	CAFile             string   `yaml:"ca_file"`
	InsecureSkipVerify bool     `yaml:"insecure_skip_verify"`
	Vsys               string   `yaml:"vsys"`
	DeviceGroup        string   `yaml:"device_group"`
	CatchAll           []string `yaml:"catch_all"`
	// HAPeer is the other firewall of an HA pair: its hit counters are
	// separate, so the run reads them too (same credentials). Without it
	// the device's HA state names the peer.
	HAPeer *peerConfig `yaml:"ha_peer"`
	// DeviceTZ is the device's IANA time zone when its configuration
	// names none or the wrong one (--device-tz).
	DeviceTZ string `yaml:"device_tz"`
}

type peerConfig struct {
	Host string `yaml:"host"`
	Port int    `yaml:"port"`
}

// thresholdsConfig are the readiness verdict's thresholds.
type thresholdsConfig struct {
	MinWindow         string `yaml:"min_window"`          // 30d
	Recent            string `yaml:"recent"`              // 7d
	MaxWeeklySessions *int64 `yaml:"max_weekly_sessions"` // 0
	Freshness         string `yaml:"freshness"`           // 48h
}

// ownersConfig maps servers to app teams, first match first: a list of
// {pattern, team}, or a mapping pattern: team.
type ownersConfig []mine.Owner

func (o *ownersConfig) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.SequenceNode:
		var list []struct {
			Pattern string `yaml:"pattern"`
			Team    string `yaml:"team"`
		}
		if err := n.Decode(&list); err != nil {
			return err
		}
		for _, e := range list {
			*o = append(*o, mine.Owner{Pattern: e.Pattern, Team: e.Team})
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			*o = append(*o, mine.Owner{Pattern: n.Content[i].Value, Team: n.Content[i+1].Value})
		}
	default:
		return fmt.Errorf("line %d: owners: want a list of {pattern, team} or a mapping of pattern to team", n.Line)
	}
	return nil
}

// jobConfig is the checked configuration, ready to run.
type jobConfig struct {
	path      string
	targets   []jobTarget
	window    time.Duration
	align     string
	outputDir string
	json      bool
	db        string
	lockFile  string
	retention time.Duration // 0: keep everything
	owners    []mine.Owner
	readiness correlate.ReadinessOptions
}

// jobTarget is one target with its connection resolved; conn holds the
// secret and never leaves this process.
type jobTarget struct {
	name     string
	target   mine.Target
	conn     collect.Config
	catchAll []string
	peer     *collect.Config
	deviceTZ string
}

var targetName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// loadConfig reads and checks the configuration file, resolving secrets
// and the history path. Errors are usage errors (exit 2): the job must not
// start half-configured. It warns when the file, or a key file, can be read
// by others.
func loadConfig(d *deps, path, dbFlag string) (*jobConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("read config: %v", err)
	}
	warnReadable(d, path, "config file")
	// The file is read as a tree first, so that every error can name the
	// key and its line: unknown keys, values of the wrong kind, values
	// check refuses.
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, usagef("config %s: %v", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(root.Content) == 0 {
		return nil, usagef("config %s is empty", path)
	}
	if bad := unknownKeys(&root, reflect.TypeFor[fileConfig]()); len(bad) > 0 {
		return nil, usagef("config %s %s", path, strings.Join(bad, "; "))
	}
	idx := indexConfig(&root)
	var fc fileConfig
	if err := root.Decode(&fc); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return nil, usagef("config %s %s", path, strings.Join(typeErrors(te, idx), "; "))
		}
		return nil, usagef("config %s: %v", path, err)
	}
	jc, err := fc.check(d, path, dbFlag)
	if err != nil {
		return nil, usagef("config %s %s", path, locate(err, idx))
	}
	return jc, nil
}

// warnReadable warns when group or others can read a file that leads to
// secrets.
func warnReadable(d *deps, path, what string) {
	st, err := os.Stat(path)
	if err != nil {
		return
	}
	if perm := st.Mode().Perm(); perm&0o044 != 0 {
		d.logger.Warn(what+" is readable by group or others; make it private (chmod 600)", "path", path, "mode", fmt.Sprintf("%04o", perm))
	}
}

func (fc *fileConfig) check(d *deps, path, dbFlag string) (*jobConfig, error) {
	jc := &jobConfig{path: path, json: fc.JSON, owners: fc.Owners}
	var err error
	if fc.Window == "" {
		fc.Window = "7d"
	}
	if jc.window, err = mine.ParseSince(fc.Window); err != nil {
		return nil, keyErrorf("window", "window: %v", err)
	}
	jc.align = fc.Align
	if jc.align == "" {
		switch {
		case jc.window%(7*24*time.Hour) == 0:
			jc.align = "week"
		case jc.window%(24*time.Hour) == 0:
			jc.align = "day"
		default:
			jc.align = "hour"
		}
	}
	switch jc.align {
	case "week", "day", "hour":
	default:
		return nil, keyErrorf("align", "align %q: want week, day or hour", fc.Align)
	}
	if fc.Retention != "" {
		if jc.retention, err = mine.ParseSince(fc.Retention); err != nil {
			return nil, keyErrorf("retention", "retention: %v", err)
		}
		if jc.retention < jc.window {
			return nil, keyErrorf("retention", "retention %s is shorter than the window %s", fc.Retention, fc.Window)
		}
	}
	timeout := 60 * time.Second
	if fc.Timeout != "" {
		if timeout, err = time.ParseDuration(fc.Timeout); err != nil || timeout <= 0 {
			return nil, keyErrorf("timeout", "timeout %q: want a positive duration such as 60s", fc.Timeout)
		}
	}
	if jc.readiness, err = fc.Thresholds.options(); err != nil {
		return nil, err
	}
	for i, o := range jc.owners {
		if o.Pattern == "" || o.Team == "" {
			return nil, keyErrorf(fmt.Sprintf("owners[%d]", i), "owners entry %d: want both a pattern and a team", i+1)
		}
	}
	jc.outputDir = fc.OutputDir
	if jc.outputDir == "" {
		jc.outputDir = "."
	}
	jc.db = historyPath(d, dbFlag, fc.DB)
	jc.lockFile = fc.LockFile
	if jc.lockFile == "" {
		jc.lockFile = jc.db + ".lock"
	}

	if len(fc.Targets) == 0 {
		return nil, errors.New("no targets: list the firewalls under targets")
	}
	seen := map[string]bool{}
	for i, t := range fc.Targets {
		jt, err := t.resolve(d, fc, timeout)
		if err != nil {
			name := t.Name
			if name == "" {
				name = fmt.Sprintf("%d", i+1)
			}
			return nil, keyErrorf(fmt.Sprintf("targets[%d]", i), "target %s: %v", name, err)
		}
		if seen[jt.name] {
			return nil, keyErrorf(fmt.Sprintf("targets[%d]", i), "target %s is listed twice", jt.name)
		}
		seen[jt.name] = true
		jc.targets = append(jc.targets, jt)
	}
	return jc, nil
}

func (t thresholdsConfig) options() (correlate.ReadinessOptions, error) {
	var o correlate.ReadinessOptions
	for _, f := range []struct {
		key string
		val string
		dst *time.Duration
	}{{"min_window", t.MinWindow, &o.MinWindow}, {"recent", t.Recent, &o.Recent}, {"freshness", t.Freshness, &o.Freshness}} {
		if f.val == "" {
			continue
		}
		v, err := mine.ParseSince(f.val)
		if err != nil {
			return o, keyErrorf("thresholds."+f.key, "thresholds.%s: %v", f.key, err)
		}
		*f.dst = v
	}
	if t.MaxWeeklySessions != nil {
		if *t.MaxWeeklySessions < 0 {
			return o, keyErrorf("thresholds.max_weekly_sessions", "thresholds.max_weekly_sessions must not be negative")
		}
		o.MaxWeeklySessions = *t.MaxWeeklySessions
	}
	return o, nil
}

// resolve checks a target and reads its secret (from the environment or a
// file, never from the configuration itself).
func (t targetConfig) resolve(d *deps, fc *fileConfig, timeout time.Duration) (jobTarget, error) {
	jt := jobTarget{name: t.Name, catchAll: t.CatchAll}
	if jt.name == "" {
		jt.name = t.Host
	}
	if !targetName.MatchString(jt.name) {
		return jt, fmt.Errorf("name %q: use letters, digits, '.', '_' and '-' (it names files)", jt.name)
	}
	if t.Host == "" {
		return jt, errors.New("no host")
	}
	if strings.Contains(t.Host, "/") {
		return jt, fmt.Errorf("host %q: give a host name or address only, without scheme or path", t.Host)
	}
	if t.Port < 0 || t.Port > 65535 {
		return jt, fmt.Errorf("port %d out of range", t.Port)
	}
	if t.Vsys != "" && t.DeviceGroup != "" {
		return jt, errors.New("give vsys or device_group, not both")
	}
	if len(jt.catchAll) == 0 {
		jt.catchAll = fc.CatchAll
	}
	jt.target = mine.Target{Host: t.Host, Port: t.Port, Vsys: t.Vsys, DeviceGroup: t.DeviceGroup}
	if t.DeviceGroup == "" && jt.target.Vsys == "" {
		jt.target.Vsys = "vsys1"
	}
	if err := collect.CheckRuleNames(jt.catchAll); err != nil {
		return jt, fmt.Errorf("catch_all: %v", err)
	}
	if t.DeviceTZ != "" {
		if _, err := time.LoadLocation(t.DeviceTZ); err != nil {
			return jt, fmt.Errorf("device_tz %q: not an IANA time zone this system knows (such as America/New_York)", t.DeviceTZ)
		}
		jt.deviceTZ = t.DeviceTZ
	}
	cfg := collect.Config{Host: t.Host, Port: t.Port, InsecureSkipVerify: t.InsecureSkipVerify,
		Timeout: timeout, Debug: d.global.debug, Logger: d.logger, Now: d.now}
	switch {
	case t.APIKeyEnv != "" && t.APIKeyFile != "":
		return jt, errors.New("give api_key_env or api_key_file, not both")
	case t.APIKeyEnv != "":
		if cfg.APIKey = strings.TrimSpace(d.getenv(t.APIKeyEnv)); cfg.APIKey == "" {
			return jt, fmt.Errorf("environment variable %s (api_key_env) is not set", t.APIKeyEnv)
		}
	case t.APIKeyFile != "":
		b, err := os.ReadFile(t.APIKeyFile)
		if err != nil {
			return jt, fmt.Errorf("api_key_file: %v", err)
		}
		warnReadable(d, t.APIKeyFile, "API key file")
		if cfg.APIKey = strings.TrimSpace(string(b)); cfg.APIKey == "" {
			return jt, fmt.Errorf("api_key_file %s is empty", t.APIKeyFile)
		}
	case t.Username != "":
		env := t.PasswordEnv
		if env == "" {
			env = "PANOS_PASSWORD"
		}
		cfg.Username, cfg.Password = t.Username, d.getenv(env)
		if cfg.Password == "" {
			return jt, fmt.Errorf("environment variable %s (password_env) is not set", env)
		}
	default:
		if cfg.APIKey = strings.TrimSpace(d.getenv("PANOS_API_KEY")); cfg.APIKey == "" {
			return jt, errors.New("no API key: give api_key_env or api_key_file (or set PANOS_API_KEY)")
		}
	}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return jt, fmt.Errorf("ca_file: %v", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return jt, fmt.Errorf("ca_file %s holds no PEM certificate", t.CAFile)
		}
		cfg.RootCAs = pool
	}
	if t.InsecureSkipVerify {
		d.logger.Warn("TLS certificate verification is off (insecure_skip_verify)", "target", jt.name)
	}
	jt.conn = cfg
	if t.HAPeer != nil {
		if t.HAPeer.Host == "" || strings.Contains(t.HAPeer.Host, "/") {
			return jt, fmt.Errorf("ha_peer: host %q: give a host name or address", t.HAPeer.Host)
		}
		peer := cfg
		peer.Host, peer.Port = t.HAPeer.Host, t.HAPeer.Port
		if peer.Port == 0 {
			peer.Port = t.Port
		}
		jt.peer = &peer
	}
	return jt, nil
}

// historyPath chooses the history database: --db, then MINE_DB, then the
// configuration's db, then the user's state directory.
func historyPath(d *deps, flag, fromConfig string) string {
	for _, p := range []string{flag, d.getenv("MINE_DB"), fromConfig} {
		if p != "" {
			return p
		}
	}
	return filepath.Join(stateDir(d.getenv), "history.db")
}

// window is the run's window for a clock reading: it ends at the start of
// the current ISO week (UTC), day or hour, so reruns in the same period
// replace their run.
func (jc *jobConfig) windowAt(now time.Time) mine.Window {
	end := now.UTC()
	switch jc.align {
	case "week":
		y, m, dd := end.Date()
		midnight := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
		end = midnight.AddDate(0, 0, -((int(midnight.Weekday()) + 6) % 7))
	case "day":
		y, m, dd := end.Date()
		end = time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
	default:
		end = end.Truncate(time.Hour)
	}
	return mine.NewWindow(end, jc.window)
}

// isoWeek names the ISO week a window ends in ("2026-W47"): the week of
// its last second.
func isoWeek(w mine.Window) string {
	y, wk := w.To.Add(-time.Second).UTC().ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, wk)
}
