package lab

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"golang.org/x/crypto/curve25519"
)

// KeyPair is a WireGuard key pair, base64 as `wg genkey` / `wg pubkey` print it.
type KeyPair struct {
	Private, Public string
}

// NewKeyPair generates a WireGuard key pair (what `wg genkey | wg pubkey`
// does): a clamped Curve25519 private key and its public key.
func NewKeyPair() (KeyPair, error) {
	var k [32]byte
	if _, err := rand.Read(k[:]); err != nil {
		return KeyPair{}, fmt.Errorf("random key: %w", err)
	}
	k[0] &= 248
	k[31] = (k[31] & 127) | 64
	pub, err := curve25519.X25519(k[:], curve25519.Basepoint)
	if err != nil {
		return KeyPair{}, fmt.Errorf("public key: %w", err)
	}
	return KeyPair{
		Private: base64.StdEncoding.EncodeToString(k[:]),
		Public:  base64.StdEncoding.EncodeToString(pub),
	}, nil
}

// newGossipSecret returns base64 of 32 random bytes (the gossip key file).
func newGossipSecret() (string, error) {
	var k [32]byte
	if _, err := rand.Read(k[:]); err != nil {
		return "", fmt.Errorf("random gossip key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(k[:]), nil
}
