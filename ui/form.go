package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
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
	c       *Common
	title   string
	verb    string // the submit button's word: "create", "issue"
	fields  []*formField
	focus   int
	req     reqID
	working bool
	err     error
	// submit turns the fields into a running request (it calls c.begin).
	submit func(f *form) (reqID, tea.Cmd, error)
	// done handles the answer to the request; ok closes the form.
	done func(f *form, msg tea.Msg) (status string, err error)
	// changed lets a form update dependent defaults after any edit.
	changed func(f *form)
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

// Capturing is always true: typed keys belong to the fields.
func (f *form) Capturing() bool { return true }

func (f *form) SetSize(w, h int) {
	for _, x := range f.fields {
		x.input.SetWidth(max(10, f.width(w)-24))
	}
}

func (f *form) width(w int) int { return max(40, min(72, w-4)) }

func (f *form) ShortHelp() []key.Binding {
	return []key.Binding{
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", f.verb)),
		f.c.Keys.NextField, f.c.Keys.PrevField,
		key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "choose")),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

func (f *form) init() tea.Cmd {
	for _, x := range f.fields {
		x.check()
	}
	if f.changed != nil {
		f.changed(f)
	}
	return f.focusField(0)
}

func (f *form) focusField(i int) tea.Cmd {
	n := len(f.fields)
	f.focus = ((i % n) + n) % n
	var cmd tea.Cmd
	for j, x := range f.fields {
		if x.isChoice() {
			continue
		}
		if j == f.focus {
			cmd = x.input.Focus()
		} else {
			x.input.Blur()
		}
	}
	return cmd
}

func (f *form) Update(msg tea.Msg) (Component, tea.Cmd) {
	if r, ok := msg.(result); ok {
		if !f.working || r.requestID() != int(f.req) {
			return f, nil
		}
		f.working = false
		st, err := f.done(f, msg)
		if err != nil {
			f.err = err
			return f, nil
		}
		return f, tea.Batch(f.c.closeDialog(st), f.c.reload())
	}
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if f.focus < len(f.fields) && !f.fields[f.focus].isChoice() {
			var cmd tea.Cmd
			x := f.fields[f.focus]
			x.input, cmd = x.input.Update(msg)
			return f, cmd
		}
		return f, nil
	}
	if km.String() == "esc" {
		// Abandoning a running request leaves its answer to be dropped.
		f.working = false
		return f, f.c.closeDialog("")
	}
	if f.working {
		return f, nil
	}
	x := f.fields[f.focus]
	switch km.String() {
	case "enter":
		return f, f.trySubmit()
	case "tab", "down":
		return f, f.focusField(f.focus + 1)
	case "shift+tab", "up":
		return f, f.focusField(f.focus - 1)
	}
	if x.isChoice() {
		switch km.String() {
		case "left", "h":
			x.choice = (x.choice - 1 + len(x.choices)) % len(x.choices)
		case "right", "l", "space":
			x.choice = (x.choice + 1) % len(x.choices)
		default:
			return f, nil
		}
		f.edited(x)
		return f, nil
	}
	if x.pristine {
		switch {
		case km.Text != "":
			x.input.SetValue("")
		case km.String() == "backspace":
			x.input.SetValue("")
			x.pristine = false
			f.edited(x)
			return f, nil
		}
	}
	before := x.input.Value()
	var cmd tea.Cmd
	x.input, cmd = x.input.Update(km)
	if x.input.Value() != before || km.Text != "" {
		x.pristine = false
		f.edited(x)
	}
	return f, cmd
}

func (f *form) edited(x *formField) {
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
	var lines []string
	lines = append(lines, st.Title.Render(f.title), "")
	for i, x := range f.fields {
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
		switch {
		case x.err != nil:
			lines = append(lines, wrapIndent(st.Error, strings.Repeat(" ", labelW+1)+"✗ ", x.err.Error(), w-4)...)
		case i == f.focus && x.hint != "":
			lines = append(lines, wrapIndent(st.Dim, strings.Repeat(" ", labelW+1), x.hint, w-4)...)
		}
	}
	lines = append(lines, "")
	switch {
	case f.working:
		lines = append(lines, st.Note.Render(f.verb+"…  (esc abandons)"))
	case f.err != nil:
		lines = append(lines, wrapIndent(st.Error, "error: ", f.err.Error(), w-4)...)
	default:
		lines = append(lines, st.Dim.Render("enter "+f.verb+" · tab next · ←/→ choose · esc cancel"))
	}
	return st.Dialog.Width(w).Render(strings.Join(lines, "\n"))
}

// dialogBox centres a dialog's view in the body area.
func dialogBox(view string, w, h int) string {
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, view)
}
