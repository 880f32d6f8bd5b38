package mine

import (
	"fmt"
	"strings"
	"time"
)

// Device is the identity of a PAN-OS device, from "show system info".
type Device struct {
	Hostname      string
	Serial        string
	Model         string
	Family        string
	SWVersion     string
	MultiVsys     bool
	Panorama      bool
	ThreatVersion string
	AppVersion    string
	// Location is the device's configured time zone. Log times and log
	// query filters are in this zone.
	Location *time.Location
}

// String names the device for messages.
func (d Device) String() string {
	name := d.Hostname
	if name == "" {
		name = "device"
	}
	if d.Serial != "" {
		return fmt.Sprintf("%s (%s, serial %s, PAN-OS %s)", name, d.Model, d.Serial, d.SWVersion)
	}
	return name
}

// IsPanorama applies pango's rule: the model is "Panorama" or an M-series
// appliance.
func IsPanorama(model string) bool {
	return model == "Panorama" || strings.HasPrefix(model, "M-")
}

// Target is where mine connects. It never holds a secret: API keys and
// passwords travel separately.
type Target struct {
	Host        string
	Port        int
	Vsys        string // firewall virtual system, default vsys1
	DeviceGroup string // Panorama device group
}

// String renders host[:port] for messages.
func (t Target) String() string {
	if t.Port != 0 && t.Port != 443 {
		return fmt.Sprintf("%s:%d", t.Host, t.Port)
	}
	return t.Host
}
