package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"
)

// RecordEnv is the environment variable that makes up, down and status
// record their conversation with systemd into a file, in the format the
// tests replay (testdata/dbus/*.json): one frame per poll, each holding
// the unit states that changed and the job results that arrived.
const RecordEnv = "BOOTSTAGE_RECORD_DBUS"

// recording is a conversation with systemd being written down.
type recording struct {
	mu     sync.Mutex
	frames []recordFrame
	last   map[string]UnitState
}

type recordFrame struct {
	Units map[string]UnitState `json:"units"`
	Jobs  map[string]string    `json:"jobs,omitempty"`
}

// record wraps env's Dial and Sleep so that every reply and every poll
// lands in file when the connection closes.
func record(env *Env, file string) {
	r := &recording{frames: []recordFrame{{Units: map[string]UnitState{}}}, last: map[string]UnitState{}}
	dial, sleep := env.Dial, env.Sleep
	env.Dial = func(ctx context.Context) (Systemd, error) {
		sd, err := dial(ctx)
		if err != nil {
			return nil, err
		}
		return &recorder{Systemd: sd, r: r, file: file, stderr: env}, nil
	}
	env.Sleep = func(ctx context.Context, d time.Duration) error {
		err := sleep(ctx, d)
		r.mu.Lock()
		r.frames = append(r.frames, recordFrame{Units: map[string]UnitState{}})
		r.mu.Unlock()
		return err
	}
}

// recorder is a Systemd that writes down what the real one answers.
type recorder struct {
	Systemd
	r      *recording
	file   string
	stderr *Env
}

func (c *recorder) State(ctx context.Context, unit string) (UnitState, error) {
	s, err := c.Systemd.State(ctx, unit)
	if err == nil {
		c.r.mu.Lock()
		if c.r.last[unit] != s {
			c.r.last[unit] = s
			c.r.frames[len(c.r.frames)-1].Units[unit] = s
		}
		c.r.mu.Unlock()
	}
	return s, err
}

// jobSeen writes down a job result in the frame of the poll that saw it,
// so a replay hands it over at the same poll.
func (c *recorder) jobSeen(unit, result string) {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	f := &c.r.frames[len(c.r.frames)-1]
	if f.Jobs == nil {
		f.Jobs = map[string]string{}
	}
	f.Jobs[unit] = result
}

func (c *recorder) Close() {
	c.r.mu.Lock()
	b, err := json.MarshalIndent(struct {
		Frames []recordFrame `json:"frames"`
	}{c.r.frames}, "", " ")
	c.r.mu.Unlock()
	if err == nil {
		err = os.WriteFile(c.file, append(b, '\n'), 0o644)
	}
	if err != nil {
		fmt.Fprintf(c.stderr.Stderr, "bootstage: recording to %s: %v\n", c.file, err)
	}
	c.Systemd.Close()
}
