// Package signatures owns the HTTP status code signatures: the catalog of
// custom vulnerability signatures (one per status code, context
// http-rsp-code, severity informational, action alert) and their
// deployment to a device.
//
// It talks to devices through internal/xapi (pango). It must not import
// collect, correlate, report, history, panosim or cobra.
package signatures
