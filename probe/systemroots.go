package probe

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/pkibench/pkibench/pki"
)

// SystemRootFiles are where curl finds the system's roots by default
// (Debian and Ubuntu, then Fedora and RHEL, then Alpine and SUSE).
func SystemRootFiles() []string {
	return []string{"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem"}
}

// SystemRoots reads the first system bundle that exists, as curl does when
// given no --cacert: with it a probe can reproduce curl's error 60
// ("unable to get local issuer certificate"). The CLI (--system-roots) and
// the TUI (System roots) load them here, and set Request.SystemRoots.
func SystemRoots() ([]*x509.Certificate, error) {
	return systemRootsFrom(SystemRootFiles())
}

func systemRootsFrom(files []string) ([]*x509.Certificate, error) {
	for _, p := range files {
		b, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("system roots: %w", err)
		}
		objs, err := pki.Decode(b, p)
		if err != nil {
			return nil, fmt.Errorf("system roots: %w", err)
		}
		certs := pki.Certificates(objs)
		if len(certs) == 0 {
			return nil, fmt.Errorf("system roots: %s holds no certificates", p)
		}
		return certs, nil
	}
	return nil, fmt.Errorf("system roots: no system bundle found (looked for %s; install ca-certificates)", strings.Join(files, ", "))
}
