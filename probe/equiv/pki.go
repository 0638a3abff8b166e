package equiv

import (
	"crypto/x509/pkix"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/pkibench/pkibench/pki"
)

// genKey is the openssl command that makes a key of algorithm a (P-256 when
// empty or unknown). genpkey writes private keys 0600.
func genKey(a pki.Algorithm, out string) string {
	switch a {
	case pki.P384:
		return line("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", out)
	case pki.Ed25519:
		return line("openssl", "genpkey", "-algorithm", "ED25519", "-out", out)
	case pki.RSA2048, pki.RSA3072, pki.RSA4096:
		return line("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:"+strings.TrimPrefix(string(a), "rsa"), "-out", out)
	}
	return line("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", out)
}

// digest is the hash flag for a signer of algorithm a, as Go picks it;
// Ed25519 takes none.
func digest(a pki.Algorithm) []string {
	switch a {
	case pki.Ed25519:
		return nil
	case pki.P384:
		return []string{"-sha384"}
	}
	return []string{"-sha256"}
}

func subjectOf(n pkix.Name, name string) string {
	if len(n.Names)+len(n.ExtraNames) == 0 && n.CommonName == "" && len(n.Organization) == 0 {
		return "/CN=" + name
	}
	return pki.FormatNameSlash(n)
}

// CASpec describes a CA to create, as `pkibench ca create` takes it.
type CASpec struct {
	Name    string
	Parent  string        // empty for a root
	Subject pkix.Name     // default CN=<name>
	Algo    pki.Algorithm // default P-256
	// ParentAlgo is the parent's key algorithm: it decides the signature hash.
	ParentAlgo  pki.Algorithm
	Days        int // default 3650 for a root, 1825 for an intermediate
	PathLen     *int
	Constraints pki.NameConstraints
	// Encrypt: the key is written encrypted, as pkibench writes it (PKCS#8
	// PBES2, AES-256-CBC, PBKDF2-HMAC-SHA256, 600,000 iterations), with the
	// passphrase from $PKIBENCH_PASSPHRASE (never on the command line).
	Encrypt bool
}

// PassEnv is the variable the printed commands read a passphrase from.
const PassEnv = "PKIBENCH_PASSPHRASE"

// encryptedKey generates a key and encrypts it before it reaches the disk:
// genpkey's PEM goes straight into pkcs8 -topk8, in a umask 077 subshell.
func encryptedKey(a pki.Algorithm, out string) string {
	gen := strings.TrimSuffix(genKey(a, "-"), " -out -")
	return "(umask 077 && " + gen + " | " + line("openssl", "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA256",
		"-iter", "600000", "-passout", "env:"+PassEnv, "-out", out) + ")"
}

// CreateCA returns the openssl commands that make the CA in the store's
// layout: key, self-signed (or parent-signed) certificate with the root-ca
// or intermediate-ca profile's extensions, chain.pem and the files
// `openssl ca` needs (index.txt, index.txt.attr, crlnumber).
func CreateCA(l Layout, s CASpec) []Command {
	p := l.CA(s.Name)
	days := s.Days
	if days <= 0 {
		days = 3650
		if s.Parent != "" {
			days = 1825
		}
	}
	bc := "critical, CA:TRUE"
	if s.PathLen != nil {
		bc += fmt.Sprintf(", pathlen:%d", *s.PathLen)
	}
	ext := []string{"basicConstraints = " + bc, "keyUsage = critical, keyCertSign, cRLSign", "subjectKeyIdentifier = hash"}
	var passin []string
	if s.Encrypt {
		passin = []string{"-passin", "env:" + PassEnv}
	}
	if s.Parent != "" {
		ext = append(ext, "authorityKeyIdentifier = keyid")
	}
	if nc := nameConstraints(s.Constraints); nc != "" {
		ext = append(ext, "nameConstraints = critical, "+nc)
	}
	cmds := []Command{
		{Shell, "make the CA folder as pkibench lays it out", line("mkdir", "-p", p.NewCerts, p.Dir+"/crl")},
		{OpenSSL, "make the CA's private key", genKey(s.Algo, p.Key)},
		{Shell, "write the " + caProfile(s) + " profile's extensions", heredoc(p.Ext, strings.Join(ext, "\n"))},
		{OpenSSL, "make the request carrying the CA's subject", line(append(append([]string{"openssl", "req", "-new", "-key", p.Key}, passin...), "-subj", subjectOf(s.Subject, s.Name), "-out", p.CSR)...)},
	}
	if s.Encrypt {
		cmds[1] = Command{OpenSSL, "make the CA's private key, encrypted with $" + PassEnv + " (PKCS#8 PBES2 AES-256, PBKDF2-SHA256 600k), never written in the clear", encryptedKey(s.Algo, p.Key)}
	}
	if s.Parent == "" {
		args := append(append([]string{"openssl", "x509", "-req", "-in", p.CSR, "-key", p.Key}, passin...), digest(s.Algo)...)
		args = append(args, "-days", strconv.Itoa(days), "-extfile", p.Ext, "-out", p.Cert)
		cmds = append(cmds,
			Command{OpenSSL, "self-sign the root certificate (random serial)", line(args...)},
			Command{Shell, "chain.pem: a root's chain is itself", line("cp", p.Cert, p.Chain)})
	} else {
		pp := l.CA(s.Parent)
		args := append([]string{"openssl", "x509", "-req", "-in", p.CSR, "-CA", pp.Cert, "-CAkey", pp.Key}, digest(s.ParentAlgo)...)
		args = append(args, "-days", strconv.Itoa(days), "-extfile", p.Ext, "-out", p.Cert)
		cmds = append(cmds,
			Command{OpenSSL, "sign the intermediate with " + s.Parent + "'s key (random serial)", line(args...)},
			Command{Shell, "chain.pem: the CA, then its parents up to the root", line("cat", p.Cert, pp.Chain) + " > " + Quote(p.Chain)})
	}
	return append(cmds, Command{Shell, "the database `openssl ca` keeps (index.txt is openssl's own format)",
		line("touch", p.Index) + " && echo 'unique_subject = no' > " + Quote(p.IndexAttr) + " && echo 01 > " + Quote(p.CRLNumber)})
}

func caProfile(s CASpec) string {
	if s.Parent == "" {
		return string(pki.ProfileRootCA)
	}
	return string(pki.ProfileIntermediateCA)
}

func nameConstraints(c pki.NameConstraints) string {
	var parts []string
	add := func(kind, typ string, vs []string) {
		for _, v := range vs {
			parts = append(parts, kind+";"+typ+":"+v)
		}
	}
	nets := func(ns []*net.IPNet) []string {
		var out []string
		for _, n := range ns {
			out = append(out, n.IP.String()+"/"+net.IP(n.Mask).String())
		}
		return out
	}
	add("permitted", "DNS", c.PermittedDNS)
	add("excluded", "DNS", c.ExcludedDNS)
	add("permitted", "IP", nets(c.PermittedIP))
	add("excluded", "IP", nets(c.ExcludedIP))
	add("permitted", "email", c.PermittedEmail)
	add("excluded", "email", c.ExcludedEmail)
	return strings.Join(parts, ", ")
}

// IssueSpec describes a certificate to issue, as `pkibench issue` takes it.
type IssueSpec struct {
	Name    string
	CA      string
	Profile pki.Profile // default server
	Subject pkix.Name   // default CN=<name>
	DNS     []string
	IPs     []net.IP
	Emails  []string
	URIs    []string
	Algo    pki.Algorithm // the new key's; default P-256
	// CAAlgo is the issuing CA's key algorithm: it decides the signature hash.
	CAAlgo pki.Algorithm
	Days   int // default 365
	CRLURL string
	AIAURL string
}

// Extensions is the extfile body giving a leaf profile's extensions, the
// same ones pkibench puts in (pki.Template).
func (s IssueSpec) Extensions() string {
	profile := s.Profile
	if profile == "" {
		profile = pki.ProfileServer
	}
	ku := "critical, digitalSignature"
	if isRSA(s.Algo) && profile != pki.ProfileClient {
		ku += ", keyEncipherment"
	}
	eku := map[pki.Profile]string{pki.ProfileServer: "serverAuth", pki.ProfileClient: "clientAuth",
		pki.ProfileServerClient: "serverAuth, clientAuth"}[profile]
	ext := []string{"basicConstraints = critical, CA:FALSE", "keyUsage = " + ku}
	if eku != "" {
		ext = append(ext, "extendedKeyUsage = "+eku)
	}
	var san []string
	for _, d := range s.DNS {
		san = append(san, "DNS:"+d)
	}
	for _, ip := range s.IPs {
		san = append(san, "IP:"+ip.String())
	}
	for _, e := range s.Emails {
		san = append(san, "email:"+e)
	}
	for _, u := range s.URIs {
		san = append(san, "URI:"+u)
	}
	if len(san) > 0 {
		ext = append(ext, "subjectAltName = "+strings.Join(san, ", "))
	}
	ext = append(ext, "subjectKeyIdentifier = hash", "authorityKeyIdentifier = keyid")
	if s.CRLURL != "" {
		ext = append(ext, "crlDistributionPoints = URI:"+s.CRLURL)
	}
	if s.AIAURL != "" {
		ext = append(ext, "authorityInfoAccess = caIssuers;URI:"+s.AIAURL)
	}
	return strings.Join(ext, "\n")
}

func isRSA(a pki.Algorithm) bool { return strings.HasPrefix(string(a), "rsa") }

// Issue returns the openssl commands for `pkibench issue`: a key, a CSR,
// the CA's signature with an extfile giving the profile's extensions, and
// chain.pem / fullchain.pem / root.pem. (openssl x509 -req does not record the
// certificate in index.txt; `openssl ca -extfile` would.)
func Issue(l Layout, s IssueSpec) []Command {
	p, ca := l.Cert(s.Name), l.CA(s.CA)
	days := s.Days
	if days <= 0 {
		days = 365
	}
	profile := s.Profile
	if profile == "" {
		profile = pki.ProfileServer
	}
	args := append([]string{"openssl", "x509", "-req", "-in", p.CSR, "-CA", ca.Cert, "-CAkey", ca.Key}, digest(s.CAAlgo)...)
	args = append(args, "-days", strconv.Itoa(days), "-extfile", p.Ext, "-out", p.Cert)
	return []Command{
		{Shell, "make the certificate's folder", line("mkdir", "-p", p.Dir)},
		{OpenSSL, "make the private key", genKey(s.Algo, p.Key)},
		{OpenSSL, "make the certificate signing request (CSR)", line("openssl", "req", "-new", "-key", p.Key, "-subj", subjectOf(s.Subject, s.Name), "-out", p.CSR)},
		{Shell, "write the " + string(profile) + " profile's extensions", heredoc(p.Ext, s.Extensions())},
		{OpenSSL, "sign the request with " + s.CA + "'s key (random serial)", line(args...)},
		{Shell, "chain.pem = the intermediates, root.pem = the root (the CA's chain.pem without its last certificate, and that one)",
			line("awk", splitAWK+"for(i=1;i<n;i++) printf \"%s\", c[i]}", ca.Chain) + " > " + Quote(p.Chain) + " && " +
				line("awk", splitAWK+"printf \"%s\", c[n]}", ca.Chain) + " > " + Quote(p.Root)},
		{Shell, "fullchain.pem = the certificate then the intermediates (what a TLS peer sends; never the root)",
			line("cat", p.Cert, p.Chain) + " > " + Quote(p.FullChain)},
	}
}

// splitAWK numbers the PEM blocks of a file (c[1] .. c[n]); the END
// clause that follows picks which to print.
const splitAWK = `/-BEGIN CERTIFICATE-/{n++} {c[n]=c[n] $0 ORS} END{`

// CAConfig writes the minimal `openssl ca` configuration that points at
// the pkibench CA folder: its index.txt is openssl's format already.
func CAConfig(l Layout, ca string, crlDays int) Command {
	p := l.CA(ca)
	if crlDays <= 0 {
		crlDays = 30
	}
	body := strings.Join([]string{
		"[ ca ]", "default_ca = pkibench", "",
		"[ pkibench ]",
		"database = " + p.Index,
		"new_certs_dir = " + p.NewCerts,
		"certificate = " + p.Cert,
		"private_key = " + p.Key,
		"crlnumber = " + p.CRLNumber,
		"default_md = default",
		"default_days = 365",
		"default_crl_days = " + strconv.Itoa(crlDays),
		"unique_subject = no",
		"rand_serial = yes",
		"policy = policy_any",
		"", "[ policy_any ]", "commonName = optional",
	}, "\n")
	return Command{Shell, "a minimal `openssl ca` configuration pointing at the CA folder", heredoc(p.Config, body)}
}

// openSSLReason reports whether `openssl ca -crl_reason` accepts r.
func openSSLReason(r string) bool {
	switch r {
	case "unspecified", "keyCompromise", "CACompromise", "affiliationChanged", "superseded", "cessationOfOperation", "certificateHold":
		return true
	}
	return false
}

// Revoke returns the commands for `pkibench revoke NAME` followed by
// `pkibench crl CA`: openssl ca marks the line R in index.txt, then signs
// a new CRL. certFile is the certificate's PEM (certs/NAME/cert.pem).
func Revoke(l Layout, ca, certFile string, reason pki.Reason, crlDays int) []Command {
	r := reason.String()
	purpose := "mark it revoked (R) in index.txt with reason " + r
	if !openSSLReason(r) {
		purpose += " (openssl ca knows no " + r + ": it records unspecified)"
		r = "unspecified"
	}
	cmds := []Command{CAConfig(l, ca, crlDays),
		{OpenSSL, purpose, line("openssl", "ca", "-config", l.CA(ca).Config, "-revoke", certFile, "-crl_reason", r)}}
	return append(cmds, PublishCRL(l, ca, crlDays)[1:]...)
}

// PublishCRL returns the commands for `pkibench crl CA`: sign a CRL from
// index.txt (crlnumber advances) and write crl.pem and crl.der.
func PublishCRL(l Layout, ca string, crlDays int) []Command {
	p := l.CA(ca)
	if crlDays <= 0 {
		crlDays = 30
	}
	return []Command{CAConfig(l, ca, crlDays),
		{OpenSSL, fmt.Sprintf("sign a CRL of the revoked lines, valid %d days", crlDays),
			line("openssl", "ca", "-config", p.Config, "-gencrl", "-crldays", strconv.Itoa(crlDays), "-out", p.CRL)},
		{OpenSSL, "the same CRL in DER (what a CRL distribution point serves)", line("openssl", "crl", "-in", p.CRL, "-outform", "DER", "-out", p.CRLDER)},
		{OpenSSL, "check the CRL's signature and show it", line("openssl", "crl", "-in", p.CRL, "-CAfile", p.Chain, "-noout", "-text")},
	}
}

// Inspect returns the commands that show what `pkibench inspect` shows.
func Inspect(path string, kind pki.Kind, der bool) []Command {
	in := []string{"-in", path}
	if der {
		in = append(in, "-inform", "DER")
	}
	with := func(args ...string) string {
		a := append([]string{"openssl", args[0]}, in...)
		return line(append(a, args[1:]...)...)
	}
	switch kind {
	case pki.KindCSR:
		return []Command{{OpenSSL, "show the request and check its self-signature", with("req", "-noout", "-text", "-verify")}}
	case pki.KindCRL:
		return []Command{{OpenSSL, "show the CRL", with("crl", "-noout", "-text")}}
	case pki.KindPrivateKey, pki.KindEncryptedKey:
		return []Command{{OpenSSL, "show the key (asks for the passphrase when it is encrypted)", with("pkey", "-noout", "-text")}}
	}
	return []Command{
		{OpenSSL, "show the certificate", with("x509", "-noout", "-text")},
		{OpenSSL, "SHA-256 and SHA-1 fingerprints", with("x509", "-noout", "-fingerprint", "-sha256") + " && " + with("x509", "-noout", "-fingerprint", "-sha1")},
	}
}

// VerifySpec describes a `pkibench verify`.
type VerifySpec struct {
	Leaf string
	// Roots are trust anchor files; openssl takes one -CAfile, so several
	// are bundled first into BundleFile.
	Roots         []string
	Intermediates []string
	CRLs          []string
	Usage         string // server, client or ""
	Name          string // DNS name or IP the peer was dialled with
	At            time.Time
}

// BundleFile is where several trust files are concatenated for tools that
// take one (openssl -CAfile, curl --cacert), in the current folder.
const BundleFile = "pkibench-trust.pem"

// bundle returns the one trust file to pass, and the command making it.
func bundle(files []string) (string, []Command) {
	switch len(files) {
	case 0:
		return "", nil
	case 1:
		return files[0], nil
	}
	return BundleFile, []Command{{Shell, "openssl and curl take one CA file: bundle the trusted CAs", line(append([]string{"cat"}, files...)...) + " > " + BundleFile}}
}

// Verify returns the openssl verify command for s.
func Verify(s VerifySpec) []Command {
	root, cmds := bundle(s.Roots)
	args := []string{"openssl", "verify"}
	if root != "" {
		args = append(args, "-CAfile", root)
	}
	for _, i := range s.Intermediates {
		args = append(args, "-untrusted", i)
	}
	switch len(s.CRLs) {
	case 0:
	case 1:
		args = append(args, "-crl_check")
	default:
		args = append(args, "-crl_check_all")
	}
	for _, c := range s.CRLs {
		args = append(args, "-CRLfile", c)
	}
	switch s.Usage {
	case "server":
		args = append(args, "-purpose", "sslserver")
	case "client":
		args = append(args, "-purpose", "sslclient")
	}
	if s.Name != "" {
		if net.ParseIP(s.Name) != nil {
			args = append(args, "-verify_ip", s.Name)
		} else {
			args = append(args, "-verify_hostname", s.Name)
		}
	}
	if !s.At.IsZero() {
		args = append(args, "-attime", strconv.FormatInt(s.At.Unix(), 10))
	}
	args = append(args, s.Leaf)
	return append(cmds, Command{OpenSSL, "verify the chain as a TLS peer would", line(args...)})
}
