package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkibench/pkibench/pki"
)

// ExportFormats lists what Export writes.
var ExportFormats = []string{"pem", "der", "chain", "fullchain", "p12", "key"}

// Export returns a target's certificate in the given format (key: the
// private key file as the store keeps it): pem (the
// certificate), der, chain (the intermediates only), fullchain (the
// certificate then the intermediates; no root) or p12. For p12 the
// password protects the file; the key must be in the store.
func (s *Store) Export(target, format string, pass PassphraseFunc) ([]byte, error) {
	if format == "key" {
		// The key file as the store keeps it: encrypted stays encrypted.
		dir, _, keyFile, err := s.identityFiles(target)
		if err != nil {
			return nil, err
		}
		b, err := os.ReadFile(filepath.Join(dir, keyFile))
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no private key in the store (the key stayed with whoever made it)", target)
		}
		return b, err
	}
	id, err := s.identity(target, pass, format == "p12")
	if err != nil {
		return nil, err
	}
	switch format {
	case "pem", "":
		return pki.EncodeCertPEM(id.Cert.Raw), nil
	case "der":
		return id.Cert.Raw, nil
	case "chain", "fullchain":
		// certbot's convention: the intermediates, the leaf first for
		// fullchain; never the root, which the verifier already holds.
		lf := splitChain(pki.EncodeCertPEM(id.Cert.Raw), id.Chain)
		if format == "fullchain" {
			return lf.fullchain, nil
		}
		return lf.chain, nil
	case "p12":
		if id.Key == nil {
			return nil, fmt.Errorf("%s: no private key in the store, a PKCS#12 needs one", target)
		}
		if pass == nil {
			return nil, ErrPassphraseNeeded
		}
		pw, err := pass("the password for the PKCS#12 file")
		if err != nil {
			return nil, err
		}
		// The store name is the key entry's friendlyName (keytool's alias).
		return pki.EncodePKCS12(id.Key, id.Cert, id.Chain, string(pw), target)
	}
	return nil, fmt.Errorf("unknown export format %q (expected one of %s)", format, strings.Join(ExportFormats, ", "))
}

// TargetFile resolves an inspect target inside the store: a certificate,
// CA or import name, or CA/SERIAL. It returns "" and no error when target
// is not a store name (the caller then treats it as a file).
func (s *Store) TargetFile(target string) (string, error) {
	if ca, serial, ok := strings.Cut(target, "/"); ok && CheckName(ca) == nil && exists(s.caDir(ca)) {
		p := filepath.Join(s.caDir(ca), "certs", strings.ToUpper(serial)+".pem")
		if exists(p) {
			return p, nil
		}
		return "", &NotFoundError{"serial " + serial + " in CA", ca}
	}
	if CheckName(target) != nil {
		return "", nil
	}
	for _, p := range []string{
		filepath.Join(s.certDir(target), "cert.pem"), filepath.Join(s.caDir(target), "ca.crt"),
		filepath.Join(s.impDir(target), "cert.pem"), filepath.Join(s.impDir(target), "csr.pem"),
		filepath.Join(s.impDir(target), "crl.pem"), filepath.Join(s.certDir(target), "csr.pem"),
	} {
		if exists(p) {
			return p, nil
		}
	}
	return "", nil
}

func readFileBytes(p string) ([]byte, error) { return os.ReadFile(p) }

// ExportFileError refuses an export's output file.
type ExportFileError struct {
	Path   string
	Reason string
}

func (e *ExportFileError) Error() string { return fmt.Sprintf("export to %s: %s", e.Path, e.Reason) }

// WriteExport is the one rule for writing an export to a file, for the CLI
// and the TUI alike:
//   - never a file inside the store (an export must not replace a key, a
//     certificate or the index, whatever path leads there);
//   - never through a symbolic link (the last component is not followed);
//   - an existing file is replaced only when replace is set (CLI --force);
//   - the file is written whole (temporary file, rename), so a key-bearing
//     export (keyBearing: PKCS#12) is 0600 whatever mode an old file had.
func (s *Store) WriteExport(path string, data []byte, keyBearing, replace bool) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return &ExportFileError{path, fmt.Sprintf("its folder: %v", err)}
	}
	root, err := filepath.EvalSymlinks(s.root)
	if err != nil {
		return err
	}
	if rel, err := filepath.Rel(root, dir); err == nil && filepath.IsLocal(rel) || dir == root {
		return &ExportFileError{path, "it is inside the store " + s.root + "; export to a file outside it"}
	}
	final := filepath.Join(dir, filepath.Base(abs))
	if fi, err := os.Lstat(final); err == nil {
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			return &ExportFileError{path, "it is a symbolic link; exports never write through links"}
		case !fi.Mode().IsRegular():
			return &ExportFileError{path, "it exists and is not a regular file"}
		case !replace:
			return &ExportFileError{path, "the file exists; an export never overwrites one unless asked (--force)"}
		}
	}
	perm := os.FileMode(0o644)
	if keyBearing {
		perm = 0o600
	}
	f, err := os.CreateTemp(dir, ".pkibench-export-*")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("export: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if !replace {
		// Link (not rename): fails if the file appeared meanwhile.
		if err := os.Link(tmp, final); err != nil {
			return &ExportFileError{path, fmt.Sprintf("could not create it: %v", err)}
		}
		return nil
	}
	return os.Rename(tmp, final)
}

// KeyExportWarning is what a front end says before or after exporting
// name's key (data as Export returned it).
func KeyExportWarning(name string, data []byte) string {
	state := "NOT encrypted: whoever reads the file"
	if objs, err := pki.Decode(data, name); err == nil && len(objs) == 1 && objs[0].Kind == pki.KindEncryptedKey {
		state = "encrypted with its store passphrase; whoever has the file and the passphrase"
	}
	return fmt.Sprintf("warning: this is %s's private key, %s can act as %s (a CA's key signs any certificate); the file is written 0600", name, state, name)
}

// KeyBearing reports whether an export format carries the private key.
func KeyBearing(format string) bool { return format == "p12" || format == "key" }
