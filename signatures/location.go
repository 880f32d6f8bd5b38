package signatures

import (
	"fmt"
	"strings"
)

// Location says where the signatures live: shared (firewall or Panorama),
// a firewall vsys, or a Panorama device group.
type Location struct {
	Vsys        string // firewall virtual system
	DeviceGroup string // Panorama device group
}

const devicePrefix = "/config/devices/entry[@name='localhost.localdomain']"

// ParseLocation parses "shared", "vsys:NAME" or "device-group:NAME".
func ParseLocation(s string) (Location, error) {
	switch {
	case s == "shared":
		return Location{}, nil
	case strings.HasPrefix(s, "vsys:") && len(s) > len("vsys:"):
		return Location{Vsys: strings.TrimPrefix(s, "vsys:")}, nil
	case strings.HasPrefix(s, "device-group:") && len(s) > len("device-group:"):
		return Location{DeviceGroup: strings.TrimPrefix(s, "device-group:")}, nil
	}
	return Location{}, fmt.Errorf("location %q: want shared, vsys:NAME or device-group:NAME", s)
}

// Shared reports whether the location is shared.
func (l Location) Shared() bool { return l.Vsys == "" && l.DeviceGroup == "" }

// Base is the xpath of the location's root: /config/shared, a vsys entry or
// a device group entry.
func (l Location) Base() string {
	switch {
	case l.Vsys != "":
		return fmt.Sprintf("%s/vsys/entry[@name='%s']", devicePrefix, l.Vsys)
	case l.DeviceGroup != "":
		return fmt.Sprintf("%s/device-group/entry[@name='%s']", devicePrefix, l.DeviceGroup)
	}
	return "/config/shared"
}

// Xpath is the threats/vulnerability container of the location.
func (l Location) Xpath() string { return l.Base() + "/threats/vulnerability" }

// EntryXpath is the xpath of one signature entry at the location.
func (l Location) EntryXpath(id int) string {
	return fmt.Sprintf("%s/entry[@name='%d']", l.Xpath(), id)
}

// String renders the location as ParseLocation reads it.
func (l Location) String() string {
	switch {
	case l.Vsys != "":
		return "vsys:" + l.Vsys
	case l.DeviceGroup != "":
		return "device-group:" + l.DeviceGroup
	}
	return "shared"
}

// cliPrefix is the start of a PAN-OS CLI set command for the location's
// container.
func (l Location) cliPrefix() string {
	switch {
	case l.Vsys != "":
		return "set vsys " + cliWord(l.Vsys)
	case l.DeviceGroup != "":
		return "set device-group " + cliWord(l.DeviceGroup)
	}
	return "set shared"
}

// pushedLocation names entries the firewall got from Panorama.
const pushedLocation = "pushed by Panorama"
