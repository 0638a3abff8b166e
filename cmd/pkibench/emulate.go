package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/pkibench/pkibench/pki"
	"github.com/pkibench/pkibench/pki/verify"
)

// addEmulateFlag registers --emulate, one list for probe and verify.
func addEmulateFlag(fl *pflag.FlagSet, p *string) {
	names := make([]string, len(verify.Clients))
	for i, c := range verify.Clients {
		names[i] = string(c)
	}
	fl.StringVar(p, "emulate", string(verify.ClientCurl), "judge as this client: "+strings.Join(names, ", ")+
		" (curl, openssl and node accept a name found only in a CN-only certificate, with a warning; go and browser refuse it; go also withholds a certificate the server did not ask for)")
}

// systemRootFiles are where curl finds the system's roots by default
// (Debian and Ubuntu, then Fedora and RHEL, then Alpine and SUSE).
var systemRootFiles = []string{"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem"}

// systemRoots reads the first system bundle that exists, as curl does when
// given no --cacert: with it a probe can reproduce curl's error 60
// ("unable to get local issuer certificate").
func systemRoots() ([]*x509.Certificate, error) {
	for _, p := range systemRootFiles {
		b, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("--system-roots: %w", err)
		}
		objs, err := pki.Decode(b, p)
		if err != nil {
			return nil, fmt.Errorf("--system-roots: %w", err)
		}
		certs := pki.Certificates(objs)
		if len(certs) == 0 {
			return nil, fmt.Errorf("--system-roots: %s holds no certificates", p)
		}
		return certs, nil
	}
	return nil, fmt.Errorf("--system-roots: no system bundle found (looked for %s; install ca-certificates)", strings.Join(systemRootFiles, ", "))
}
