package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// helpSection is one group of the key map: a title and key/what pairs.
type helpSection struct {
	title string
	keys  [][2]string
}

// helpSections is the whole key map, grouped the way a user looks for a key.
func helpSections() []helpSection {
	return []helpSection{
		{"Anywhere (nothing typed)", [][2]string{
			{"1-5", "go to a tab (5: lab)"},
			{"tab/S-tab", "next / previous tab"},
			{"?", "this key map"},
			{"L", "message log, whole"},
			{"ctrl+r", "reload the store"},
			{"esc", "back, close, clear filter"},
			{"q", "quit"},
		}},
		{"Lists and views", [][2]string{
			{"↑↓ k j", "move"},
			{"pgup pgdn", "page"},
			{"g G", "top / bottom"},
			{"enter", "inspect the selected row"},
			{"/", "filter; enter keeps it"},
			{"s S", "sort column / reverse"},
			{"e", "explanations (inspect)"},
			{"c", "equivalent commands"},
		}},
		{"Actions", [][2]string{
			{"n", "new CA under the selected"},
			{"i", "issue a certificate"},
			{"r", "revoke the selected"},
			{"p l", "publish / inspect the CRL"},
			{"m x", "import / export files"},
			{"C o", "sign a CSR / inspect a file"},
		}},
		{"Probe", [][2]string{
			{"↑↓ k j", "field"},
			{"←→ h l", "change the value"},
			{"enter", "run; edit a typed field"},
			{"/", "search a name picker"},
			{"M esc", "matrix / stop it"},
			{"v", "inspect the blamed cert"},
			{"pgdn pgup", "scroll the verdict"},
		}},
		{"Forms (a cursor: typing)", [][2]string{
			{"enter", "submit; edit a text field"},
			{"tab S-tab", "next / previous field"},
			{"←→", "choose (h l after esc)"},
			{"esc", "stop typing, then cancel"},
		}},
		{"Lab", [][2]string{
			{"enter X", "run / remove lab material"},
			{"a", "lab CAs in lists on/off"},
		}},
	}
}

// helpLines lays the sections out in as many columns as fit w (two at 80
// columns), each section kept whole in one column.
func (m *Model) helpLines(w int) []string {
	st := m.c.Styles
	cols := max(1, min(3, w/40))
	colW := w / cols
	keyW := 10
	render := func(s helpSection) []string {
		out := []string{st.Header.Render(truncate(s.title, colW-1))}
		for _, k := range s.keys {
			desc := wrapWords(k[1], max(8, colW-keyW-2))
			for i, d := range desc {
				kc := ""
				if i == 0 {
					kc = k[0]
				}
				out = append(out, st.Focused.Render(pad(kc, keyW))+" "+d)
			}
		}
		return out
	}
	columns := make([][]string, cols)
	for _, s := range helpSections() {
		// The shortest column takes the next section.
		best := 0
		for i := range columns {
			if len(columns[i]) < len(columns[best]) {
				best = i
			}
		}
		columns[best] = append(columns[best], render(s)...)
	}
	n := 0
	for _, c := range columns {
		n = max(n, len(c))
	}
	var out []string
	for r := 0; r < n; r++ {
		var b strings.Builder
		for i, c := range columns {
			cell := ""
			if r < len(c) {
				cell = c[r]
			}
			if i < cols-1 {
				cell = cell + strings.Repeat(" ", max(0, colW-ansi.StringWidth(cell)))
			}
			b.WriteString(cell)
		}
		out = append(out, strings.TrimRight(b.String(), " "))
	}
	return out
}

// fullHelp is the key map page: scrolled with j/k when it does not fit.
func (m *Model) fullHelp(w, h int) string {
	st := m.c.Styles
	lines := m.helpLines(w)
	rows := max(1, h-1)
	off := max(0, min(m.helpOffset, len(lines)-rows))
	end := min(len(lines), off+rows)
	head := st.Title.Render("All keys") + "   " + st.Dim.Render("(? or esc closes)")
	if len(lines) > rows {
		head += st.Note.Render(fmt.Sprintf("   lines %d–%d of %d · j/k scroll", off+1, end, len(lines)))
	}
	return head + "\n" + strings.Join(lines[off:end], "\n")
}
