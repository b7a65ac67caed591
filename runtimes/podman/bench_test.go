package podman

import (
	"testing"
	"time"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/units"
)

// BenchmarkFill measures one full-featured component, Bytes included: the
// generator's budget is 2000 components (plus targets) in 60 ms.
func BenchmarkFill(b *testing.B) {
	s := &config.Service{Name: "metacrypt"}
	c := basic()
	c.Cmd = []string{"server", "--config", "/srv/metacrypt/metacrypt.toml"}
	c.Env = []config.EnvVar{{Key: "LOG_LEVEL", Value: "info"}, {Key: "TZ", Value: "UTC"}}
	c.Ports = []config.Port{{HostIP: "127.0.0.1", HostPort: 18443, ContainerPort: 8443}}
	c.Volumes = []config.Volume{{Host: "/srv/metacrypt", Container: "/srv/metacrypt", Options: []string{"ro"}}}
	c.Network, c.User, c.Restart = "mcpnet", "0:0", config.RestartUnlessStopped
	c.StopTimeout = 20 * time.Second
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f := units.NewFile("metacrypt-api.service")
		Runtime{}.Fill(f, s, c, testHost)
		_ = f.Bytes()
	}
}
