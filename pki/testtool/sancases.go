package testtool

// SANCase is one row of the table both front ends test their one SAN
// field or flag against (the CLI's --san and the TUI issue form), so the
// two say the same thing about the same input.
type SANCase struct {
	Input string // as typed: comma-separated
	// Want lists the SANs as openssl prints them, in the certificate's
	// order (DNS, email, IP, URI), when the input is accepted.
	Want []string
	// Err is how the message starts when the input is refused (after the
	// front end's own prefix, "--san: " in the CLI).
	Err string
}

// SANCases is the shared table.
func SANCases() []SANCase {
	return []SANCase{
		{Input: "127.0.0.1, ops@example.com", Want: []string{"email:ops@example.com", "IP Address:127.0.0.1"}},
		{Input: "localhost, ::1, spiffe://example.org/web", Want: []string{"DNS:localhost", "IP Address:0:0:0:0:0:0:0:1", "URI:spiffe://example.org/web"}},
		{Input: "*.example.com", Want: []string{"DNS:*.example.com"}},
		{Input: "foo bar", Err: `dns "foo bar": character ' ' is not allowed`},
		{Input: "-bad-", Err: `dns "-bad-": label "-bad-" starts or ends with a hyphen`},
		{Input: "a..b", Err: `dns "a..b": has an empty label`},
		{Input: "a b@example.com", Err: `email "a b@example.com": the local part contains a space`},
		{Input: "ops@bad_domain", Err: `email "ops@bad_domain": the domain "bad_domain" is not a DNS name`},
		{Input: "a.*.example.com", Err: `dns "a.*.example.com": a wildcard is only allowed as the whole leftmost label`},
		{Input: "example.com.", Err: `dns "example.com.": ends with a dot`},
	}
}
