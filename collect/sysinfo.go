package collect

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/panos-mine/mine"
)

// ParseSystemInfo parses the answer to "show system info".
func ParseSystemInfo(body []byte) (mine.Device, error) {
	var doc struct {
		Status string `xml:"status,attr"`
		System struct {
			Fields []struct {
				XMLName xml.Name
				Value   string `xml:",chardata"`
			} `xml:",any"`
		} `xml:"result>system"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return mine.Device{}, fmt.Errorf("parse system info: %w", err)
	}
	if doc.Status != "success" {
		return mine.Device{}, fmt.Errorf("parse system info: response status %q", doc.Status)
	}
	m := make(map[string]string, len(doc.System.Fields))
	for _, f := range doc.System.Fields {
		m[f.XMLName.Local] = strings.TrimSpace(f.Value)
	}
	return deviceFromInfo(m)
}

func deviceFromInfo(m map[string]string) (mine.Device, error) {
	d := mine.Device{
		Hostname:      m["hostname"],
		Serial:        m["serial"],
		Model:         m["model"],
		Family:        m["family"],
		SWVersion:     m["sw-version"],
		MultiVsys:     m["multi-vsys"] == "on",
		ThreatVersion: m["threat-version"],
		AppVersion:    m["app-version"],
	}
	if d.Model == "" || d.SWVersion == "" {
		return d, fmt.Errorf("parse system info: no model or sw-version in the answer")
	}
	d.Panorama = mine.IsPanorama(d.Model)
	return d, nil
}
