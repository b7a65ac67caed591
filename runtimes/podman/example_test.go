package podman_test

import (
	"fmt"
	"time"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/runtimes"
	"github.com/bootstage/bootstage/runtimes/podman"
	"github.com/bootstage/bootstage/units"
)

// The component of DESIGN §2, as the generator would hand it over.
func Example() {
	s := &config.Service{Name: "metacrypt", Source: "/etc/bootstage/services/metacrypt.toml"}
	c := &config.Component{
		Name:         "api",
		Runtime:      config.Podman,
		Image:        "registry.example/metacrypt:v1.0.0",
		Cmd:          []string{"server", "--config", "/srv/metacrypt/metacrypt.toml"},
		Env:          []config.EnvVar{{Key: "LOG_LEVEL", Value: "info"}},
		Ports:        []config.Port{{HostIP: "127.0.0.1", HostPort: 18443, ContainerPort: 8443, Proto: "tcp"}},
		Volumes:      []config.Volume{{Host: "/srv/metacrypt", Container: "/srv/metacrypt", Options: []string{"ro"}}},
		Network:      "mcpnet",
		User:         "0:0",
		Restart:      config.RestartUnlessStopped,
		StartTimeout: 10 * time.Minute,
	}
	f := units.NewFile("metacrypt-api.service")
	f.Section("Unit").Text("Description", "metacrypt/api (podman)")
	podman.Runtime{}.Fill(f, s, c, runtimes.Host{Podman: "/usr/bin/podman", CgroupsMode: "split"})
	fmt.Print(string(f.Bytes()))
	// Output:
	// [Unit]
	// Description=metacrypt/api (podman)
	// RequiresMountsFor=/srv/metacrypt
	//
	// [Service]
	// Type=notify
	// NotifyAccess=all
	// Environment=PODMAN_SYSTEMD_UNIT=%n
	// Delegate=yes
	// KillMode=mixed
	// SyslogIdentifier=metacrypt-api
	// TimeoutStartSec=600s
	// Restart=always
	// RestartSec=5s
	// SuccessExitStatus=143
	// ExecStartPre=/bin/rm -f %t/%N.cid
	// ExecStart=/usr/bin/podman run --name=metacrypt-api --cidfile=%t/%N.cid --replace --rm --cgroups=split --sdnotify=conmon -d --log-driver=journald \
	//         --user 0:0 \
	//         --network mcpnet \
	//         --publish 127.0.0.1:18443:8443 \
	//         --volume /srv/metacrypt:/srv/metacrypt:ro \
	//         --env LOG_LEVEL=info \
	//         registry.example/metacrypt:v1.0.0 server --config /srv/metacrypt/metacrypt.toml
	// ExecStop=/usr/bin/podman rm -v -f -i --cidfile=%t/%N.cid
	// ExecStopPost=-/usr/bin/podman rm -v -f -i --cidfile=%t/%N.cid
	// ExecStopPost=-/bin/rm -f %t/%N.cid
}
