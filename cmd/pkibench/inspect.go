package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/inspect"
	"github.com/pkibench/pkibench/pki/lint"
	"github.com/pkibench/pkibench/probe/equiv"
)

// inspectOutput is what inspect prints, as text or JSON.
type inspectOutput struct {
	Source    string             `json:"source"`
	Documents []inspect.Document `json:"documents"`
	Chain     []inspect.Link     `json:"chain"` // [] without --chain
}

func (a *app) inspectCommand() *cobra.Command {
	var chain, explain, showPEM, lintIt bool
	var at string
	c := &cobra.Command{
		Use:   "inspect TARGET",
		Short: "Show a certificate, CSR, CRL or key the way openssl -text does, with fingerprints and problems flagged",
		Long: `inspect prints TARGET (a store name, CA/SERIAL, or any PEM/DER file, bundles
too) in the layout of openssl x509 -text -noout (req -text, crl -text, pkey
-text), then the SHA-256 and SHA-1 fingerprints and every note, warning and
problem it found (expired, SHA-1, CN-only, missing EKU, weak key ...).
--explain adds a line for newcomers under each field; --chain shows the chain
leaf to root with the status of each link. Never creates a store.`,
		Example: `  pkibench inspect invoice-server --explain
  pkibench inspect abc/46FB07C40CCBCD4E6EE9D8C1B6CD7362
  pkibench inspect mail-server/server.cert --chain`,
		Args: exactArgs(1, "TARGET"),
		RunE: func(cmd *cobra.Command, args []string) error {
			now := time.Now()
			if at != "" {
				t, err := parseTime("--at", at, now, pki.ClockRange())
				if err != nil {
					return err
				}
				now = t
			}
			if !a.json && !chain && !a.showCommands {
				return a.inspectStream(args[0], now, explain, showPEM, lintIt)
			}
			tg, err := a.loadTarget(args[0], true)
			if err != nil {
				return err
			}
			if a.showCommands {
				return a.printCommands(equiv.Inspect(tg.source, tg.objs[0].Kind, tg.objs[0].Format == "DER"))
			}
			out := inspectOutput{Source: tg.source, Documents: make([]inspect.Document, 0, len(tg.objs))}
			for _, o := range tg.objs {
				out.Documents = append(out.Documents, inspect.FromObjectPEM(o, now, showPEM))
			}
			if lintIt {
				for i := range out.Documents {
					if err := lint.Document(&out.Documents[i]); err != nil {
						return err
					}
				}
			}
			if chain {
				certs := pki.Certificates(tg.objs)
				if len(certs) == 0 {
					return fmt.Errorf("%s: --chain needs a certificate (found %s)", tg.source, kinds(tg.objs))
				}
				rest := certs[1:]
				if tg.st != nil {
					if id, err := tg.st.Identity(args[0], nil); err == nil {
						rest = id.Chain
					}
				}
				out.Chain = inspect.Chain(certs[0], rest, now)
			}
			if !showPEM {
				for i := range out.Documents {
					out.Documents[i].PEM = ""
				}
			}
			if a.json {
				if out.Chain == nil {
					out.Chain = []inspect.Link{}
				}
				return a.printInspectJSON(out)
			}
			a.printf("%s", inspectText(out, explain, showPEM))
			return nil
		},
	}
	c.Flags().BoolVar(&chain, "chain", false, "show the chain leaf to root with each link's status")
	c.Flags().BoolVar(&explain, "explain", false, "explain every field in one line for newcomers")
	c.Flags().BoolVar(&showPEM, "pem", false, "print the PEM too")
	c.Flags().BoolVar(&lintIt, "lint", false, "also run zlint v3 (RFC 5280 and CA/Browser Forum lints) and list its results as findings")
	c.Flags().StringVar(&at, "at", "", "judge validity at this time, years 1950-9999: "+pki.TimeForms)
	a.addCommandsFlag(c)
	return c
}

// inspectStream prints the text view one object at a time, as each is
// decoded, so a bundle of tens of thousands of blocks or a CRL of hundreds
// of thousands of entries costs the memory of one object, not of all.
func (a *app) inspectStream(t string, now time.Time, explain, showPEM, lintIt bool) error {
	tg, data, err := a.readTarget(t)
	if err != nil {
		return err
	}
	n := pki.CountObjects(data)
	i := 0
	emit := func(d inspect.Document) error {
		if lintIt {
			if err := lint.Document(&d); err != nil {
				return err
			}
		}
		// The document goes straight out as it is rendered; only the
		// fingerprints and findings are built first.
		if n > 1 {
			a.printf("# %d of %d: %s\n", i+1, n, d.Title)
		}
		i++
		if explain {
			// The explained view carries fingerprints and findings under their fields.
			if err := inspect.WriteTextExplained(a.stdout, d); err != nil {
				return err
			}
		} else {
			if err := inspect.WriteText(a.stdout, d); err != nil {
				return err
			}
			var b strings.Builder
			inspectDocTail(&b, d, false)
			a.printf("%s", b.String())
		}
		if showPEM && d.PEM != "" {
			_, err := io.WriteString(a.stdout, d.PEM)
			return err
		}
		return nil
	}
	if n != 1 {
		return inspect.Each(data, tg.source, now, showPEM, emit)
	}
	// One object, such as a CRL of 300,000 entries: decode it, then let go
	// of the file's text (18 MB of PEM for that CRL) before rendering it.
	objs, err := pki.DecodeLenient(data, tg.source)
	data = nil
	if err != nil {
		return err
	}
	for _, o := range objs {
		if err := emit(inspect.FromObjectPEM(o, now, showPEM)); err != nil {
			return err
		}
	}
	return nil
}

func inspectText(out inspectOutput, explain, showPEM bool) string {
	var b strings.Builder
	for i, d := range out.Documents {
		inspectDocText(&b, d, i, len(out.Documents), explain, showPEM)
	}
	if len(out.Chain) > 0 {
		b.WriteString("Chain:\n")
		b.WriteString(inspect.TextChain(out.Chain))
	}
	return b.String()
}

// inspectDocText writes document i of n.
func inspectDocText(b *strings.Builder, d inspect.Document, i, n int, explain, showPEM bool) {
	if n > 1 {
		fmt.Fprintf(b, "# %d of %d: %s\n", i+1, n, d.Title)
	}
	if explain {
		// The explained view carries fingerprints and findings under their fields.
		b.WriteString(inspect.TextExplained(d))
		if showPEM && d.PEM != "" {
			b.WriteString(d.PEM)
		}
		return
	}
	b.WriteString(inspect.Text(d))
	inspectDocTail(b, d, showPEM)
}

// inspectDocTail is what follows the openssl text: fingerprints, findings
// and, with --pem, the PEM.
func inspectDocTail(b *strings.Builder, d inspect.Document, showPEM bool) {
	if d.Fingerprints != nil {
		fmt.Fprintf(b, "SHA256 Fingerprint=%s\nSHA1 Fingerprint=%s\n", d.Fingerprints.SHA256, d.Fingerprints.SHA1)
	}
	if fs := d.Findings(); len(fs) > 0 {
		b.WriteString("Findings:\n")
		for _, f := range fs {
			src := ""
			if f.Source != "" {
				src = f.Source + " "
			}
			fmt.Fprintf(b, "  %-8s %s%s (%s)\n", f.Severity, src, f.Message, f.Path)
		}
	}
	if showPEM && d.PEM != "" {
		b.WriteString(d.PEM)
	}
}

// printInspectJSON writes what printJSON(out) writes, each document with
// Document.WriteJSON: the JSON of a big CRL's entries (80 MB at 300,000)
// is written as it is made instead of being built, indented and escaped
// in memory whole.
func (a *app) printInspectJSON(out inspectOutput) error {
	w := jsonControlWriter{a.rawOut()}
	src, err := json.Marshal(out.Source)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "{\n  \"source\": %s,\n  \"documents\": ", src); err != nil {
		return err
	}
	if len(out.Documents) == 0 {
		b, _ := json.Marshal(out.Documents)
		if _, err := w.Write(b); err != nil {
			return err
		}
	} else {
		for i, d := range out.Documents {
			sep := ",\n    "
			if i == 0 {
				sep = "[\n    "
			}
			if _, err := io.WriteString(w, sep); err != nil {
				return err
			}
			if err := d.WriteJSON(w, "    ", "  "); err != nil {
				return err
			}
		}
		if _, err := io.WriteString(w, "\n  ]"); err != nil {
			return err
		}
	}
	chain, err := json.MarshalIndent(out.Chain, "  ", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, ",\n  \"chain\": %s\n}\n", chain)
	return err
}

// jsonControlWriter applies jsonEscapeControls to every write; its writers
// never split a character or an escape between writes.
type jsonControlWriter struct{ w io.Writer }

func (j jsonControlWriter) Write(p []byte) (int, error) {
	if _, err := j.w.Write(jsonEscapeControls(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}
