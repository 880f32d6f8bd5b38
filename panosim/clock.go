package panosim

// dropTimeZone removes deviceconfig/system/timezone from a firewall
// configuration: the device keeps its zone (a Panorama template sets it),
// but its own configuration does not say which.
func dropTimeZone(root *node) {
	sys := root.at("devices").entry("localhost.localdomain").at("deviceconfig", "system")
	if sys == nil {
		return
	}
	kept := sys.children[:0]
	for _, c := range sys.children {
		if c.name != "timezone" {
			kept = append(kept, c)
		}
	}
	sys.children = kept
}
