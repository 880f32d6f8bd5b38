package collect

import (
	"bytes"
	"strings"
)

// A CSV file exported from Monitor > Logs of a firewall or Panorama (or
// from Strata Logging Service's log viewer) starts with a header row of
// column names, display names in the web interface ("Receive Time",
// "Serial #", "Threat/Content Name") and, for some columns and releases,
// PAN-OS field names ("seqno", "actionflags", "contenttype"). Rows are
// read by those names, not by position: a spreadsheet may have dropped or
// moved columns.

// exportColumns maps lower-cased column names to the fields mine reads.
// Display names are the web interface's (PAN-OS 4.x to 11.x exports);
// field names are PAN-OS's own (custom log formats, the XML API) and the
// Strata Logging Service schema's.
var exportColumns = map[string]fieldID{
	"receive time": fReceive, "receive_time": fReceive, "time received": fReceive,
	"serial #": fSerial, "serial number": fSerial, "serial": fSerial, "serial_number": fSerial, "log_source_id": fSerial,
	"type": fType, "log type": fType, "log_type": fType,
	"threat/content type": fSubtype, "subtype": fSubtype, "sub_type": fSubtype, "content/threat type": fSubtype,
	"source address": fSrc, "source ip": fSrc, "src": fSrc, "source_ip": fSrc,
	"destination address": fDst, "destination ip": fDst, "dst": fDst, "dest_ip": fDst, "destination_ip": fDst,
	"rule": fRule, "rule name": fRule, "rule_name": fRule, "rule_matched": fRule,
	"source user": fSrcUser, "srcuser": fSrcUser, "source_user": fSrcUser,
	"application": fApp, "app": fApp,
	"virtual system": fVsys, "vsys": fVsys,
	"source zone": fFrom, "from": fFrom, "from_zone": fFrom,
	"destination zone": fTo, "to": fTo, "to_zone": fTo,
	"session id": fSession, "sessionid": fSession, "session_id": fSession,
	"repeat count": fRepeat, "repeatcnt": fRepeat, "repeat_count": fRepeat, "count_of_repeats": fRepeat,
	"source port": fSport, "sport": fSport, "source_port": fSport,
	"destination port": fDport, "dport": fDport, "dest_port": fDport, "destination_port": fDport,
	"ip protocol": fProto, "protocol": fProto, "proto": fProto,
	"action": fAction,
	"url":    fMisc, "url/filename": fMisc, "misc": fMisc,
	"threat/content name": fThreat, "threat id": fThreat, "threatid": fThreat, "threat name": fThreat, "threat_name": fThreat,
	"tid": fThreatID, "threat_id": fThreatID,
	"severity":        fSeverity,
	"direction":       fDirection,
	"sequence number": fSeqno, "seqno": fSeqno, "sequence_no": fSeqno, "sequence_number": fSeqno,
	"device name": fDevice, "device_name": fDevice, "log_source_name": fDevice,
	"uuid for rule": fRuleUUID, "rule uuid": fRuleUUID, "rule_uuid": fRuleUUID,
	"high res timestamp": fHiRes, "high resolution timestamp": fHiRes, "high_res_timestamp": fHiRes,
	"bytes": fBytes, "bytes_total": fBytes,
	"bytes sent": fBytesSent, "bytes_sent": fBytesSent,
	"bytes received": fBytesRecv, "bytes_received": fBytesRecv,
	"packets": fPackets, "packets_total": fPackets,
	"start time": fStart, "start": fStart,
	"elapsed time (sec)": fElapsed, "elapsed time": fElapsed, "elapsed": fElapsed,
	"session end reason": fEndReason, "session_end_reason": fEndReason,
}

// exportHeader is the column map of one CSV export: for each field, its
// column, or noField.
type exportHeader struct {
	at   fieldPos // noField for a field without a column
	cols int
}

// looksLikeHeader is a cheap test before splitting: a header row names the
// receive time.
func looksLikeHeader(line []byte) bool {
	return bytes.Contains(line, []byte("Receive Time")) || bytes.Contains(line, []byte("receive_time")) ||
		bytes.Contains(line, []byte("receive time")) || bytes.Contains(line, []byte("Time Received"))
}

// parseExportHeader reads a header row. It returns false when the row is
// not a header: it must name a receive time and a log type column.
func parseExportHeader(c *csvFields, line []byte) (exportHeader, bool) {
	h := exportHeader{at: noFields()}
	line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf")) // a spreadsheet's byte order mark
	if err := c.split(line); err != nil {
		return h, false
	}
	h.cols = c.n
	for i := 0; i < c.n; i++ {
		name := strings.ToLower(strings.TrimSpace(string(c.field(i))))
		if id, ok := exportColumns[name]; ok && h.at[id] == noField {
			h.at[id] = uint8(i) // i < maxFields
		}
	}
	return h, h.at[fReceive] != noField && h.at[fType] != noField
}

// readExportRow splits one data row of an export into r.
func readExportRow(c *csvFields, h *exportHeader, line []byte, r *rawRecord) *lineError {
	if err := c.split(line); err != nil {
		return &lineError{reason: BadQuoting, detail: err.Error()}
	}
	need := max(h.at[fType], h.at[fReceive])
	if c.n <= int(need) {
		return badf(BadTooFew, "row with %d fields under a header of %d", c.n, h.cols)
	}
	r.fromCSV(c, &h.at, nil)
	return nil
}
