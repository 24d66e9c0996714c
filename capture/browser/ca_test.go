package browser

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"net"
	"slices"
	"testing"
	"time"
)

func TestCAIssuesLeavesThatVerify(t *testing.T) {
	ca, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert())
	for _, host := range []string{"example.com", "news.example.co.uk", "127.0.0.1", "127.0.0.2", "::1"} {
		leaf, err := ca.leaf(host)
		if err != nil {
			t.Fatalf("leaf(%s): %v", host, err)
		}
		if _, err := leaf.Leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: roots}); err != nil {
			t.Errorf("leaf for %s does not verify for that name: %v", host, err)
		}
		if ip := net.ParseIP(host); ip != nil {
			if len(leaf.Leaf.IPAddresses) != 1 || !leaf.Leaf.IPAddresses[0].Equal(ip) || len(leaf.Leaf.DNSNames) != 0 {
				t.Errorf("leaf for %s: IP SANs %v, DNS SANs %v; want the IP alone", host, leaf.Leaf.IPAddresses, leaf.Leaf.DNSNames)
			}
		} else if !slices.Equal(leaf.Leaf.DNSNames, []string{host}) {
			t.Errorf("leaf for %s: DNS SANs %v", host, leaf.Leaf.DNSNames)
		}
		if _, err := leaf.Leaf.Verify(x509.VerifyOptions{DNSName: "other.example", Roots: roots}); err == nil {
			t.Errorf("leaf for %s verifies for other.example", host)
		}
		if again, _ := ca.leaf(host); again != leaf {
			t.Errorf("leaf for %s issued twice; want it cached", host)
		}
		// Chromium trusts every leaf by one hash: they all carry the leaf key.
		if got := spkiHash(leaf.Leaf.PublicKey); got != ca.SPKI()[0] {
			t.Errorf("leaf for %s has SPKI %s; want the shared %s", host, got, ca.SPKI()[0])
		}
		if len(leaf.Certificate) != 2 || !slices.Equal(leaf.Certificate[1], ca.Cert().Raw) {
			t.Errorf("leaf for %s is not served with the CA certificate after it", host)
		}
	}
}

func TestCAIsShortLivedP256(t *testing.T) {
	ca, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	c := ca.Cert()
	if !c.IsCA || !c.MaxPathLenZero || c.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("CA certificate: IsCA %v, MaxPathLenZero %v, key usage %v", c.IsCA, c.MaxPathLenZero, c.KeyUsage)
	}
	if life := c.NotAfter.Sub(c.NotBefore); life > 26*time.Hour {
		t.Errorf("CA valid for %v; want about a day", life)
	}
	if now := time.Now(); now.Before(c.NotBefore) || now.After(c.NotAfter) {
		t.Errorf("CA not valid now: %v to %v", c.NotBefore, c.NotAfter)
	}
	if pub, ok := c.PublicKey.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
		t.Errorf("CA key is %T; want ECDSA P-256", c.PublicKey)
	}
	spki := ca.SPKI()
	if len(spki) != 2 || spki[1] != spkiHash(c.PublicKey) {
		t.Errorf("SPKI() = %v; want the leaf key's hash, then the CA's", spki)
	}
	for _, s := range spki {
		if b, err := base64.StdEncoding.DecodeString(s); err != nil || len(b) != 32 {
			t.Errorf("SPKI hash %q is not base64 of a SHA-256", s)
		}
	}
	other, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(other.SPKI(), spki) {
		t.Error("two CAs share keys")
	}
}
