package ui

import "charm.land/bubbles/v2/key"

// KeyMap holds every binding of the workbench; screens pick theirs from it so
// the help line and the full key map are generated from one place.
type KeyMap struct {
	Quit       key.Binding
	Help       key.Binding
	NextTab    key.Binding
	PrevTab    key.Binding
	Tab1       key.Binding
	Tab2       key.Binding
	Tab3       key.Binding
	Tab4       key.Binding
	Tab5       key.Binding
	Back       key.Binding
	Up         key.Binding
	Down       key.Binding
	PageUp     key.Binding
	PageDown   key.Binding
	Home       key.Binding
	End        key.Binding
	Enter      key.Binding
	Filter     key.Binding
	Sort       key.Binding
	Reverse    key.Binding
	NewCA      key.Binding
	Issue      key.Binding
	Revoke     key.Binding
	PublishCRL key.Binding
	Refresh    key.Binding
	ShowCRL    key.Binding
	Log        key.Binding
	Explain    key.Binding
	Commands   key.Binding
	Import     key.Binding
	Export     key.Binding
	SignCSR    key.Binding
	OpenFile   key.Binding
	Run        key.Binding
	Left       key.Binding
	Right      key.Binding
	NextField  key.Binding
	PrevField  key.Binding
	Submit     key.Binding
	Yes        key.Binding
	No         key.Binding
}

// DefaultKeyMap is the workbench's key map.
func DefaultKeyMap() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Quit:       b("q", "quit", "q", "ctrl+c"),
		Help:       b("?", "all keys", "?"),
		NextTab:    b("tab", "next tab", "tab"),
		PrevTab:    b("shift+tab", "previous tab", "shift+tab"),
		Tab1:       b("1", "authorities", "1"),
		Tab2:       b("2", "certificates", "2"),
		Tab3:       b("3", "probe", "3"),
		Tab4:       b("4", "inspect", "4"),
		Tab5:       b("5", "lab", "5"),
		Back:       b("esc", "back", "esc"),
		Up:         b("↑/k", "up", "up", "k"),
		Down:       b("↓/j", "down", "down", "j"),
		PageUp:     b("pgup", "page up", "pgup"),
		PageDown:   b("pgdn", "page down", "pgdown"),
		Home:       b("home/g", "top", "home", "g"),
		End:        b("end/G", "bottom", "end", "G"),
		Enter:      b("enter", "inspect", "enter"),
		Filter:     b("/", "filter", "/"),
		Sort:       b("s", "sort column", "s"),
		Reverse:    b("S", "reverse sort", "S"),
		NewCA:      b("n", "new CA", "n"),
		Issue:      b("i", "issue", "i"),
		Revoke:     b("r", "revoke", "r"),
		PublishCRL: b("p", "publish CRL", "p"),
		Refresh:    b("ctrl+r", "reload", "ctrl+r"),
		ShowCRL:    b("l", "inspect its CRL", "l"),
		Log:        b("L", "message log", "L"),
		Explain:    b("e", "explain", "e"),
		Commands:   b("c", "openssl/curl/node commands", "c"),
		Import:     b("m", "import files", "m"),
		Export:     b("x", "export", "x"),
		SignCSR:    b("C", "sign a CSR", "C"),
		OpenFile:   b("o", "inspect a file", "o"),
		Run:        b("enter", "run probe", "enter"),
		Left:       b("←", "previous choice", "left"),
		Right:      b("→", "next choice", "right"),
		NextField:  b("tab/↓", "next field", "tab", "down"),
		PrevField:  b("shift+tab/↑", "previous field", "shift+tab", "up"),
		Submit:     b("enter", "submit", "enter"),
		Yes:        b("y", "yes", "y"),
		No:         b("n", "no", "n"),
	}
}
