package browser

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"net"
	"strings"
	"sync"
	"time"
)

// caLifetime is how long the CA and its leaves are valid: a run's CA is
// worthless after the run, and a day covers the longest capture with room.
const caLifetime = 24 * time.Hour

// CA is a certificate authority made for one run; it lives in memory only
// (never written to disk). Every leaf certificate it issues uses one key,
// so one SPKI hash lets Chromium trust them all.
type CA struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	leafKey *ecdsa.PrivateKey

	mu     sync.Mutex
	leaves map[string]*tls.Certificate // by host (lower case, IPv6 without brackets)
}

// NewCA makes a CA with a fresh ECDSA P-256 key, valid for a day from an
// hour ago (a clock a little behind ours still accepts it).
func NewCA() (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("browser: CA key: %w", err)
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("browser: leaf key: %w", err)
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		// The serial in the name tells two runs' CAs apart in a browser's
		// error page or a TLS dump.
		Subject:               pkix.Name{Organization: []string{"Vellum"}, CommonName: fmt.Sprintf("Vellum capture CA %x", serial.Uint64())},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caLifetime),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("browser: CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("browser: CA certificate: %w", err)
	}
	return &CA{cert: cert, key: key, leafKey: leafKey, leaves: map[string]*tls.Certificate{}}, nil
}

// Cert is the CA's certificate, for a client that trusts it by a pool
// (RootCAs) rather than by SPKI hash.
func (ca *CA) Cert() *x509.Certificate { return ca.cert }

// SPKI returns the base64 SHA-256 hashes of the SubjectPublicKeyInfo of the
// leaf key and of the CA's key, the form Chromium's
// --ignore-certificate-errors-spki-list takes (joined by commas). The leaf
// key's hash alone is enough, since every leaf shares it; the CA's is there
// for a verifier that looks at the chain's root.
func (ca *CA) SPKI() []string {
	return []string{spkiHash(ca.leafKey.Public()), spkiHash(ca.key.Public())}
}

func spkiHash(pub any) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic(err) // an ECDSA P-256 key always marshals
	}
	sum := sha256.Sum256(der)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// leaf returns the certificate for host (a DNS name or an IP address, as
// parseAuthority gives it), issuing it on first use.
func (ca *CA) leaf(host string) (*tls.Certificate, error) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if c, ok := ca.leaves[host]; ok {
		return c, nil
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: host},
		NotBefore:    ca.cert.NotBefore,
		NotAfter:     ca.cert.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	// Browsers match the name against the SAN only, never the CN.
	if ip := net.ParseIP(host); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{strings.TrimSuffix(host, ".")}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &ca.leafKey.PublicKey, ca.key)
	if err != nil {
		return nil, fmt.Errorf("browser: certificate for %s: %w", host, err)
	}
	parsed, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("browser: certificate for %s: %w", host, err)
	}
	c := &tls.Certificate{Certificate: [][]byte{der, ca.cert.Raw}, PrivateKey: ca.leafKey, Leaf: parsed}
	ca.leaves[host] = c
	return c, nil
}

func newSerial() (*big.Int, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("browser: certificate serial: %w", err)
	}
	return serial, nil
}
