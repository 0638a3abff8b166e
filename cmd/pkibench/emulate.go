package main

import (
	"strings"

	"github.com/spf13/pflag"

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
