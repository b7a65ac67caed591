package generator

import (
	"strconv"
	"time"

	"github.com/bootstage/bootstage/config"
	"github.com/bootstage/bootstage/units"
)

// imageScript makes an image present by its pull policy. An archive is
// loaded first when the image is absent (offline nodes); missing and
// never then stop if the image is there; never fails if it is not;
// otherwise podman pulls, retried. newer keeps a local image when the
// registry cannot be reached. podman's own error reaches the journal and
// `systemctl status`.
const imageScript = `p=$1 ref=$2 policy=$3 archive=$4 tries=$5 delay=$6; shift 6; if [ -n "$archive" ] && ! "$p" image exists "$ref"; then "$p" load -i "$archive" || exit 1; fi; have=; if "$p" image exists "$ref"; then case $policy in missing|never) exit 0;; esac; have=1; fi; if [ "$policy" = never ]; then echo "bootstage: image $ref is not present, and pull = never" >&2; exit 1; fi; n=0; until "$p" pull "$@" "$ref"; do n=$((n+1)); if [ "$n" -gt "$tries" ]; then if [ "$policy" = newer ] && [ -n "$have" ]; then exit 0; fi; echo "bootstage: pulling $ref failed $n times" >&2; exit 1; fi; sleep "$delay"; done`

// imageUnit makes image im present. It orders only after
// network-online.target, never after a stage: every pull starts when the
// stack starts (DESIGN §3.1).
func (b *builder) imageUnit(name string, im *config.Image) *units.File {
	f, s := resourceUnit(name, "podman image "+im.Ref, im.Source, im.DropIns)
	u := f.Section("Unit")
	u.Names("Wants", "network-online.target")
	u.Names("After", "network-online.target")
	// Each try may take a full container start timeout, and the waits
	// between them come on top.
	budget := time.Duration(im.Retries+1)*config.DefaultContainerStartTimeout + time.Duration(im.Retries)*im.RetryDelay
	s.Text("TimeoutStartSec", config.FormatDuration(budget))
	delay := strconv.FormatInt(int64((im.RetryDelay+time.Second-1)/time.Second), 10)
	args := []string{"/bin/sh", "-c", imageScript, "sh", b.podman(), im.Ref, string(im.Pull), im.Archive,
		strconv.Itoa(im.Retries), delay}
	var opts []string
	if im.AuthFile != "" {
		opts = append(opts, "--authfile="+im.AuthFile)
	}
	if im.TLSVerify != nil {
		opts = append(opts, "--tls-verify="+strconv.FormatBool(*im.TLSVerify))
	}
	s.Exec("ExecStart", "", args, opts)
	return f
}
