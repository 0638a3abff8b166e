// Command oidgen writes pki/inspect/oids_table.go from `openssl list
// -objects`, so OIDs print exactly as the installed openssl prints them:
//
//	go generate ./pki/inspect
//
// It lives beside what it generates; TestOIDTableUpToDate in pki/inspect
// checks that the committed table is what this program makes.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"regexp"
	"strings"
)

func main() {
	out := flag.String("o", "oids_table.go", "file to write")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "oidgen:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	list, err := exec.Command("openssl", "list", "-objects").Output()
	if err != nil {
		return fmt.Errorf("openssl list -objects: %w", err)
	}
	ver, err := exec.Command("openssl", "version").Output()
	if err != nil {
		return fmt.Errorf("openssl version: %w", err)
	}
	series, err := Series(string(ver))
	if err != nil {
		return err
	}
	objs, err := Parse(list)
	if err != nil {
		return err
	}
	src, err := Render(objs, series)
	if err != nil {
		return err
	}
	return os.WriteFile(out, src, 0o644)
}

// Object is one line of `openssl list -objects`.
type Object struct{ OID, Short, Long string }

var (
	// openssl 3.0 prints a few long OIDs (the DSTU curves) cut short with a
	// trailing dot; they are kept as printed: such a key never matches a
	// real OID, so they only cost a line each.
	oidRE     = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*\.?$`)
	versionRE = regexp.MustCompile(`^OpenSSL ([0-9]+\.[0-9]+)\.`)
)

// Series is "OpenSSL 3.0" for `OpenSSL 3.0.19 27 Jan 2026 (...)`: the
// object list changes between minor releases, not patch releases.
func Series(version string) (string, error) {
	m := versionRE.FindStringSubmatch(strings.TrimSpace(version))
	if m == nil {
		return "", fmt.Errorf("openssl version %q: expected \"OpenSSL X.Y.Z ...\"", strings.TrimSpace(version))
	}
	return "OpenSSL " + m[1], nil
}

// Parse reads `SN = LN, OID` and `SN = OID` (short and long name alike)
// lines in openssl's order; comments (objects without an OID) are skipped,
// and an OID listed twice keeps its first names, as OBJ_obj2nid does.
func Parse(list []byte) ([]Object, error) {
	var out []Object
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(list))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		short, rest, ok := strings.Cut(line, " = ")
		if !ok {
			return nil, fmt.Errorf("line %d %q: expected \"SN = LN, OID\"", n, line)
		}
		long, oid := rest, rest
		if i := strings.LastIndex(rest, ", "); i >= 0 {
			long, oid = rest[:i], rest[i+2:]
		} else {
			long = short
		}
		if !oidRE.MatchString(oid) {
			return nil, fmt.Errorf("line %d %q: %q is not a dotted OID", n, line, oid)
		}
		if seen[oid] {
			continue
		}
		seen[oid] = true
		out = append(out, Object{oid, short, long})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no objects in the list")
	}
	return out, nil
}

// Render writes the Go source of the table, gofmt'd.
func Render(objs []Object, series string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated from `openssl list -objects` (%s); DO NOT EDIT.\n\n", series)
	b.WriteString("package inspect\n\n")
	b.WriteString("// opensslObjects maps a dotted OID to openssl's short and long names, so\n// OIDs print exactly as openssl prints them.\n")
	b.WriteString("var opensslObjects = map[string][2]string{\n")
	for _, o := range objs {
		fmt.Fprintf(&b, "\t%q: {%q, %q},\n", o.OID, o.Short, o.Long)
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}
