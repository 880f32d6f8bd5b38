package mine

import "time"

// ThreatLog is one threat log entry as far as mine needs it: for the HTTP
// status signatures, one HTTP response seen on a session.
//
// Times are UTC. ThreatID is the numeric ID (the XML API's tid), ThreatName
// the signature name (the XML API's threatid, for example "HTTP-200").
type ThreatLog struct {
	ReceiveTime time.Time
	Serial      string // firewall serial number
	DeviceName  string
	Vsys        string
	SeqNo       uint64 // per device and log type; (Serial, SeqNo) is unique
	SessionID   uint64
	RepeatCount int // identical threats aggregated into this entry; at least 1

	Rule     string
	RuleUUID string
	FromZone string
	ToZone   string
	Src      string
	Dst      string
	SrcUser  string // the source user as User-ID mapped it ("" when none)
	SrcPort  int
	DstPort  int
	Proto    string
	App      string

	Subtype    string // "vulnerability" for our signatures
	ThreatID   int
	ThreatName string
	Severity   string
	Direction  string // "server-to-client" for our signatures
	Action     string
	URL        string // the misc field: host/path?query, no scheme
}

// Hits returns the number of events the entry stands for (its repeat count,
// at least 1).
func (l *ThreatLog) Hits() int {
	if l.RepeatCount < 1 {
		return 1
	}
	return l.RepeatCount
}

// TrafficLog is one traffic log entry (one session, normally logged at its
// end). Times are UTC.
type TrafficLog struct {
	ReceiveTime time.Time
	Start       time.Time
	Serial      string
	DeviceName  string
	Vsys        string
	SeqNo       uint64
	SessionID   uint64
	RepeatCount int

	Rule     string
	RuleUUID string
	FromZone string
	ToZone   string
	Src      string
	Dst      string
	SrcUser  string // the source user as User-ID mapped it ("" when none)
	SrcPort  int
	DstPort  int
	Proto    string
	App      string
	Action   string
	Subtype  string // start, end, drop, deny

	Bytes            int64
	BytesSent        int64
	BytesReceived    int64
	Packets          int64
	ElapsedSeconds   int64
	SessionEndReason string
}

// Sessions returns the number of sessions the entry stands for (its repeat
// count, at least 1).
func (l *TrafficLog) Sessions() int {
	if l.RepeatCount < 1 {
		return 1
	}
	return l.RepeatCount
}
