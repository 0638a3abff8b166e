// Package probe runs live TLS handshakes between a client config and a server
// config (or against any TLS server, or for any outside client) and says
// ACCEPT or REJECT, which side decided, the stable reason code, the evidence
// and the fix. It takes identities and trust as values and never touches the
// store.
//
// Run probes a built-in server with a built-in client; Connect probes any
// TLS server (host:port) from the client side; Server and Serve keep the
// built-in server up for outside clients (curl, openssl, Node.js) and give
// one verdict per connection; Matrix runs many clients against one server.
// Every verdict is a Result, whose JSON and Text forms are two renderings.
//
// Both sides verify through pki/verify (crypto/tls is
// told not to), at the probe's time and with CRLs, so that every rejection
// carries a typed finding; what only the peer knows is read from alerts and
// checked against what is known locally.
package probe
