package ui

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/store"
)

// formField is one line of a form: a text input or a choice among values.
type formField struct {
	key     string
	label   string
	input   textinput.Model
	choices []string
	choice  int
	// pristine is true while the field holds its default; the first typed
	// character replaces the default instead of appending to it.
	pristine bool
	validate func(string) error
	err      error
	hint     string
	// warn says what is allowed but probably a mistake (shown, not
	// blocking); empty means nothing to say.
	warn func(string) string
}

func (f *formField) isChoice() bool { return f.choices != nil }

func (f *formField) value() string {
	if f.isChoice() {
		if f.choice < 0 || f.choice >= len(f.choices) {
			return ""
		}
		return f.choices[f.choice]
	}
	return strings.TrimSpace(f.input.Value())
}

func (f *formField) check() {
	f.err = nil
	if f.validate != nil {
		f.err = f.validate(f.value())
	}
}

// setDefault replaces the value only while the user has not edited it.
func (f *formField) setDefault(v string) {
	if f.pristine {
		f.input.SetValue(v)
		f.input.CursorEnd()
	}
}

func textField(key, label, def, placeholder string, validate func(string) error) *formField {
	ti := newInput()
	ti.Prompt = ""
	ti.Placeholder = placeholder
	ti.CharLimit = 256
	ti.SetValue(def)
	return &formField{key: key, label: label, input: ti, pristine: true, validate: validate}
}

func passwordField(key, label string) *formField {
	f := textField(key, label, "", "(none)", nil)
	f.input.EchoMode = textinput.EchoPassword
	f.input.EchoCharacter = '•'
	return f
}

func choiceField(key, label string, choices []string, selected string) *formField {
	f := &formField{key: key, label: label, choices: choices}
	for i, c := range choices {
		if c == selected {
			f.choice = i
		}
	}
	return f
}

// form is a modal of fields with defaults, inline validation and one
// submit that starts a request; it owns that request's answer.
type form struct {
	c      *Common
	title  string
	verb   string // the submit button's word: "create", "issue"
	fields []*formField
	focus  int
	// typing: printable keys go to the focused text field. Off (after
	// esc), the form is in key mode: global keys and j/k/h/l work.
	typing bool
	// notice is a one-line hint for a key that did nothing (typing on a
	// choice field).
	notice  string
	req     reqID
	working bool
	err     error
	// submit turns the fields into a running request (it calls c.begin).
	submit func(f *form) (reqID, tea.Cmd, error)
	// done handles the answer to the request; ok closes the form.
	done func(f *form, msg tea.Msg) (status string, err error)
	// then, when set, runs after done accepted the answer (the open-file
	// form shows what it read in Inspect).
	then func(f *form, msg tea.Msg) tea.Cmd
	// changed lets a form update dependent defaults after any edit.
	changed func(f *form)
	// unlock is the key of the field holding the passphrase of the key
	// that signs (or is imported): a wrong or missing passphrase clears it
	// and moves the focus there.
	unlock string
	// preview is shown under the fields (the sign form's request).
	preview []string
	// height is the body's height: a form taller than it (the CA form at
	// 80x24 with an error under a field) scrolls its fields.
	height int
}

func (f *form) field(key string) *formField {
	for _, x := range f.fields {
		if x.key == key {
			return x
		}
	}
	return nil
}

func (f *form) value(key string) string {
	if x := f.field(key); x != nil {
		return x.value()
	}
	return ""
}

// Capturing is true while the form is typing: printable keys go to the
// focused text field. After esc the form is in key mode and every global
// key (?, q, j/k, h/l) works; enter on a text field types into it again.
func (f *form) Capturing() bool { return f.typing && !f.working }

func (f *form) SetSize(w, h int) {
	f.height = h
	for _, x := range f.fields {
		x.input.SetWidth(max(10, f.width(w)-24))
	}
}

func (f *form) width(w int) int { return max(40, min(72, w-4)) }

func (f *form) focused() *formField {
	if f.focus < 0 || f.focus >= len(f.fields) {
		return nil
	}
	return f.fields[f.focus]
}

// ShortHelp lists what the keys do right now: typing, or key mode on a
// text field (enter edits) or on a choice (enter submits).
func (f *form) ShortHelp() []key.Binding {
	submit := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", f.verb))
	choose := key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "choose"))
	if f.working {
		return []key.Binding{key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "abandon"))}
	}
	x := f.focused()
	if f.typing {
		b := []key.Binding{submit, key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab/shift+tab", "field"))}
		if x != nil && x.isChoice() {
			b = append(b, choose)
		}
		return append(b, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop typing")))
	}
	b := []key.Binding{}
	if x != nil && !x.isChoice() {
		b = append(b, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "edit")))
	} else {
		b = append(b, submit, key.NewBinding(key.WithKeys("h", "l"), key.WithHelp("h/l", "choose")))
	}
	return append(b, key.NewBinding(key.WithKeys("j", "k"), key.WithHelp("j/k", "field")),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")))
}

func (f *form) init() tea.Cmd {
	for _, x := range f.fields {
		x.check()
	}
	if f.changed != nil {
		f.changed(f)
	}
	// A form opens typing into its first field: "n", a name, enter.
	f.typing = true
	return f.focusField(0)
}

// focusField moves the focus; the text input shows a cursor only while it
// takes keys (typing mode).
func (f *form) focusField(i int) tea.Cmd {
	n := len(f.fields)
	f.focus = ((i % n) + n) % n
	f.notice = ""
	var cmd tea.Cmd
	for j, x := range f.fields {
		if x.isChoice() {
			continue
		}
		if j == f.focus && f.typing {
			cmd = x.input.Focus()
		} else {
			x.input.Blur()
		}
	}
	return cmd
}

// setTyping enters or leaves typing mode on the focused field.
func (f *form) setTyping(on bool) tea.Cmd {
	f.typing = on
	return f.focusField(f.focus)
}

func (f *form) Update(msg tea.Msg) (Component, tea.Cmd) {
	if r, ok := msg.(result); ok {
		return f, f.finish(r)
	}
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return f, f.paste(msg)
	}
	if km.String() == "esc" {
		if f.typing && !f.working {
			return f, f.setTyping(false)
		}
		// Abandoning a running request leaves its answer to be dropped.
		f.working = false
		return f, f.c.closeDialog("")
	}
	if f.working {
		return f, nil
	}
	x := f.fields[f.focus]
	if cmd, handled := f.moveKey(km, x); handled {
		return f, cmd
	}
	if !f.typing {
		return f, f.browseKey(km, x)
	}
	return f, f.typeKey(km, x)
}

// finish takes the answer to the form's running request: an answer to an
// abandoned or older request is dropped; an error keeps the form open.
func (f *form) finish(r result) tea.Cmd {
	if !f.working || r.requestID() != int(f.req) {
		return nil
	}
	f.working = false
	st, err := f.done(f, r)
	if err != nil {
		f.err = err
		return f.passphraseFailed(err)
	}
	var then tea.Cmd
	if f.then != nil {
		then = f.then(f, r)
	}
	return tea.Batch(f.c.closeDialog(st), f.c.reload(), then)
}

// paste handles a message that is not a key press.
func (f *form) paste(msg tea.Msg) tea.Cmd {
	// A paste lands in the focused text field only while typing.
	if x := f.focused(); x != nil && !x.isChoice() && f.typing {
		var cmd tea.Cmd
		x.input, cmd = x.input.Update(msg)
		f.edited(x)
		return cmd
	}
	return nil
}

// moveKey handles the keys that act the same in both modes (enter, moving
// between fields, ←/→ on a choice); handled is false for any other key.
func (f *form) moveKey(km tea.KeyPressMsg, x *formField) (cmd tea.Cmd, handled bool) {
	switch km.String() {
	case "enter":
		if !f.typing && !x.isChoice() {
			return f.setTyping(true), true
		}
		return f.trySubmit(), true
	case "tab", "down":
		return f.focusField(f.focus + 1), true
	case "shift+tab", "up":
		return f.focusField(f.focus - 1), true
	case "left":
		if x.isChoice() {
			f.choose(x, -1)
		}
		return nil, true
	case "right", "space":
		if x.isChoice() {
			f.choose(x, 1)
			return nil, true
		}
	}
	return nil, false
}

// browseKey handles a key outside typing mode, where letters move and
// choose instead of typing.
func (f *form) browseKey(km tea.KeyPressMsg, x *formField) tea.Cmd {
	switch km.String() {
	case "j":
		return f.focusField(f.focus + 1)
	case "k":
		return f.focusField(f.focus - 1)
	case "h":
		if x.isChoice() {
			f.choose(x, -1)
		}
	case "l":
		if x.isChoice() {
			f.choose(x, 1)
		}
	case "g", "home":
		return f.focusField(0)
	case "G", "end":
		return f.focusField(len(f.fields) - 1)
	}
	return nil
}

// typeKey handles a key in typing mode: it edits the focused text field.
func (f *form) typeKey(km tea.KeyPressMsg, x *formField) tea.Cmd {
	if x.isChoice() {
		// Typing onto a choice never changes it: a passphrase typed one
		// field too far must not pick another CA.
		if km.Text != "" {
			f.notice = "typing does not change a choice: ←/→ choose, tab moves on"
		}
		return nil
	}
	if x.pristine {
		switch {
		case km.Text != "":
			x.input.SetValue("")
		case km.String() == "backspace":
			x.input.SetValue("")
			x.pristine = false
			f.edited(x)
			return nil
		}
	}
	before := x.input.Value()
	var cmd tea.Cmd
	x.input, cmd = x.input.Update(km)
	if x.input.Value() != before || km.Text != "" {
		x.pristine = false
		f.edited(x)
	}
	return cmd
}

// passphraseFailed turns a store passphrase error into one about the
// form's own field, empties that field (a retry must not append to the
// wrong passphrase) and puts the cursor there.
func (f *form) passphraseFailed(err error) tea.Cmd {
	x := f.field(f.unlock)
	wrong := errors.Is(err, pki.ErrWrongPassphrase)
	if x == nil || !(wrong || errors.Is(err, store.ErrPassphraseNeeded)) {
		return f.focusField(f.focus)
	}
	x.input.SetValue("")
	if wrong {
		f.err = fmt.Errorf("wrong passphrase: type it again in %q", x.label)
	} else {
		f.err = fmt.Errorf("the key is encrypted: type its passphrase in %q", x.label)
	}
	for i, y := range f.fields {
		if y == x {
			f.typing = true
			return f.focusField(i)
		}
	}
	return nil
}

func (f *form) choose(x *formField, d int) {
	if len(x.choices) == 0 {
		return
	}
	x.choice = (x.choice + d + len(x.choices)) % len(x.choices)
	f.edited(x)
}

func (f *form) edited(x *formField) {
	f.notice = ""
	x.check()
	f.err = nil
	if f.changed != nil {
		f.changed(f)
	}
}

func (f *form) trySubmit() tea.Cmd {
	for i, x := range f.fields {
		x.check()
		if x.err != nil {
			return f.focusField(i)
		}
	}
	id, cmd, err := f.submit(f)
	if err != nil {
		f.err = err
		return nil
	}
	f.req, f.working, f.err = id, true, nil
	return cmd
}

func (f *form) View() string {
	st := f.c.Styles
	w := f.width(f.c.Width)
	labelW := 18
	blocks := make([][]string, len(f.fields))
	for i, x := range f.fields {
		var lines []string
		label := pad(x.label, labelW)
		var val string
		if x.isChoice() {
			val = "‹ " + x.value() + " ›"
			if len(x.choices) == 0 {
				val = st.Dim.Render("(none available)")
			}
		} else {
			val = x.input.View()
		}
		if i == f.focus {
			label = st.Focused.Render("› " + pad(x.label, labelW-2))
			if x.isChoice() {
				val = st.Focused.Render(val)
			}
		}
		lines = append(lines, truncate(label+" "+val, w-4))
		warn := ""
		if x.warn != nil {
			warn = x.warn(x.value())
		}
		switch {
		case x.err != nil:
			lines = append(lines, wrapIndent(st.Error, strings.Repeat(" ", labelW+1)+"✗ ", x.err.Error(), w-4)...)
		case warn != "":
			lines = append(lines, wrapIndent(st.Warning, strings.Repeat(" ", labelW+1)+"! ", warn, w-4)...)
		case i == f.focus && x.hint != "":
			lines = append(lines, wrapIndent(st.Dim, strings.Repeat(" ", labelW+1), x.hint, w-4)...)
		}
		blocks[i] = lines
	}
	var foot []string
	if len(f.preview) > 0 {
		foot = append(foot, "")
		for _, l := range f.preview {
			foot = append(foot, wrapIndent(st.Note, "", l, w-4)...)
		}
	}
	foot = append(foot, "")
	switch {
	case f.working:
		foot = append(foot, st.Note.Render(f.verb+"…  (esc abandons)"))
	case f.err != nil:
		foot = append(foot, wrapIndent(st.Error, "error: ", f.err.Error(), w-4)...)
	case f.notice != "":
		foot = append(foot, wrapIndent(st.Warning, "", f.notice, w-4)...)
	case f.typing:
		foot = append(foot, st.Note.Render("typing")+st.Dim.Render(" · enter "+f.verb+" · tab next · esc stop typing (keys)"))
	default:
		hint := "enter edit"
		if x := f.focused(); x != nil && x.isChoice() {
			hint = "enter " + f.verb + " · h/l choose"
		}
		foot = append(foot, st.Note.Render("keys")+st.Dim.Render(" · "+hint+" · j/k field · ? help · esc cancel"))
	}
	lines := []string{st.Title.Render(f.title), ""}
	lines = append(lines, f.visibleFields(blocks, len(lines)+len(foot)+2)...)
	lines = append(lines, foot...)
	return st.Dialog.Width(w).Render(strings.Join(lines, "\n"))
}

// visibleFields joins the fields' lines, or, when they do not fit the body
// beside the rest of the dialog (other lines), a window of whole fields
// around the focused one with "↑/↓ N more fields" where fields are left out.
func (f *form) visibleFields(blocks [][]string, other int) []string {
	total := 0
	for _, b := range blocks {
		total += len(b)
	}
	room := f.height - other
	if f.height <= 0 || total <= room {
		var out []string
		for _, b := range blocks {
			out = append(out, b...)
		}
		return out
	}
	room -= 2 // the two "more" lines
	from, to := f.focus, f.focus+1
	if from < 0 || from >= len(blocks) {
		from, to = 0, 1
	}
	used := len(blocks[from])
	for grew := true; grew; {
		grew = false
		if to < len(blocks) && used+len(blocks[to]) <= room {
			used += len(blocks[to])
			to++
			grew = true
		}
		if from > 0 && used+len(blocks[from-1]) <= room {
			from--
			used += len(blocks[from])
			grew = true
		}
	}
	st := f.c.Styles
	var out []string
	if from > 0 {
		out = append(out, st.Dim.Render(fmt.Sprintf("↑ %d more fields", from)))
	}
	for _, b := range blocks[from:to] {
		out = append(out, b...)
	}
	if to < len(blocks) {
		out = append(out, st.Dim.Render(fmt.Sprintf("↓ %d more fields", len(blocks)-to)))
	}
	return out
}

// dialogBox centres a dialog's view in the body area.
func dialogBox(view string, w, h int) string {
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, view)
}
