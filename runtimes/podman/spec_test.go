package podman

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/bootstage/bootstage/config"
)

func TestPublishSpec(t *testing.T) {
	tests := []struct {
		p    config.Port
		want string
	}{
		{config.Port{HostIP: "127.0.0.1", HostPort: 18443, ContainerPort: 8443, Proto: "tcp"}, "127.0.0.1:18443:8443"},
		{config.Port{HostIP: "127.0.0.1", HostPort: 5353, ContainerPort: 53, Proto: "udp"}, "127.0.0.1:5353:53/udp"},
		{config.Port{HostPort: 8080, ContainerPort: 80, Proto: "tcp"}, "8080:80"},
		{config.Port{HostPort: 8080, ContainerPort: 80}, "8080:80"},
		{config.Port{HostPort: 53, ContainerPort: 53, Proto: "udp"}, "53:53/udp"},
		{config.Port{HostIP: "127.0.0.1", ContainerPort: 80, Proto: "tcp"}, "127.0.0.1::80"},
		{config.Port{ContainerPort: 80, Proto: "tcp"}, "80"},
		{config.Port{ContainerPort: 53, Proto: "udp"}, "53/udp"},
		{config.Port{HostIP: "::1", HostPort: 8080, ContainerPort: 80}, "[::1]:8080:80"},
		{config.Port{HostIP: "[::1]", HostPort: 8080, ContainerPort: 80}, "[::1]:8080:80"},
		{config.Port{HostIP: "fd00::2", ContainerPort: 80, Proto: "udp"}, "[fd00::2]::80/udp"},
		{config.Port{HostIP: "0.0.0.0", HostPort: 1, ContainerPort: 2, Proto: "sctp"}, "0.0.0.0:1:2/sctp"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestVolumeSpec(t *testing.T) {
	tests := []struct {
		v    config.Volume
		want string
	}{
		{config.Volume{Host: "/srv/m", Container: "/srv/m", Options: []string{"ro"}}, "/srv/m:/srv/m:ro"},
		{config.Volume{Host: "/srv/m", Container: "/data"}, "/srv/m:/data"},
		{config.Volume{Host: "/a", Container: "/b", Options: []string{"rw", "Z", "U"}}, "/a:/b:rw,Z,U"},
		{config.Volume{Host: "cache", Container: "/cache", Options: []string{"z"}}, "cache:/cache:z"},
		{config.Volume{Container: "/scratch"}, "/scratch"},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.v, got, tt.want)
		}
	}
}

// podmanEntrypoint is how podman reads --entrypoint (pkg/specgenutil): JSON
// array if it parses, else the whole string as one element.
func podmanEntrypoint(s string) []string {
	var ep []string
	if json.Unmarshal([]byte(s), &ep) != nil {
		return []string{s}
	}
	return ep
}

func TestEntrypointSpec(t *testing.T) {
	tests := []struct {
		ep   []string
		want string
	}{
		{[]string{"/bin/sh"}, "/bin/sh"},
		{[]string{"/bin/sh", "-c"}, `["/bin/sh","-c"]`},
		{[]string{"/bin/x", `a "q" <&>`}, `["/bin/x","a \"q\" <&>"]`},
		{[]string{`["/looks","like json"]`}, `["[\"/looks\",\"like json\"]"]`},
		{[]string{"[not json"}, "[not json"},
	}
	for _, tt := range tests {
		got := EntrypointSpec(tt.ep)
		if got != tt.want {
			t.Errorf("EntrypointSpec(%q) = %q, want %q", tt.ep, got, tt.want)
		}
		if back := podmanEntrypoint(got); !reflect.DeepEqual(back, tt.ep) {
			t.Errorf("podman would read %q back as %q", got, back)
		}
	}
}

func TestContainerName(t *testing.T) {
	tests := []struct{ stem, want string }{
		{"metacrypt-api", "metacrypt-api"},
		{"dns", "dns"},
		{"a_b.c-d", "a_b.c-d"},
	}
	for _, tt := range tests {
		if got := ContainerName(tt.stem); got != tt.want {
			t.Errorf("ContainerName(%q) = %q, want %q", tt.stem, got, tt.want)
		}
	}
	// Escaped stems are renamed to valid, distinct names.
	odd := []string{`a\x2fb`, `a\x2db`, "a:b", "a_b", `\x2eprofile`, "-x", ""}
	seen := map[string]string{}
	for _, s := range odd {
		n := ContainerName(s)
		if !validName(n) {
			t.Errorf("ContainerName(%q) = %q, not a valid podman name", s, n)
		}
		if prev, ok := seen[n]; ok {
			t.Errorf("ContainerName(%q) = ContainerName(%q) = %q", s, prev, n)
		}
		seen[n] = s
	}
}
