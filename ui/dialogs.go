package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/store"
)

// revokeStage is where the revoke dialog is.
type revokeStage int

const (
	stageReason revokeStage = iota
	stageConfirm
	stageRevoking
	stageOfferCRL
	stagePassphrase
	stagePublishing
)

// revokeDialog picks a reason, confirms, revokes, then offers to publish
// the CRL so the revocation is visible to relying parties.
type revokeDialog struct {
	c      *Common
	target string // CA/SERIAL or name, as store.Revoke takes it
	label  string // what the user sees
	ca     string // the issuing CA, whose CRL is offered
	reason int
	stage  revokeStage
	req    reqID
	err    error
	done   string // what the revocation changed, shown in the CRL offer
	pass   textinput.Model
	// release takes a certificate on hold off it instead of revoking.
	release bool
}

// newReleaseDialog offers to take a certificate off hold (certificateHold
// is the one revocation that can be undone), then to publish the CRL.
func newReleaseDialog(c *Common, target, label, ca string) Component {
	d := newRevokeDialog(c, target, label, ca).(*revokeDialog)
	d.release, d.stage = true, stageConfirm
	return d
}

func newRevokeDialog(c *Common, target, label, ca string) Component {
	ti := newInput()
	ti.Prompt = ""
	ti.EchoMode = textinput.EchoPassword
	ti.EchoCharacter = '•'
	return &revokeDialog{c: c, target: target, label: label, ca: ca, pass: ti}
}

// Capturing is true only while the passphrase is typed: the reason list
// and the y/n questions leave ? and q working.
func (d *revokeDialog) Capturing() bool { return d.stage == stagePassphrase }

func (d *revokeDialog) SetSize(int, int) {}

func (d *revokeDialog) ShortHelp() []key.Binding {
	k := d.c.Keys
	switch d.stage {
	case stageReason:
		return []key.Binding{k.Up, k.Down, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "choose")), k.Back}
	case stageConfirm, stageOfferCRL:
		return []key.Binding{k.Yes, k.No}
	}
	return []key.Binding{k.Back}
}

func (d *revokeDialog) caEncrypted() bool {
	for _, ca := range d.c.Data.CAs {
		if ca.Name == d.ca {
			return ca.Encrypted
		}
	}
	return false
}

func (d *revokeDialog) Update(msg tea.Msg) (Component, tea.Cmd) {
	switch msg := msg.(type) {
	case revokedMsg:
		if d.stage != stageRevoking || msg.reqID != d.req {
			return d, nil
		}
		if msg.err != nil {
			d.err, d.stage = msg.err, stageConfirm
			return d, nil
		}
		d.done = fmt.Sprintf("%s revoked (%s)", d.label, pki.ReasonNames[d.reason])
		if d.release {
			d.done = d.label + " released from hold"
		}
		if n := len(msg.rev.Below); n > 0 {
			d.done += fmt.Sprintf("; %d certificates below it stop verifying", n)
		}
		d.stage = stageOfferCRL
		return d, d.c.reload()
	case crlPublishedMsg:
		if d.stage != stagePublishing || msg.reqID != d.req {
			return d, nil
		}
		if msg.err != nil {
			d.err, d.stage = msg.err, stageOfferCRL
			return d, nil
		}
		return d, tea.Batch(d.c.closeDialog(d.done+"; "+crlStatus(msg.ca, msg.state)), d.c.reload())
	case tea.KeyPressMsg:
		return d.key(msg)
	}
	if d.stage == stagePassphrase {
		var cmd tea.Cmd
		d.pass, cmd = d.pass.Update(msg)
		return d, cmd
	}
	return d, nil
}

func (d *revokeDialog) key(msg tea.KeyPressMsg) (Component, tea.Cmd) {
	k := msg.String()
	if k == "esc" {
		if d.stage == stageOfferCRL || d.stage == stagePublishing || d.stage == stagePassphrase {
			return d, d.c.closeDialog(d.done + "; CRL not published (p on Authorities)")
		}
		return d, d.c.closeDialog("")
	}
	switch d.stage {
	case stageReason:
		switch k {
		case "up", "k":
			d.reason = max(0, d.reason-1)
		case "down", "j":
			d.reason = min(len(pki.ReasonNames)-1, d.reason+1)
		case "enter":
			d.stage, d.err = stageConfirm, nil
		}
	case stageConfirm:
		switch k {
		case "y", "Y":
			if d.release {
				d.req = d.c.begin("release " + d.label)
				d.stage, d.err = stageRevoking, nil
				return d, revokeCmd(d.c.Store, d.req, d.target, store.RevokeOptions{Release: true})
			}
			r, err := pki.ParseReason(pki.ReasonNames[d.reason])
			if err != nil {
				d.err = err
				return d, nil
			}
			d.req = d.c.begin("revoke " + d.label)
			d.stage, d.err = stageRevoking, nil
			return d, revokeCmd(d.c.Store, d.req, d.target, revokeOptions(r))
		case "n", "N":
			if d.release {
				return d, d.c.closeDialog("")
			}
			d.stage = stageReason
		}
	case stageOfferCRL:
		switch k {
		case "y", "Y", "enter":
			if d.caEncrypted() {
				// A retry starts empty: never append to a wrong passphrase.
				d.stage = stagePassphrase
				d.pass.SetValue("")
				return d, d.pass.Focus()
			}
			return d, d.publish(nil)
		case "n", "N":
			return d, d.c.closeDialog(d.done + "; CRL not published yet (p on Authorities)")
		}
	case stagePassphrase:
		if k == "enter" {
			return d, d.publish([]byte(d.pass.Value()))
		}
		var cmd tea.Cmd
		d.pass, cmd = d.pass.Update(msg)
		return d, cmd
	}
	return d, nil
}

func (d *revokeDialog) publish(pass []byte) tea.Cmd {
	d.req = d.c.begin("publish CRL " + d.ca)
	d.stage, d.err = stagePublishing, nil
	return publishCRLCmd(d.c.Store, d.req, d.ca, fixedPass(pass))
}

func (d *revokeDialog) View() string {
	st := d.c.Styles
	w := max(40, min(64, d.c.Width-4))
	lines := []string{st.Title.Render("Revoke " + d.label), ""}
	switch d.stage {
	case stageReason:
		lines = append(lines, "Reason (recorded in the index and the CRL):")
		for i, r := range pki.ReasonNames {
			if i == d.reason {
				lines = append(lines, st.Focused.Render("› "+r))
			} else {
				lines = append(lines, "  "+r)
			}
		}
	case stageConfirm:
		if d.release {
			lines[0] = st.Title.Render("Release " + d.label + " from hold")
			lines = append(lines, d.label+" is on hold (certificateHold).",
				"Release it? It verifies again once the CRL is published.", "",
				st.Label.Render("y")+" release   "+st.Label.Render("n")+"/"+st.Label.Render("esc")+" cancel")
			break
		}
		lines = append(lines, fmt.Sprintf("Revoke %s with reason %s?", d.label, pki.ReasonNames[d.reason]),
			st.Dim.Render("It stays revoked: there is no undo (except certificateHold)."), "",
			st.Label.Render("y")+" revoke   "+st.Label.Render("n")+" back   "+st.Label.Render("esc")+" cancel")
	case stageRevoking:
		lines = append(lines, st.Note.Render("revoking…"))
	case stageOfferCRL:
		done := d.done
		if d.release {
			done += ": it verifies again once the CRL is published"
		}
		lines = append(lines, st.OK.Render(done), "",
			"Publish CRL of "+d.ca+" now? y/n",
			st.Dim.Render("Servers that check CRLs only see the revocation after that."))
	case stagePassphrase:
		lines = append(lines, "Passphrase of CA "+d.ca+"'s key:", d.pass.View())
	case stagePublishing:
		lines = append(lines, st.OK.Render(d.done), "", st.Note.Render("publishing CRL of "+d.ca+"…"))
	}
	if d.err != nil {
		lines = append(lines, "")
		lines = append(lines, wrapIndent(st.Error, "error: ", d.err.Error(), w-4)...)
	}
	return st.Dialog.Width(w).Render(strings.Join(lines, "\n"))
}

// passphraseDialog asks for a key's passphrase, masked, then hands it to next.
type passphraseDialog struct {
	c       *Common
	purpose string
	input   textinput.Model
	next    func([]byte) tea.Cmd
}

func newPassphraseDialog(c *Common, purpose string, next func([]byte) tea.Cmd) Component {
	ti := newInput()
	ti.Prompt = ""
	ti.EchoMode = textinput.EchoPassword
	ti.EchoCharacter = '•'
	ti.Focus()
	return &passphraseDialog{c: c, purpose: purpose, input: ti, next: next}
}

func (d *passphraseDialog) Capturing() bool { return true }

func (d *passphraseDialog) SetSize(int, int) {}

func (d *passphraseDialog) ShortHelp() []key.Binding {
	return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "ok")), d.c.Keys.Back}
}

func (d *passphraseDialog) Update(msg tea.Msg) (Component, tea.Cmd) {
	if km, ok := msg.(tea.KeyPressMsg); ok {
		switch km.String() {
		case "esc":
			return d, d.c.closeDialog("")
		case "enter":
			return d, tea.Batch(d.c.closeDialog(""), d.next([]byte(d.input.Value())))
		}
	}
	var cmd tea.Cmd
	d.input, cmd = d.input.Update(msg)
	return d, cmd
}

func (d *passphraseDialog) View() string {
	st := d.c.Styles
	w := max(40, min(64, d.c.Width-4))
	return st.Dialog.Width(w).Render(st.Title.Render("Passphrase") + "\n\nfor " + d.purpose + ":\n" + d.input.View())
}
