package importer

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/bootstage/bootstage/config/load"
)

// tomlSource is one TOML source file, decoded, with its keys' positions.
type tomlSource struct {
	file string
	m    map[string]any
	pos  load.Positions
}

// readTOML reads and decodes file; a syntax error is an error of the report.
func readTOML(file string, r *Report) (*tomlSource, bool) {
	src, err := os.ReadFile(file)
	if err != nil {
		r.fail(Pos{File: file}, "", "", "%v", err)
		return nil, false
	}
	var m map[string]any
	if _, err := toml.Decode(string(src), &m); err != nil {
		at := Pos{File: file}
		if pe, ok := err.(toml.ParseError); ok {
			at.Line, at.Col = pe.Position.Line, pe.Position.Col
			err = fmt.Errorf("%s", strings.TrimPrefix(pe.Message, "toml: "))
		}
		r.fail(at, "", "", "%v", err)
		return nil, false
	}
	return &tomlSource{file: file, m: m, pos: load.NewPositions(string(src))}, true
}

// at is the position of the key at path.
func (s *tomlSource) at(path string) Pos {
	line, col := s.pos.Key(path)
	return Pos{File: s.file, Line: line, Col: col}
}

// tomlFiles expands sources: a file is itself, a directory its *.toml
// files, sorted.
func tomlFiles(sources []string, r *Report) []string {
	var files []string
	for _, s := range sources {
		st, err := os.Stat(s)
		if err != nil {
			r.fail(Pos{File: s}, "", "", "%v", err)
			continue
		}
		if !st.IsDir() {
			files = append(files, s)
			continue
		}
		found, _ := filepath.Glob(filepath.Join(s, "*.toml"))
		sort.Strings(found)
		if len(found) == 0 {
			r.fail(Pos{File: s}, "", "", "no .toml files in this directory")
		}
		files = append(files, found...)
	}
	return files
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return path + "." + strconv.Itoa(i) }

// asStrings reads an array of strings.
func asStrings(v any) ([]string, bool) {
	arr, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, len(arr))
	for i, e := range arr {
		if out[i], ok = e.(string); !ok {
			return nil, false
		}
	}
	return out, true
}

// asTables reads an array of tables.
func asTables(v any) ([]map[string]any, bool) {
	switch v := v.(type) {
	case []map[string]any:
		return v, true
	case []any:
		out := make([]map[string]any, len(v))
		for i, e := range v {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, false
			}
			out[i] = m
		}
		return out, true
	}
	return nil, false
}

// kv is one key of a file being written, in order.
type kv struct {
	key string
	val any
}
