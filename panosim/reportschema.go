package panosim

// The columns and values a custom report on the detailed threat and
// traffic logs may name, as the recorded PAN-OS 10.0.5 configuration
// schema lists them (testdata/real/policy/panos-php-pa220-schema-
// v10_0_5.xml.gz: reports/entry/type/{threat,traffic}/aggregate-by/member
// and values/member; a test reads them back). The schema also bounds topn
// to 1-10000, topm to 1-50, and, with group-by, topn times topm to 25000.

var schemaColumns = map[string][]string{
	"threat": {
		"serial", "time_generated", "src", "dst", "natsrc", "natdst", "rule", "srcuser", "dstuser",
		"srcloc", "dstloc", "app", "vsys", "from", "to", "inbound_if", "outbound_if", "sport", "dport",
		"natsport", "natdport", "proto", "action", "tunnel", "rule_uuid", "s_encrypted", "vsys_name",
		"device_name", "parent_session_id", "parent_start_time", "threatid", "category", "severity",
		"direction", "http_method", "nssai_sst", "http2_connection", "xff_ip", "threat_name", "src_edl",
		"dst_edl", "dynusergroup_name", "hostid", "partial_hash", "src_category", "src_profile",
		"src_model", "src_vendor", "src_osfamily", "src_osversion", "src_host", "src_mac",
		"dst_category", "dst_profile", "dst_model", "dst_vendor", "dst_osfamily", "dst_osversion",
		"dst_host", "dst_mac", "container_id", "pod_namespace", "pod_name", "misc", "src_dag", "dst_dag",
		"day-of-receive_time", "hour-of-receive_time", "quarter-hour-of-receive_time",
		"subcategory-of-app", "category-of-app", "technology-of-app", "risk-of-app", "container-of-app",
		"pbf-s2c", "pbf-c2s", "flag-nat", "flag-pcap", "subtype", "transaction", "captive-portal",
		"flag-proxy", "non-std-dport", "tunnelid", "monitortag", "users", "category-of-threatid",
		"threat-type",
	},
	"traffic": {
		"serial", "time_generated", "src", "dst", "natsrc", "natdst", "rule", "srcuser", "dstuser",
		"srcloc", "dstloc", "app", "vsys", "from", "to", "inbound_if", "outbound_if", "sport", "dport",
		"natsport", "natdport", "proto", "action", "tunnel", "rule_uuid", "s_encrypted", "vsys_name",
		"device_name", "parent_session_id", "parent_start_time", "category", "session_end_reason",
		"action_source", "nssai_sst", "nssai_sd", "http2_connection", "xff_ip", "dynusergroup_name",
		"src_edl", "dst_edl", "hostid", "session_owner", "policy_id", "src_category", "src_profile",
		"src_model", "src_vendor", "src_osfamily", "src_osversion", "src_host", "src_mac",
		"dst_category", "dst_profile", "dst_model", "dst_vendor", "dst_osfamily", "dst_osversion",
		"dst_host", "dst_mac", "container_id", "pod_namespace", "pod_name", "src_dag", "dst_dag",
		"day-of-receive_time", "hour-of-receive_time", "quarter-hour-of-receive_time", "pbf-s2c",
		"pbf-c2s", "decrypt-mirror", "threat-type", "flag-nat", "flag-pcap", "captive-portal",
		"flag-proxy", "non-std-dport", "transaction", "sym-return", "sessionid", "subcategory-of-app",
		"category-of-app", "technology-of-app", "risk-of-app", "container-of-app", "tunnelid",
		"monitortag",
	},
}

var schemaValues = map[string][]string{
	"threat": {
		"repeatcnt", "nunique-of-users", "nunique-of-src_profile", "nunique-of-dst_profile",
	},
	"traffic": {
		"repeatcnt", "bytes", "bytes_sent", "bytes_received", "packets", "pkts_sent", "pkts_received",
		"chunks", "chunks_sent", "chunks_received", "nunique-of-users", "elapsed",
		"nunique-of-src_profile", "nunique-of-dst_profile",
	},
}
