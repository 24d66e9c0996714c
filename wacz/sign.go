package wacz

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Digest is datapackage-digest.json: the hash of datapackage.json and, in a
// signed WACZ, the signed data of the WACZ signing specification.
type Digest struct {
	Path       string      `json:"path"`
	Hash       string      `json:"hash"`
	SignedData *SignedData `json:"signedData,omitempty"`
}

// SignedData is an anonymous signature (a key without a domain certificate):
// Signature is the ECDSA P-256 signature, ASN.1 DER then base64, of the
// SHA-256 of the Hash string; PublicKey the signer's key, DER
// (SubjectPublicKeyInfo) then base64. Others check the key out of band.
type SignedData struct {
	Hash      string `json:"hash"`
	Created   string `json:"created"`
	Software  string `json:"software"`
	Signature string `json:"signature"`
	PublicKey string `json:"publicKey"`
	// A domain signature (the WACZ signing spec's other kind) names its
	// signer by a certificate chain instead of PublicKey.
	Domain     string `json:"domain,omitempty"`
	DomainCert string `json:"domainCert,omitempty"`
}

// Fingerprint names a public key as the signed data carries it (base64 of
// its DER): "sha256:" and the hex SHA-256 of the DER. keygen prints it and
// verify shows the signer's, so that a reader can tell whose signature a
// WACZ bears; "" for what is not a public key.
func Fingerprint(publicKey string) string {
	der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(publicKey))
	if err != nil || len(der) == 0 {
		return ""
	}
	if _, err := x509.ParsePKIXPublicKey(der); err != nil {
		return ""
	}
	sum := sha256.Sum256(der)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// digestOf makes datapackage-digest.json for the bytes of datapackage.json.
func digestOf(pkg []byte, opts Options) ([]byte, error) {
	sum := sha256.Sum256(pkg)
	d := Digest{Path: "datapackage.json", Hash: "sha256:" + hex.EncodeToString(sum[:])}
	if opts.SignKey != nil {
		sd, err := Sign(opts.SignKey, d.Hash, opts.Software, opts.Created)
		if err != nil {
			return nil, err
		}
		d.SignedData = &sd
	}
	return json.MarshalIndent(d, "", "  ")
}

// Sign signs hash (the "sha256:<hex>" of datapackage.json) with key.
func Sign(key *ecdsa.PrivateKey, hash, software string, created time.Time) (SignedData, error) {
	pub, err := PublicKey(&key.PublicKey)
	if err != nil {
		return SignedData{}, err
	}
	sum := sha256.Sum256([]byte(hash))
	sig, err := ecdsa.SignASN1(rand.Reader, key, sum[:])
	if err != nil {
		return SignedData{}, fmt.Errorf("wacz: sign: %w", err)
	}
	return SignedData{Hash: hash, Created: created.UTC().Format(time.RFC3339), Software: software,
		Signature: base64.StdEncoding.EncodeToString(sig), PublicKey: pub}, nil
}

// CheckSignature reports whether sd's signature of its hash verifies with its
// public key. A raw r||s signature (64 bytes, as browsers' WebCrypto writes
// it for ArchiveWeb.page) is accepted as well as DER.
func CheckSignature(sd SignedData) error {
	der, err := base64.StdEncoding.DecodeString(sd.PublicKey)
	if err != nil {
		return errors.New("publicKey is not base64")
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return fmt.Errorf("publicKey: %v", err)
	}
	pub, ok := k.(*ecdsa.PublicKey)
	if !ok {
		return errors.New("publicKey is not an ECDSA key")
	}
	sig, err := base64.StdEncoding.DecodeString(sd.Signature)
	if err != nil {
		return errors.New("signature is not base64")
	}
	sum := sha256.Sum256([]byte(sd.Hash))
	if ecdsa.VerifyASN1(pub, sum[:], sig) {
		return nil
	}
	if n := (pub.Curve.Params().BitSize + 7) / 8; len(sig) == 2*n {
		var r, s big.Int
		if ecdsa.Verify(pub, sum[:], r.SetBytes(sig[:n]), s.SetBytes(sig[n:])) {
			return nil
		}
	}
	return errors.New("signature does not verify with publicKey")
}

// PublicKey is pub as the signed data carries it: DER then base64.
func PublicKey(pub *ecdsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("wacz: public key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(der), nil
}

// GenerateKey makes an ECDSA P-256 signing key and returns it as PEM
// (PKCS #8, "PRIVATE KEY").
func GenerateKey() (*ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("wacz: generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("wacz: generate key: %w", err)
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParseKey reads a PEM ECDSA P-256 private key (PKCS #8 or SEC 1).
func ParseKey(b []byte) (*ecdsa.PrivateKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, errors.New("not a PEM file")
	}
	var k any
	var err error
	switch blk.Type {
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(blk.Bytes)
	default:
		k, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("not a private key: %v", err)
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, errors.New("not an ECDSA P-256 key")
	}
	return key, nil
}
