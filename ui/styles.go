package ui

import "charm.land/lipgloss/v2"

// Styles are the workbench's looks, shared by every screen.
type Styles struct {
	App         lipgloss.Style
	Title       lipgloss.Style
	TabActive   lipgloss.Style
	TabInactive lipgloss.Style
	Header      lipgloss.Style
	Selected    lipgloss.Style
	Dim         lipgloss.Style
	OK          lipgloss.Style
	Note        lipgloss.Style
	Warning     lipgloss.Style
	Problem     lipgloss.Style
	Accept      lipgloss.Style
	Reject      lipgloss.Style
	Label       lipgloss.Style
	Error       lipgloss.Style
	StatusBar   lipgloss.Style
	Help        lipgloss.Style
	Dialog      lipgloss.Style
	Focused     lipgloss.Style
}

// DefaultStyles are the workbench's colours; with the Ascii profile only
// the text remains, which keeps golden views stable.
func DefaultStyles() *Styles {
	green := lipgloss.Color("2")
	red := lipgloss.Color("1")
	yellow := lipgloss.Color("3")
	blue := lipgloss.Color("4")
	gray := lipgloss.Color("8")
	return &Styles{
		App:         lipgloss.NewStyle(),
		Title:       lipgloss.NewStyle().Bold(true),
		TabActive:   lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("15")).Background(blue).Padding(0, 1),
		TabInactive: lipgloss.NewStyle().Foreground(gray).Padding(0, 1),
		Header:      lipgloss.NewStyle().Bold(true).Underline(true),
		Selected:    lipgloss.NewStyle().Reverse(true),
		Dim:         lipgloss.NewStyle().Foreground(gray),
		OK:          lipgloss.NewStyle().Foreground(green),
		Note:        lipgloss.NewStyle().Foreground(blue),
		Warning:     lipgloss.NewStyle().Foreground(yellow),
		Problem:     lipgloss.NewStyle().Foreground(red).Bold(true),
		Accept:      lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("0")).Background(green).Padding(0, 2),
		Reject:      lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("15")).Background(red).Padding(0, 2),
		Label:       lipgloss.NewStyle().Bold(true),
		Error:       lipgloss.NewStyle().Foreground(red),
		StatusBar:   lipgloss.NewStyle().Foreground(lipgloss.Color("7")),
		Help:        lipgloss.NewStyle().Foreground(gray),
		Dialog:      lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1),
		Focused:     lipgloss.NewStyle().Foreground(blue).Bold(true),
	}
}
