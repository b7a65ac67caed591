package load

// The keys of MCP's service definitions that mean what a bootstage key
// means (issue 18): read natively, so a definition loads as it is.

// nodeAlias reads node = "x" as nodes = ["x"]; both at once is an error.
// node is only marked known when set: a misspelt nodes = is nearer to
// "node" than to "nodes", and the hint should name the bootstage key.
func nodeAlias(t table, nodes []string) []string {
	if _, set := t.m["node"]; !set {
		return nodes
	}
	node := t.str("node", "")
	if t.has("nodes") {
		t.d.errAtKey("node", "keep one of them", "node and nodes are both set")
		return nodes
	}
	if node == "" {
		t.d.errAt("node", `node = "hostname", or drop the key`, "empty node name")
		return nil
	}
	return []string{node}
}

// active reads active = false: the service generates nothing. Like node,
// it is only marked known when set, so hints name bootstage's own keys.
func active(t table) bool {
	if _, set := t.m["active"]; !set {
		return true
	}
	v, _ := t.get("active")
	b, ok := v.(bool)
	if !ok {
		t.d.errAt("active", "", "expected true or false, got %s", typeName(v))
		return true
	}
	return b
}
