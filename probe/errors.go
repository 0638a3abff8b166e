package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"reflect"
	"strings"
	"syscall"

	"github.com/pkibench/pkibench/pki/verify"
)

// noAlert marks facts without a TLS alert.
const noAlert = -1

// TLS alert numbers (RFC 8446 6) that the classification branches on.
const (
	alertBadRecordMAC         = 20
	alertHandshakeFailure     = 40
	alertBadCertificate       = 42
	alertUnsupportedCert      = 43
	alertCertificateRevoked   = 44
	alertCertificateExpired   = 45
	alertCertificateUnknown   = 46
	alertUnknownCA            = 48
	alertAccessDenied         = 49
	alertProtocolVersion      = 70
	alertInsufficientSecurity = 71
	alertInternalError        = 80
	alertCertificateRequired  = 116
)

// errFacts is what an error from crypto/tls or net says, read from its
// types; text is consulted only for the few conditions crypto/tls reports
// as plain strings.
type errFacts struct {
	err      error
	alert    int // the alert the peer sent, noAlert if none
	sent     int // an alert this side sent (tls.AlertError or "local error"), noAlert if none
	refused  bool
	timeout  bool
	closed   bool // EOF or reset without an alert
	notTLS   bool
	finding  *verify.Finding
	cve      *tls.CertificateVerificationError
	x509     error // an x509 verification error not wrapped in cve
	noCert   bool  // crypto/tls: the client sent no certificate but one is required
	version  bool  // crypto/tls: no common protocol version
	noCipher bool  // crypto/tls: no common cipher suite
}

func factsOf(err error) errFacts {
	f := errFacts{err: err, alert: noAlert, sent: noAlert}
	if err == nil {
		return f
	}
	f.alert = opAlert(err, "remote error")
	f.sent = opAlert(err, "local error")
	if ae, ok := errors.AsType[tls.AlertError](err); ok {
		f.sent = int(ae)
	}
	f.finding, _ = errors.AsType[*verify.Finding](err)
	f.cve, _ = errors.AsType[*tls.CertificateVerificationError](err)
	_, f.notTLS = errors.AsType[tls.RecordHeaderError](err)
	if f.cve == nil {
		f.x509 = x509Error(err)
	}
	f.refused = errors.Is(err, syscall.ECONNREFUSED)
	f.timeout = isTimeout(err)
	f.closed = f.alert == noAlert && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED))
	// crypto/tls reports these only as text (no exported type exists).
	msg := err.Error()
	f.noCert = strings.Contains(msg, "didn't provide a certificate")
	f.version = strings.Contains(msg, "unsupported versions") || strings.Contains(msg, "unsupported protocol version") ||
		strings.Contains(msg, "no supported versions")
	f.noCipher = strings.Contains(msg, "no cipher suite supported") || strings.Contains(msg, "no ECDHE curve") ||
		strings.Contains(msg, "no mutually supported")
	return f
}

// receivedAlert is the alert the peer sent, or noAlert.
func receivedAlert(err error) int { return opAlert(err, "remote error") }

// opAlert digs the alert number out of crypto/tls's "remote error" (an
// alert received) or "local error" (one sent): a *net.OpError whose Err has
// the unexported type tls.alert (a uint8).
func opAlert(err error, kind string) int {
	op, ok := errors.AsType[*net.OpError](err)
	if !ok || op.Op != kind || op.Err == nil {
		return noAlert
	}
	v := reflect.ValueOf(op.Err)
	if v.Kind() != reflect.Uint8 || v.Type().PkgPath() != "crypto/tls" {
		return noAlert
	}
	return int(v.Uint())
}

// alertName is the alert as crypto/tls names it, e.g. "bad certificate".
func alertName(a int) string {
	return strings.TrimPrefix(tls.AlertError(uint8(a)).Error(), "tls: ")
}

func isTimeout(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	ne, ok := errors.AsType[net.Error](err)
	return ok && ne.Timeout()
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// x509Error returns err when it carries one of crypto/x509's verification
// error types.
func x509Error(err error) error {
	if _, ok := errors.AsType[x509.UnknownAuthorityError](err); ok {
		return err
	}
	if _, ok := errors.AsType[x509.CertificateInvalidError](err); ok {
		return err
	}
	if _, ok := errors.AsType[x509.HostnameError](err); ok {
		return err
	}
	if _, ok := errors.AsType[x509.InsecureAlgorithmError](err); ok {
		return err
	}
	if _, ok := errors.AsType[x509.SystemRootsError](err); ok {
		return err
	}
	return nil
}
