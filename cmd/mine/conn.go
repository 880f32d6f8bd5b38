package main

import (
	"crypto/x509"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/panos-mine/mine/collect"
)

// connOptions are the connection flags shared by every command that talks
// to a device. Secrets never come from flags: the API key comes from
// PANOS_API_KEY or --api-key-file, the password from PANOS_PASSWORD.
type connOptions struct {
	host       string
	port       int
	vsys       string
	devGroup   string
	device     string
	username   string
	apiKeyFile string
	caFile     string
	insecure   bool
	timeout    time.Duration
	deviceTZ   string
}

// register adds the connection flags and the scope of a collection: the
// vsys, or on Panorama the device group and optionally one firewall.
func (o *connOptions) register(fs *pflag.FlagSet) {
	o.registerDevice(fs)
	o.registerPolicyScope(fs, "virtual system to read (default vsys1)",
		"on Panorama: the device group holding the catch-all (its pre- and post-rules and hit counts are read, logs from all its firewalls)")
	fs.StringVar(&o.device, "device", "", "on Panorama: collect logs of this one managed firewall (serial) only")
}

// registerPolicyScope adds --vsys and --device-group, for the commands
// that read a rulebase.
func (o *connOptions) registerPolicyScope(fs *pflag.FlagSet, vsys, deviceGroup string) {
	fs.StringVar(&o.vsys, "vsys", "", vsys)
	fs.StringVar(&o.devGroup, "device-group", "", deviceGroup)
}

// registerDevice adds the flags that reach a device and nothing else: the
// commands that change configuration at a --location use only these.
func (o *connOptions) registerDevice(fs *pflag.FlagSet) {
	fs.StringVar(&o.host, "host", "", "firewall host name or address (env PANOS_HOSTNAME)")
	fs.IntVar(&o.port, "port", 0, "XML API port (env PANOS_PORT; default 443)")
	fs.StringVar(&o.username, "username", "", "admin user for API key generation when no key is given (env PANOS_USERNAME; password from env PANOS_PASSWORD)")
	fs.StringVar(&o.apiKeyFile, "api-key-file", "", "read the API key from this file instead of env PANOS_API_KEY")
	fs.StringVar(&o.caFile, "ca-file", "", "PEM file of the CA that signed the device certificate, added to the system roots")
	fs.BoolVar(&o.insecure, "insecure-skip-verify", false, "do not verify the device's TLS certificate (insecure; prefer --ca-file)")
	fs.DurationVar(&o.timeout, "timeout", 60*time.Second, "timeout of one XML API request; a log query that does not move for 5 times it is submitted again, a collection that does not move for 15 times it stops")
	fs.StringVar(&o.deviceTZ, "device-tz", "", "the device's IANA time zone (America/New_York) when its configuration names none or names the wrong one; mine learns it from the device otherwise")
}

// config resolves flags and environment into a connection config.
// Precedence: flag, then environment.
func (o *connOptions) config(d *deps) (collect.Config, error) {
	cfg := collect.Config{
		Host:               o.host,
		Port:               o.port,
		Username:           o.username,
		InsecureSkipVerify: o.insecure,
		Timeout:            o.timeout,
		Debug:              d.global.debug,
		Logger:             d.logger,
		Now:                d.now,
	}
	if cfg.Host == "" {
		cfg.Host = d.getenv("PANOS_HOSTNAME")
	}
	if cfg.Host == "" {
		return cfg, usagef("no device: give --host or set PANOS_HOSTNAME")
	}
	if strings.Contains(cfg.Host, "://") || strings.Contains(cfg.Host, "/") {
		return cfg, usagef("--host %q: give a host name or address only, without scheme or path", cfg.Host)
	}
	if cfg.Port == 0 {
		if v := d.getenv("PANOS_PORT"); v != "" {
			p, err := strconv.Atoi(v)
			if err != nil {
				return cfg, usagef("PANOS_PORT=%q is not a port number", v)
			}
			cfg.Port = p
		}
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return cfg, usagef("port %d out of range 1-65535", cfg.Port)
	}
	if o.apiKeyFile != "" {
		b, err := os.ReadFile(o.apiKeyFile)
		if err != nil {
			return cfg, usagef("read API key file: %v", err)
		}
		cfg.APIKey = strings.TrimSpace(string(b))
		if cfg.APIKey == "" {
			return cfg, usagef("API key file %s is empty", o.apiKeyFile)
		}
	} else {
		cfg.APIKey = strings.TrimSpace(d.getenv("PANOS_API_KEY"))
	}
	if cfg.Username == "" {
		cfg.Username = d.getenv("PANOS_USERNAME")
	}
	cfg.Password = d.getenv("PANOS_PASSWORD")
	if cfg.APIKey == "" && (cfg.Username == "" || cfg.Password == "") {
		return cfg, usagef("no credentials: set PANOS_API_KEY (or use --api-key-file), or PANOS_USERNAME and PANOS_PASSWORD")
	}
	if o.caFile != "" {
		pem, err := os.ReadFile(o.caFile)
		if err != nil {
			return cfg, usagef("read CA file: %v", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return cfg, usagef("CA file %s holds no PEM certificate", o.caFile)
		}
		cfg.RootCAs = pool
	}
	if o.insecure {
		d.logger.Warn("TLS certificate verification is off (--insecure-skip-verify)")
	}
	if o.timeout <= 0 {
		return cfg, usagef("--timeout must be positive")
	}
	if o.deviceTZ != "" {
		if _, err := time.LoadLocation(o.deviceTZ); err != nil {
			return cfg, usagef("--device-tz %q: not an IANA time zone this system knows (such as America/New_York)", o.deviceTZ)
		}
	}
	return cfg, nil
}

func (o *connOptions) vsysOrDefault() string {
	if o.vsys == "" {
		return "vsys1"
	}
	return o.vsys
}
