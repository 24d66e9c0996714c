package testsite

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// JSNewsSite serves one JSNews on plain http (HTTP, on 127.0.0.1) and on
// https (HTTPS, on 127.0.0.2, with a certificate made for the test that
// CAFile holds, for `vellum capture --ca-file`): the same pages, the same
// request counters.
type JSNewsSite struct {
	*JSNews
	HTTP, HTTPS *httptest.Server
	CAFile      string
}

// NewJSNewsSite starts the site with pages generated articles; it stops
// when the test ends, or earlier with Close.
func NewJSNewsSite(t testing.TB, pages int) *JSNewsSite {
	t.Helper()
	s := &JSNewsSite{JSNews: NewJSNews(pages)}
	s.HTTP = ServeOn(t, "127.0.0.1", s.JSNews)
	cert, pemBytes, err := selfSigned(net.IPv4(127, 0, 0, 2))
	if err != nil {
		t.Fatalf("testsite: certificate: %v", err)
	}
	s.CAFile = filepath.Join(t.TempDir(), "jsnews-ca.pem")
	if err := os.WriteFile(s.CAFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatalf("testsite: listen on 127.0.0.2: %v", err)
	}
	s.HTTPS = httptest.NewUnstartedServer(s.JSNews)
	s.HTTPS.Listener.Close()
	s.HTTPS.Listener = l
	s.HTTPS.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	s.HTTPS.Config.ErrorLog = log.New(io.Discard, "", 0) // a client that distrusts the certificate is no error of the site
	s.HTTPS.StartTLS()
	t.Cleanup(s.HTTPS.Close)
	return s
}

// Close stops both servers: the live site is gone, as before a replay test.
func (s *JSNewsSite) Close() {
	s.HTTP.Close()
	s.HTTPS.Close()
}

// StoryURL is the story page's URL on a server (s.HTTP or s.HTTPS).
func StoryURL(srv *httptest.Server) string { return srv.URL + JSStoryPath }

// ServeOn serves h on a loopback address (127.0.0.1, 127.0.0.4, ...) over
// plain http until the test ends.
func ServeOn(t testing.TB, ip string, h http.Handler) *httptest.Server {
	t.Helper()
	return listen(t, ip, h)
}

// selfSigned makes a self-signed certificate authority that is also the
// server's certificate for the given addresses, and its PEM.
func selfSigned(ips ...net.IP) (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "Vellum test site", Organization: []string{"The Example Gazette"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}
