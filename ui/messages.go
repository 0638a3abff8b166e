package ui

import (
	"github.com/pkibench/pkibench/probe"
	"github.com/pkibench/pkibench/store"
)

// result is implemented by every message that answers a request; the root
// model uses it to keep the count of running work (the spinner) exact even
// when the answer is dropped as stale.
type result interface{ requestID() int }

type reqID int

func (r reqID) requestID() int { return int(r) }

// casLoadedMsg answers a ListCAs.
type casLoadedMsg struct {
	reqID
	cas []*store.CA
	err error
}

// certsLoadedMsg answers a List.
type certsLoadedMsg struct {
	reqID
	certs []store.Cert
	// hay is the lower-cased search text per certificate, built in the
	// Cmd so a reload of 100,000 certificates costs Update nothing.
	hay []string
	err error
}

// inspectedMsg answers an inspect request: the document rendered to lines.
type inspectedMsg struct {
	reqID
	target string
	doc    inspectDoc
	err    error
}

// caCreatedMsg answers CreateCA.
type caCreatedMsg struct {
	reqID
	ca  *store.CA
	err error
}

// issuedMsg answers Issue.
type issuedMsg struct {
	reqID
	certs []store.Cert
	err   error
}

// revokedMsg answers Revoke.
type revokedMsg struct {
	reqID
	target string
	rev    store.Revoked
	err    error
}

// crlPublishedMsg answers PublishCRL.
type crlPublishedMsg struct {
	reqID
	ca    string
	state *store.CRLState
	err   error
}

// probeDoneMsg answers a probe run.
type probeDoneMsg struct {
	reqID
	res probe.Result
	err error
}

// Messages screens send to the root model (through a tea.Cmd) to ask for
// things only the root can do.
type (
	// openDialogMsg puts a modal on top of the current screen.
	openDialogMsg struct{ dialog Component }
	// closeDialogMsg removes the modal; status is shown in the status bar.
	closeDialogMsg struct{ status string }
	// openInspectMsg opens the full-screen Inspect on a store target, or
	// shows doc when it is already read (a file opened with o).
	openInspectMsg struct {
		target, title, field string
		doc                  *inspectDoc
	}
	// reloadMsg asks the root to re-read the CA and certificate lists.
	reloadMsg struct{}
	// statusMsg sets the status line (err non-nil shows as the last error).
	statusMsg struct {
		text string
		err  error
	}
	// switchTabMsg moves between tabs (delta) from a screen that captures keys.
	switchTabMsg struct{ delta int }
	// showLabMsg shows or hides the lab material in the lists.
	showLabMsg struct{ show bool }
	// openProbeMsg opens the probe pane on a staged lab scenario's request.
	openProbeMsg struct {
		req      probe.Request
		scenario string
	}
	// bodyClickMsg is a left click in the body, in body coordinates.
	bodyClickMsg struct{ x, y int }
	// dataChangedMsg tells screens that Common's CA/cert lists were replaced.
	dataChangedMsg struct{}
)

// storeStampMsg carries the store's stamp after a watch pause.
type storeStampMsg struct{ stamp string }
