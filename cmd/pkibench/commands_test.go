package main

import (
	"strings"
	"testing"

	"github.com/pkibench/pkibench/pki/testtool"
)

// --commands prints the equivalent commands and changes nothing.
func TestCommandsFlag(t *testing.T) {
	dir := seedStore(t)
	before := testtool.Snapshot(t, dir)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"ca", "create", "newca", "--commands"}, "openssl genpkey"},
		{[]string{"issue", "web2", "--ca", "abc", "--dns", "localhost", "--commands"}, "openssl x509 -req"},
		{[]string{"revoke", "mail-server", "--commands"}, "openssl ca"},
		{[]string{"crl", "abc", "--commands"}, "-gencrl"},
		{[]string{"inspect", "invoice-server", "--commands"}, "openssl x509"},
		{[]string{"verify", "invoice-server", "--name", "localhost", "--commands"}, "openssl verify"},
		{[]string{"probe", "--client", "mail-server", "--server", "invoice-server", "--commands"}, "curl"},
		{[]string{"serve", "--server", "invoice-server", "--commands"}, "--cacert"},
	} {
		out := mustPB(t, dir, c.args...)
		if !strings.Contains(out, c.want) {
			t.Errorf("%v: output lacks %q:\n%s", c.args, c.want, out)
		}
	}
	testtool.SameSnapshot(t, before, testtool.Snapshot(t, dir))
}
