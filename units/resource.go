package units

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// NetworkService is the unit that creates podman network name:
// "mcpnet-network.service".
func NetworkService(name string) (string, error) {
	return checkName(escapeNamePart(name) + "-network.service")
}

// VolumeService is the unit that creates podman volume name:
// "data-volume.service".
func VolumeService(name string) (string, error) {
	return checkName(escapeNamePart(name) + "-volume.service")
}

// ImageService is the unit that makes image ref present. An image
// reference holds "/" and ":" and may be longer than a unit name, so the
// name is the reference's last path element with every byte outside
// [A-Za-z0-9_.-] written as "_", cut to 48 bytes, then "-" and the first
// 8 hex digits of the SHA-256 of the whole reference, which keeps two
// references apart however alike they read:
// "registry.example/metacrypt:v1.0.0" -> "metacrypt_v1.0.0-1a2b3c4d-image.service".
func ImageService(ref string) string {
	base := ref
	if i := strings.LastIndexByte(base, '/'); i >= 0 {
		base = base[i+1:]
	}
	b := []byte(base)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			b[i] = '_'
		}
	}
	if len(b) > 48 {
		b = b[:48]
	}
	if len(b) == 0 {
		b = []byte("image")
	}
	sum := sha256.Sum256([]byte(ref))
	return string(b) + "-" + hex.EncodeToString(sum[:4]) + "-image.service"
}
