package load

import (
	"strconv"
	"strings"

	"github.com/bootstage/bootstage/config"
)

// parseNodeKeys reads the component keys that go with node resources
// (DESIGN §2.1): secrets, env_file, memory, cpus, pids_limit, auto_update.
func parseNodeKeys(t table, c *config.Component) {
	c.Secrets = parseSecrets(t)
	c.Memory = memory(t, "memory")
	c.CPUs = cpus(t)
	c.PidsLimit = t.integer("pids_limit", 0, 1, 1<<31-1)
	if c.Runtime == config.Podman {
		c.EnvFiles = t.strs("env_file")
		for i, f := range c.EnvFiles {
			if !strings.HasPrefix(f, "/") {
				t.d.errAt(join(t.key("env_file"), strconv.Itoa(i)), "", "expected an absolute path, got %q", f)
			}
		}
		c.AutoUpdate = enum(t, "auto_update", "", config.AutoUpdates)
		return
	}
	onlyFor(t, "env_file", "auto_update", "pids_limit")
	if len(c.Secrets) > 0 {
		t.d.errAtKey(t.key("secrets"), "pass it to the VM another way: a disk, or its own fetch", "a VM cannot receive secrets yet")
	}
	if c.Memory > 0 {
		if t.has("memory_mb") {
			t.d.errAtKey(t.key("memory"), "keep one of memory and memory_mb", "memory and memory_mb both set a VM's RAM")
		}
		c.MemoryMB = int((c.Memory + 1<<20 - 1) >> 20)
	}
	if c.CPUs > 0 {
		t.d.errAtKey(t.key("cpus"), "a VM's processors are vcpus", "cpus is only for runtime = \"podman\"")
	}
}

// memory reads a size: a string with a binary suffix as podman writes it
// ("512M", "2G", "64k", "1048576b"), or an integer of MiB, as MCP's
// definitions and DESIGN §8 write a unikernel's memory = 256.
func memory(t table, k string) int64 {
	v, ok := t.get(k)
	if !ok {
		return 0
	}
	const hint = `a size such as "512M" or "2G", or an integer of MiB`
	switch v := v.(type) {
	case int64:
		if v > 0 && v <= 1<<20 {
			return v << 20
		}
	case string:
		if n := parseSize(v); n > 0 {
			return n
		}
	}
	t.d.errAt(t.key(k), hint, "invalid memory size %s", typeName(v))
	return 0
}

// parseSize reads "512M": a positive integer and one of b, k, m, g
// (powers of 1024, either case); 0 when s is not a size.
func parseSize(s string) int64 {
	shift := map[byte]uint{'b': 0, 'k': 10, 'm': 20, 'g': 30}
	if s == "" {
		return 0
	}
	sh, unit := shift[strings.ToLower(s[len(s)-1:])[0]]
	num := s
	if unit {
		num = s[:len(s)-1]
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > 1<<40>>sh {
		return 0
	}
	return n << sh
}

// cpus reads a number of CPUs, integer or float, above zero.
func cpus(t table) float64 {
	v, ok := t.get("cpus")
	if !ok {
		return 0
	}
	var f float64
	switch v := v.(type) {
	case int64:
		f = float64(v)
	case float64:
		f = v
	default:
		t.d.errAt(t.key("cpus"), "a number such as 1.5", "expected a number, got %s", typeName(v))
		return 0
	}
	if f <= 0 || f > 4096 {
		t.d.errAt(t.key("cpus"), "a number such as 1.5", "expected a number of CPUs above 0, got %v", v)
		return 0
	}
	return f
}
