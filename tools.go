//go:build tools

package tools

import (
	_ "charm.land/bubbles/v2/table"
	_ "charm.land/bubbletea/v2"
	_ "charm.land/lipgloss/v2"
	_ "github.com/charmbracelet/colorprofile"
	_ "github.com/charmbracelet/x/exp/golden"
	_ "github.com/charmbracelet/x/exp/teatest/v2"
	_ "github.com/gofrs/flock"
	_ "github.com/spf13/cobra"
	_ "software.sslmate.com/src/go-pkcs12"
)
