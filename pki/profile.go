package pki

import (
	"fmt"
	"strings"
)

// Profile is a named set of extensions for one kind of certificate.
type Profile string

const (
	ProfileRootCA         Profile = "root-ca"
	ProfileIntermediateCA Profile = "intermediate-ca"
	ProfileServer         Profile = "server"
	ProfileClient         Profile = "client"
	ProfileServerClient   Profile = "server-client"
)

// Profiles lists every profile.
var Profiles = []Profile{ProfileRootCA, ProfileIntermediateCA, ProfileServer, ProfileClient, ProfileServerClient}

// LeafProfiles are the profiles issue and sign accept.
var LeafProfiles = []Profile{ProfileServer, ProfileClient, ProfileServerClient}

// ParseProfile accepts a profile name.
func ParseProfile(s string) (Profile, error) {
	for _, p := range Profiles {
		if strings.EqualFold(s, string(p)) {
			return p, nil
		}
	}
	return "", fmt.Errorf("unknown profile %q (expected one of root-ca, intermediate-ca, server, client, server-client)", s)
}

// IsCA reports whether certificates of this profile are CAs.
func (p Profile) IsCA() bool { return p == ProfileRootCA || p == ProfileIntermediateCA }

// Describe says in one line what the profile puts in a certificate.
func (p Profile) Describe() string {
	switch p {
	case ProfileRootCA:
		return "CA:TRUE (critical), keyCertSign + cRLSign (critical), subject key id"
	case ProfileIntermediateCA:
		return "CA:TRUE (critical) with optional pathlen, keyCertSign + cRLSign (critical), subject and authority key ids"
	case ProfileServer:
		return "digitalSignature (+keyEncipherment for RSA), EKU serverAuth, SAN required"
	case ProfileClient:
		return "digitalSignature, EKU clientAuth"
	case ProfileServerClient:
		return "digitalSignature (+keyEncipherment for RSA), EKU serverAuth + clientAuth"
	}
	return ""
}
