package collect

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/panos-mine/mine"
)

// HAState is what a device says of its high-availability pair in answer to
// "show high-availability state" (testdata/real/xmlapi holds a firewall's
// and a Panorama's).
type HAState struct {
	Enabled    bool
	Mode       string // "Active-Passive", "Active-Active"
	LocalState string // "active", "passive", "primary-active", ...
	PeerState  string
	// PeerAddress is the peer's management address, without the prefix
	// length the device may add ("10.12.152.26/25").
	PeerAddress string
	// PeerSerial is the peer's serial when the answer carries one.
	PeerSerial string
	// PeerConnected reports the peer-info conn-status "up".
	PeerConnected bool
}

// ParseHAState parses the answer to show high-availability state: on a
// firewall local-info and peer-info sit under result/group, on Panorama
// directly under result.
func ParseHAState(body []byte) (HAState, error) {
	type info struct {
		State  string `xml:"state"`
		IP     string `xml:"mgmt-ip"`
		Serial string `xml:"serial-num"`
		Conn   string `xml:"conn-status"`
	}
	type group struct {
		Mode  string `xml:"mode"`
		Local *info  `xml:"local-info"`
		Peer  *info  `xml:"peer-info"`
	}
	var doc struct {
		Status  string `xml:"status,attr"`
		Enabled string `xml:"result>enabled"`
		Group   group  `xml:"result>group"`
		Local   *info  `xml:"result>local-info"`
		Peer    *info  `xml:"result>peer-info"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return HAState{}, fmt.Errorf("parse high-availability state: %w", err)
	}
	if doc.Status != "success" {
		return HAState{}, fmt.Errorf("parse high-availability state: response status %q", doc.Status)
	}
	st := HAState{Enabled: strings.TrimSpace(doc.Enabled) == "yes", Mode: strings.TrimSpace(doc.Group.Mode)}
	local, peer := doc.Group.Local, doc.Group.Peer
	if local == nil && peer == nil {
		local, peer = doc.Local, doc.Peer
	}
	if local != nil {
		st.LocalState = strings.TrimSpace(local.State)
	}
	if peer != nil {
		st.PeerState = strings.TrimSpace(peer.State)
		st.PeerSerial = strings.TrimSpace(peer.Serial)
		st.PeerConnected = strings.TrimSpace(peer.Conn) == "up"
		addr := strings.TrimSpace(peer.IP)
		if i := strings.IndexByte(addr, '/'); i >= 0 {
			addr = addr[:i]
		}
		if addr != "" && net.ParseIP(addr) == nil {
			return st, fmt.Errorf("parse high-availability state: peer mgmt-ip %q is not an address", peer.IP)
		}
		st.PeerAddress = addr
	}
	if st.Enabled && peer == nil {
		return st, errors.New("parse high-availability state: HA is enabled but the answer has no peer-info")
	}
	return st, nil
}

// HAState reads the device's high-availability state.
func (c *Client) HAState(ctx context.Context) (HAState, error) {
	body, err := c.s.TargetOp(ctx, "<show><high-availability><state/></high-availability></show>")
	if err != nil {
		return HAState{}, fmt.Errorf("read high-availability state: %w", lost(err))
	}
	return ParseHAState(body)
}

// Peer is the other member of the device's HA pair, as far as it could be
// read: its identity and security rule hit counters, which PAN-OS keeps
// per member.
type Peer struct {
	State  HAState
	Host   string // where it was read
	Device mine.Device
	Hits   []mine.RuleHits
	// Err says why the peer could not be read; Device and Hits are then
	// empty.
	Err error
}

// HAPeer finds the device's HA peer and reads its hit counters, with the
// same credentials, at the peer's management address on the same port
// (or at override, when the configuration names the peer). It returns nil
// when the device is not in a pair (HA disabled, or Panorama, whose peer
// reports the same firewalls). A peer that cannot be reached is no error:
// Peer.Err says why, so that the report can say which member did not
// report.
func (c *Client) HAPeer(ctx context.Context, cfg Config, override *Config) (*Peer, error) {
	if c.dev.Panorama {
		return nil, nil
	}
	var st HAState
	if override == nil {
		var err error
		if st, err = c.HAState(ctx); err != nil {
			return nil, err
		}
		if !st.Enabled {
			return nil, nil
		}
		if st.PeerAddress == "" {
			return &Peer{State: st, Err: errors.New("the HA state names no peer management address")}, nil
		}
	}
	pc := cfg
	pc.Host = st.PeerAddress
	if override != nil {
		pc = *override
	}
	p := &Peer{State: st, Host: pc.Host}
	pcl, err := open(ctx, pc, c.vsys)
	if err != nil {
		p.Err = err
		return p, nil
	}
	p.Device = pcl.dev
	if st.PeerSerial != "" && pcl.dev.Serial != st.PeerSerial {
		p.Err = fmt.Errorf("%s answers as %s, but the HA state names peer %s", pc.Host, pcl.dev.Serial, st.PeerSerial)
		return p, nil
	}
	if pcl.dev.Serial == c.dev.Serial {
		p.Err = fmt.Errorf("%s is the connected device itself (serial %s), not its peer", pc.Host, c.dev.Serial)
		return p, nil
	}
	if p.Hits, err = pcl.HitCounts(ctx); err != nil {
		p.Err = err
	}
	return p, nil
}

// HAMembers describes the pair for the report, the connected device
// first, and names the members the readiness verdict must hear from: the
// peer by its serial, or, when it could not be read and the HA state named
// no serial, by its address.
func HAMembers(dev mine.Device, p *Peer) (members []mine.HAMember, expected []string) {
	if p == nil {
		return nil, nil
	}
	members = append(members, mine.HAMember{Serial: dev.Serial, Hostname: dev.Hostname, State: p.State.LocalState, Reported: true})
	m := mine.HAMember{Serial: p.Device.Serial, Hostname: p.Device.Hostname, Address: p.Host, State: p.State.PeerState, Reported: p.Err == nil}
	if m.Serial == "" {
		m.Serial = p.State.PeerSerial
	}
	if p.Err != nil {
		m.Error = p.Err.Error()
	}
	members = append(members, m)
	peerID := m.Serial
	if peerID == "" {
		peerID = "HA peer at " + p.Host
	}
	return members, []string{dev.Serial, peerID}
}
