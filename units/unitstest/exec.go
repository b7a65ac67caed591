package unitstest

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Command is one Exec*= command line after systemd has read it and, at
// exec time, expanded "$$".
type Command struct {
	Prefix string   // "-", "@", ":", "+", "!" as written
	Argv   []string // what the process receives
}

// DecodeExec reads an Exec*= value as config_parse_exec does and then
// expands it as the exec would with an empty environment. spec lists the
// specifiers the caller expects. A second command (an unquoted ";" word) is
// an error: bootstage writes one command per assignment.
func DecodeExec(value string, spec Specifiers) (Command, error) {
	var cmd Command
	first, p, ok, err := ExtractWord(value)
	if err != nil {
		return cmd, err
	}
	if !ok || first == ";" {
		return cmd, fmt.Errorf("no command in %q", value)
	}
	i := 0
	for i < len(first) && strings.IndexByte("-@:+!", first[i]) >= 0 {
		i++
	}
	cmd.Prefix = first[:i]
	if strings.Contains(cmd.Prefix, "@") {
		return cmd, errors.New("the @ prefix is not decoded")
	}
	path, err := spec.Expand(first[i:])
	if err != nil {
		return cmd, err
	}
	if !strings.HasPrefix(path, "/") || strings.HasSuffix(path, "/") || !stringIsSafe(path) {
		return cmd, fmt.Errorf("not a safe absolute executable path: %q", path)
	}
	cmd.Argv = []string{path}
	for p != "" {
		if p[0] == ';' && (len(p) == 1 || strings.IndexByte(whitespace, p[1]) >= 0) {
			return cmd, errors.New(`an unquoted ";" starts a second command`)
		}
		if strings.HasPrefix(p, `\;`) && (len(p) == 2 || strings.IndexByte(whitespace, p[2]) >= 0) {
			return cmd, errors.New(`a "\;" word, which bootstage never writes`)
		}
		var w string
		w, p, _, err = ExtractWord(p)
		if err != nil {
			return cmd, err
		}
		if w, err = spec.Expand(w); err != nil {
			return cmd, err
		}
		cmd.Argv = append(cmd.Argv, w)
	}
	if strings.Contains(cmd.Prefix, ":") {
		return cmd, nil // no environment expansion
	}
	for i, w := range cmd.Argv[1:] {
		if cmd.Argv[i+1], err = ExpandDollars(w); err != nil {
			return cmd, err
		}
	}
	return cmd, nil
}

// stringIsSafe is string_is_safe: systemd refuses an executable path with
// control characters, quotes or backslashes.
func stringIsSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == 0x7f || c == '\\' || c == '"' || c == '\'' {
			return false
		}
	}
	return true
}

// DecodeEnv reads an Environment= value as config_parse_environ does: each
// word, unquoted and unescaped, specifier-expanded, must be a valid
// assignment (env_assignment_is_valid); systemd would drop an invalid one
// with a warning, DecodeEnv fails.
func DecodeEnv(value string, spec Specifiers) ([]string, error) {
	words, err := Words(value)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(words))
	for _, w := range words {
		if w, err = spec.Expand(w); err != nil {
			return nil, err
		}
		if err := validAssignment(w); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

// validAssignment is env_assignment_is_valid: a name of letters, digits
// and "_" not starting with a digit, "=", and a value that is valid UTF-8.
func validAssignment(w string) error {
	name, value, ok := strings.Cut(w, "=")
	if !ok || name == "" || name[0] >= '0' && name[0] <= '9' {
		return fmt.Errorf("invalid assignment %q", w)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return fmt.Errorf("invalid variable name in %q", w)
		}
	}
	if !utf8.ValidString(value) {
		return fmt.Errorf("value of %s is not UTF-8; systemd drops it", name)
	}
	return nil
}

// DecodeText is what systemd makes of a free-text setting that expands
// specifiers (Description=, SyslogIdentifier=, SourcePath=): "%%" is "%".
func DecodeText(value string, spec Specifiers) (string, error) {
	return spec.Expand(value)
}
