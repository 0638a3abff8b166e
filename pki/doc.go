// Package pki is pure X.509: keys, subjects, profiles, issuing, CSRs, CRLs,
// encrypted PKCS#8 and decoding of outside material. It never touches the
// file system: every function takes and returns values or bytes.
package pki
