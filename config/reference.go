package config

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// ReferenceHint says what an image reference looks like.
const ReferenceHint = `[REGISTRY[:PORT]/]NAME[:TAG][@DIGEST], e.g. "docker.io/library/alpine:3.19"`

// MaxReferenceNameLen is the longest name (registry and path, without tag
// and digest) of an image reference (NameTotalLengthMax).
const MaxReferenceNameLen = 255

// The grammar of github.com/containers/image/v5/docker/reference, which
// podman parses image names with:
//
//	reference  := name [ ":" tag ] [ "@" digest ]
//	name       := [domain "/"] component ["/" component]*
//	domain     := host [":" port]   host: DNS-style labels or [IPv6]
//	component  := [a-z0-9]+ (separator [a-z0-9]+)*   separator: . _ __ -+
//	tag        := [\w][\w.-]{0,127}
//	digest     := algorithm ":" hex
var (
	refComponent = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	refHost      = regexp.MustCompile(`^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$`)
	refTag       = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
	refDigest    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$`)
	lowerHex     = regexp.MustCompile(`^[a-f0-9]+$`)
	// digestLen is what go-digest then asks of the hex part: the length
	// of the algorithms it knows, in lowercase.
	digestLen = map[string]int{"sha256": 64, "sha384": 96, "sha512": 128}
)

// CheckReference reports why ref is not an image reference podman can
// parse, or nil. A short name ("alpine", "library/alpine:3") is valid:
// podman resolves it through registries.conf. An image ID is a valid name
// too. The first component names a registry only when it holds "." or ":"
// or is "localhost", as podman splits it; every other component is
// lowercase.
func CheckReference(ref string) error {
	switch {
	case ref == "":
		return errors.New("it is empty")
	case strings.HasPrefix(ref, "-"):
		return errors.New(`it starts with "-": podman would read it as an option`)
	case strings.IndexFunc(ref, unicode.IsSpace) >= 0:
		return errors.New("it holds blanks")
	case strings.Contains(ref, "://"):
		return errors.New("a transport such as docker:// is not part of an image reference")
	}
	name, digest, hasDigest := strings.Cut(ref, "@")
	if hasDigest {
		if err := checkDigest(digest); err != nil {
			return err
		}
	}
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		var tag string
		name, tag = name[:i], name[i+1:]
		if !refTag.MatchString(tag) {
			return fmt.Errorf(`invalid tag %q: up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"`, tag)
		}
	}
	if len(name) > MaxReferenceNameLen {
		return fmt.Errorf("the name is %d bytes long, at most %d", len(name), MaxReferenceNameLen)
	}
	path := name
	if i := strings.IndexByte(name, '/'); i >= 0 && (strings.ContainsAny(name[:i], ".:") || name[:i] == "localhost") {
		if !refHost.MatchString(name[:i]) {
			return fmt.Errorf("invalid registry %q: HOST or HOST:PORT", name[:i])
		}
		path = name[i+1:]
	}
	for _, c := range strings.Split(path, "/") {
		switch {
		case refComponent.MatchString(c):
		case c == "":
			return errors.New(`an empty name component (a "/" too many)`)
		case refComponent.MatchString(strings.ToLower(c)):
			return fmt.Errorf("the repository name %q must be lowercase", path)
		default:
			return fmt.Errorf(`invalid name component %q: lowercase letters and digits, joined by ".", "_", "__" or "-"`, c)
		}
	}
	return nil
}

// checkDigest checks the digest of a reference as podman does: the
// grammar, then an algorithm it knows with its exact length of lowercase
// hex.
func checkDigest(d string) error {
	if !refDigest.MatchString(d) {
		return fmt.Errorf("invalid digest %q: ALGORITHM:HEX, e.g. sha256: and 64 hex digits", d)
	}
	alg, hex, _ := strings.Cut(d, ":")
	n, ok := digestLen[alg]
	switch {
	case !ok:
		return fmt.Errorf("unsupported digest algorithm %q: sha256, sha384 or sha512", alg)
	case len(hex) != n || !lowerHex.MatchString(hex):
		return fmt.Errorf("invalid %s digest: it has %d lowercase hex digits", alg, n)
	}
	return nil
}
