package config

import (
	"strings"
	"testing"
)

// CheckReference follows containers/image's docker/reference grammar, as
// podman parses image names; each refusal says what is wrong.
func TestCheckReference(t *testing.T) {
	t.Parallel()
	hex64 := strings.Repeat("a1", 32)
	for _, tc := range []struct {
		ref  string
		want string // "" for a valid reference
	}{
		{"alpine", ""},
		{"library/alpine:3.19", ""},
		{"docker.io/library/alpine:3.19", ""},
		{"localhost/app:latest", ""},
		{"localhost:5000/app", ""},
		{"registry.example:5000/team/app_x/a__b/c-d/e--f/g.h:v1.0-rc_1", ""},
		{"192.0.2.1:5000/app", ""},
		{"[2001:db8::1]:5000/app", ""},
		{"REGISTRY.Example/app", ""},
		{"app@sha256:" + hex64, ""},
		{"app:1@sha256:" + hex64, ""},
		{"app@sha512:" + strings.Repeat("0", 128), ""},
		{"0123456789ab", ""}, // an image ID
		{"sha256:" + hex64, ""},

		{"", "it is empty"},
		{"--privileged", `it starts with "-": podman would read it as an option`},
		{"-", `it starts with "-": podman would read it as an option`},
		{"alpine sh", "it holds blanks"},
		{"alpine\t", "it holds blanks"},
		{"docker://alpine", "a transport such as docker:// is not part of an image reference"},
		{"Alpine", `the repository name "Alpine" must be lowercase`},
		{"docker.io/Library/alpine", `the repository name "Library/alpine" must be lowercase`},
		{"Team/app", `the repository name "Team/app" must be lowercase`},
		{"app/", `an empty name component (a "/" too many)`},
		{"a//b", `an empty name component (a "/" too many)`},
		{"app-", `invalid name component "app-": lowercase letters and digits, joined by ".", "_", "__" or "-"`},
		{"a...b", `invalid name component "a...b": lowercase letters and digits, joined by ".", "_", "__" or "-"`},
		{"a___b", `invalid name component "a___b": lowercase letters and digits, joined by ".", "_", "__" or "-"`},
		{"#registry.example/x:1", `invalid registry "#registry.example": HOST or HOST:PORT`},
		{"#x", `invalid name component "#x": lowercase letters and digits, joined by ".", "_", "__" or "-"`},
		{"app:", `invalid tag "": up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"`},
		{"app:-1", `invalid tag "-1": up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"`},
		{"app:" + strings.Repeat("t", 129), `invalid tag "` + strings.Repeat("t", 129) + `": up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"`},
		{"app:a:b", `invalid name component "app:a": lowercase letters and digits, joined by ".", "_", "__" or "-"`},
		{"-x.example/app", `it starts with "-": podman would read it as an option`},
		{"bad_host.example/app", `invalid registry "bad_host.example": HOST or HOST:PORT`},
		{"registry.example:port/app", `invalid registry "registry.example:port": HOST or HOST:PORT`},
		{strings.Repeat("a", 256), "the name is 256 bytes long, at most 255"},
		{"app@", `invalid digest "": ALGORITHM:HEX, e.g. sha256: and 64 hex digits`},
		{"app@sha256:abc", `invalid digest "sha256:abc": ALGORITHM:HEX, e.g. sha256: and 64 hex digits`},
		{"app@md5:" + hex64, `unsupported digest algorithm "md5": sha256, sha384 or sha512`},
		{"app@sha256:" + strings.ToUpper(hex64), "invalid sha256 digest: it has 64 lowercase hex digits"},
		{"app@sha256:" + hex64 + "00", "invalid sha256 digest: it has 64 lowercase hex digits"},
		{"app@sha256:" + hex64 + "@x", `invalid digest "sha256:` + hex64 + `@x": ALGORITHM:HEX, e.g. sha256: and 64 hex digits`},
	} {
		got := ""
		if err := CheckReference(tc.ref); err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("CheckReference(%q) = %q, want %q", tc.ref, got, tc.want)
		}
	}
}
