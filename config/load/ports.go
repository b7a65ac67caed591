package load

import (
	"strconv"

	"github.com/bootstage/bootstage/config"
)

const portHint = `podman's -p syntax: "[[IP:][HOSTPORT]:]CONTAINERPORT[/tcp|udp]", e.g. "127.0.0.1:18443:8443"`

func parsePorts(t table) []config.Port {
	var out []config.Port
	for i, spec := range t.strs("ports") {
		p, err := config.ParsePort(spec)
		if err != nil {
			t.d.errAt(join(t.key("ports"), strconv.Itoa(i)), portHint, "%v", err)
			continue
		}
		out = append(out, p)
	}
	return out
}

func parseVolumes(t table) []config.Volume {
	var out []config.Volume
	for i, spec := range t.strs("volumes") {
		v, err := config.ParseVolume(spec)
		if err != nil {
			t.d.errAt(join(t.key("volumes"), strconv.Itoa(i)),
				`"HOST-PATH:CONTAINER-PATH[:OPTIONS]", e.g. "/srv/app:/srv/app:ro"`, "%v", err)
			continue
		}
		out = append(out, v)
	}
	return out
}
