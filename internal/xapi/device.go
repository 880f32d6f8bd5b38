package xapi

import (
	"strconv"
	"strings"
)

// IsPanorama reports whether the device is a Panorama: pango's rule (model
// "Panorama" or an M-series appliance), or a system-mode that only
// Panoramas report.
func (s *Session) IsPanorama() bool {
	info := s.fw.SystemInfo
	model := info["model"]
	if model == "Panorama" || strings.HasPrefix(model, "M-") {
		return true
	}
	switch info["system-mode"] {
	case "panorama", "management-only", "logger":
		return true
	}
	return false
}

// Username is the administrator the session acts as when it is known: the
// user name given for key generation (or alongside the key). "" when only
// an API key was given.
func (s *Session) Username() string { return s.fw.Username }

// Version returns the PAN-OS major, minor and patch numbers from show
// system info; zeros when the device did not say.
func (s *Session) Version() (major, minor, patch int) {
	v := s.fw.SystemInfo["sw-version"]
	parts := strings.SplitN(v, ".", 3)
	nums := make([]int, 3)
	for i, p := range parts {
		if j := strings.IndexFunc(p, func(r rune) bool { return r < '0' || r > '9' }); j >= 0 {
			p = p[:j]
		}
		nums[i], _ = strconv.Atoi(p)
	}
	return nums[0], nums[1], nums[2]
}
