package load

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/BurntSushi/toml"

	"github.com/bootstage/bootstage/config"
)

// syntaxProblem puts a TOML syntax error in bootstage's words: where it
// stands (the byte the parser stumbled on, not the start of its token),
// the key path there with array indices, what was expected, and a hint.
func syntaxProblem(file, src string, pe toml.ParseError) config.Problem {
	off := max(0, min(pe.Position.Start, len(src)))
	msg, hint, keys, ok := syntaxMessage(pe.Message)
	if !ok {
		msg = clip(pe.Message, maxShown)
	}
	switch {
	case strings.HasPrefix(pe.Message, "invalid UTF-8 byte"):
		off = badUTF8(src, off)
	case strings.HasPrefix(pe.Message, "TOML files cannot contain control characters"):
		off = controlByte(src, off)
	default:
		if c := badEscape(pe.Message); c != 0 {
			off = escapeAt(src, off, c)
		}
	}
	var path []step
	if !strings.HasPrefix(pe.Message, "files cannot contain NULL bytes") { // a UTF-16 file has no keys to name
		path = pathAt(src, off)
	}
	if keys > 0 {
		path = firstKeys(path, keys)
	}
	lines, cols := positions(src, []int{off})
	return config.Problem{File: file, Line: lines[0], Col: cols[0], Key: clipKey(pathString(path)), Msg: msg, Hint: hint}
}

// syntaxMessage maps a message of BurntSushi/toml to bootstage's, with a
// hint; keys is, for a key defined twice, how many keys long the path of
// the one defined first is, 0 otherwise. ok is false for a message the
// table does not know.
func syntaxMessage(m string) (msg, hint string, keys int, ok bool) {
	for _, s := range syntaxMessages {
		if sub := s.re.FindStringSubmatch(m); sub != nil {
			msg, hint = s.say(sub)
			if s.key {
				keys = keyParts(sub[1])
			}
			return msg, hint, keys, true
		}
	}
	return "", "", 0, false
}

// syntaxMessages is every message of BurntSushi/toml v1.6 that decoding
// a file can give (lex.go, parse.go, error.go; errLexInlineTableNL is never
// raised since TOML 1.1, the duration and float32 ones only decoding into
// typed fields), in bootstage's words. The order matters where one pattern
// would also match another's message.
var syntaxMessages = []struct {
	re  *regexp.Regexp
	key bool // sub[1] is a key defined already
	say func(sub []string) (msg, hint string)
}{
	{re: re(`^Key '(.*)' has already been defined\.$`), key: true, say: fixed(
		"already defined: expected each key and table once", "remove one of the two, or use [[name]] for a list of tables")},
	{re: re(`^Key '(.*)' was already created as a hash\.$`), key: true, say: fixed(
		"already holds a value, so no table can go inside it: expected a table", "a key holds a value or a table, not both; an array written [...] cannot be extended with [[...]] or [...]")},
	{re: re(`^Key '(.*)' was already created and cannot be used as an array\.$`), key: true, say: fixed(
		"already defined, so [[...]] cannot add to it: expected [[name]] only for a list of tables", "write each entry of the list as [[name]]")},
	{re: re(`^(".*") is not a table$`), say: fixed(
		"not a table: expected a table here", "a key that holds a value cannot also hold keys")},

	{re: re(`^strings cannot contain newlines$`), say: fixed(
		"string not closed: expected a closing quote before the end of the line", `a "string" stays on one line`)},
	{re: re(`^unexpected EOF; expected ('"'|"'")$`), say: func(sub []string) (string, string) {
		return fmt.Sprintf("string not closed: expected a closing %s before the end of the file", unquote(sub[1])), `a "string" stays on one line`
	}},
	{re: re(`^unexpected EOF; expected ('"""'|"'''")$`), say: func(sub []string) (string, string) {
		q := unquote(sub[1])
		return fmt.Sprintf("string not closed: expected a closing %s before the end of the file", q), fmt.Sprintf("a %s string ends with %s", q, q)
	}},
	{re: re(`^unexpected ('""""""'|"''''''")$`), say: func(sub []string) (string, string) {
		q := unquote(sub[1])[:3]
		return fmt.Sprintf("six quotes in a row: expected at most five to close a %s string", q), fmt.Sprintf("end the string with %s; a quote inside it is written \\\"", q)
	}},
	{re: re(`^invalid escape(?: in string)?:? '\\\n'$`), say: fixed(
		"backslash at the end of the line: expected an escape, or the closing quote", `a "string" stays on one line; in a """string""" a \ at the line end joins the lines`)},
	{re: re(`(?s)^invalid escape(?: in string)?:? '\\(.+)'$`), say: func(sub []string) (string, string) {
		return fmt.Sprintf(`invalid escape \%s: expected \b, \t, \n, \f, \r, \e, \", \\, \xHH, \uHHHH or \UHHHHHHHH`, sub[1]), escapeHint
	}},
	{re: re(`^expected (two|four|eight) hexadecimal digits after '\\(.)', but got .* instead$`), say: func(sub []string) (string, string) {
		return fmt.Sprintf(`invalid escape \%s: expected %s hexadecimal digits after \%s`, sub[2], sub[1], sub[2]), escapeHint
	}},
	{re: re(`^Escaped character '\\u([0-9A-Fa-f]+)' is not valid UTF-8\.$`), say: func(sub []string) (string, string) {
		return fmt.Sprintf("escape for U+%s: expected a Unicode character, from U+0000 to U+10FFFF and not U+D800 to U+DFFF", strings.ToUpper(sub[1])), escapeHint
	}},

	{re: re(`^invalid UTF-8 byte: 0x([0-9a-f]{2})$`), say: func(sub []string) (string, string) {
		return fmt.Sprintf("byte 0x%s is not UTF-8: expected a file in UTF-8", sub[1]), "convert it, e.g. iconv -f latin1 -t utf-8"
	}},
	{re: re(`^files cannot contain NULL bytes`), say: fixed(
		"NUL byte: expected a file in UTF-8", "the file looks like UTF-16: convert it, e.g. iconv -f utf-16 -t utf-8")},
	{re: re(`^TOML files cannot contain control characters: '0x0d'$`), say: fixed(
		"carriage return without a line feed: expected lines that end in \\n or \\r\\n", "convert the line ends, e.g. with dos2unix -c mac")},
	{re: re(`^TOML files cannot contain control characters: '0x([0-9a-f]{2})'$`), say: func(sub []string) (string, string) {
		return fmt.Sprintf("control character 0x%s: expected text", sub[1]), fmt.Sprintf(`in a "string", write it as \u00%s`, strings.ToUpper(sub[1]))
	}},

	{re: re(`^invalid datetime: "(.*)"$`), say: func(sub []string) (string, string) {
		return fmt.Sprintf("invalid date or time %q: expected 2006-01-02, 15:04:05 or 2006-01-02T15:04:05Z", clip(sub[1], maxShown)), `bootstage takes no dates: quote text, "like this"`
	}},
	{re: re(`^Invalid integer "(.*)": underscores must be surrounded by digits$`), say: func(sub []string) (string, string) {
		return fmt.Sprintf("invalid number %s: expected a digit on each side of every _", clip(sub[1], maxShown)), "write 1000 or 1_000"
	}},
	{re: re(`^Invalid (?:integer|float) "(.*)": cannot have leading zeroes$`), say: func(sub []string) (string, string) {
		return fmt.Sprintf("invalid number %s: expected no leading zero", clip(sub[1], maxShown)), "write 12, or 0o12 for an octal number"
	}},
	{re: re(`^Invalid float "(.*)": '\.' must be followed by one or more digits$`), say: func(sub []string) (string, string) {
		return fmt.Sprintf("invalid number %s: expected a digit after the point", clip(sub[1], maxShown)), "write 1.0 or 1"
	}},
	{re: re(`^(?:Invalid float "(.*)": underscores must be surrounded by digits|Invalid float value: "(.*)"|invalid float: '(.*)')$`), say: func(sub []string) (string, string) {
		return fmt.Sprintf("invalid number %s: expected a number such as 1, -2.5 or 1e6", clip(sub[1]+sub[2]+sub[3], maxShown)), numberHint
	}},
	{re: re(`^floats must start with a digit, not '\.'$`), say: fixed(
		"number starts with a point: expected a digit before it", "write 0.5")},
	{re: re(`^expected a digit but got (.*)$`), say: func(sub []string) (string, string) {
		return "expected a digit, got " + got(sub[1]), numberHint
	}},
	{re: re(`^not an? (binary|octal|hexadecimal) number: `), say: func(sub []string) (string, string) {
		digits := map[string]string{"binary": "0 or 1 after 0b", "octal": "0 to 7 after 0o", "hexadecimal": "0 to 9 or a to f after 0x"}[sub[1]]
		return fmt.Sprintf("invalid %s number: expected %s", sub[1], digits), numberHint
	}},
	{re: re(`^cannot use sign with non-decimal numbers: `), say: fixed(
		"sign before 0x, 0o or 0b: expected a sign only on a decimal number", "write -255, not -0xff")},
	{re: re(`^(.*) is out of range for int64$`), say: func(sub []string) (string, string) {
		return fmt.Sprintf("number %s out of range: expected -9223372036854775808 to 9223372036854775807", clip(sub[1], maxShown)), "quote it if it is text"
	}},
	{re: re(`^(.*) is out of range for float64$`), say: func(sub []string) (string, string) {
		return fmt.Sprintf("number %s out of range: expected at most 1.8e308", clip(sub[1], maxShown)), "quote it if it is text"
	}},

	{re: re(`^unexpected EOF; expected value$`), say: fixed(
		"expected a value, got the end of the file", valueHint)},
	{re: re(`^expected value but found (.*) instead$`), say: func(sub []string) (string, string) {
		return "expected a value, got " + got(sub[1]), valueHint
	}},
	{re: re(`^expected a top-level item to end with a newline, comment, or EOF, but got (.*) instead$`), say: func(sub []string) (string, string) {
		return "expected the end of the line, got " + got(sub[1]), "one key = value or [table] per line; quote text with spaces"
	}},
	{re: re(`^expected '\.' or '\]' to end table name, but got (.*) instead$`), say: func(sub []string) (string, string) {
		return "table name not closed: expected . or ], got " + got(sub[1]), "[name] or [name.sub]"
	}},
	{re: re(`^expected end of table array name delimiter '\]', but got (.*) instead$`), say: func(sub []string) (string, string) {
		return "table name not closed: expected ]], got " + got(sub[1]), "[[name]] for each table of a list"
	}},
	{re: re(`^unexpected end of table name \(table names cannot be empty\)$`), say: fixed(
		"empty table name: expected a name between the brackets", "[name] or [[name]]")},
	{re: re(`^unexpected table separator \(table names cannot be empty\)$`), say: fixed(
		"empty part in a table name: expected a name on each side of every .", "[name.sub]")},
	{re: re(`^unexpected '=': key name appears blank$`), say: fixed(
		"no key before =: expected a key", "key = value")},
	{re: re(`^unexpected '\.': keys cannot start with a '\.'$`), say: fixed(
		"key starts with a point: expected a name before it", "name.sub = value")},
	{re: re(`^unexpected '='$`), say: fixed(
		"key ends in a point: expected a name after it", "name.sub = value")},
	{re: re(`^unexpected '\.'$`), say: fixed(
		"two points in a key: expected a name between them", "name.sub = value")},
	{re: re(`^unexpected EOF; expected key separator '='$`), say: fixed(
		"expected = after the key, got the end of the file", "key = value")},
	{re: re(`^expected '\.' or '=', but got (.*) instead$`), say: func(sub []string) (string, string) {
		return "expected = after the key, got " + got(sub[1]), `key = value; quote a key with spaces, "like this" = value`
	}},
	{re: re(`^unexpected comma$`), say: fixed(
		"expected a value, got ,", "remove the extra comma")},
	{re: re(`^expected a comma \(','\) or array terminator \('\]'\), but got (.*)$`), say: func(sub []string) (string, string) {
		return "expected , or ] after an array element, got " + got(sub[1]), `["a", "b"]`
	}},
	{re: re(`^expected a comma or an inline table terminator '\}', but got (.*) instead$`), say: func(sub []string) (string, string) {
		return "expected , or } after a value of an inline table, got " + got(sub[1]), `{ a = 1, b = "x" }`
	}},
}

const (
	escapeHint = `write \\ for a backslash, or use a 'literal string'`
	numberHint = "quote it if it is text"
	valueHint  = `a value is "text", a number, true, false, [an, array] or { an = "inline table" }; quote text`
)

func re(s string) *regexp.Regexp { return regexp.MustCompile(s) }

func fixed(msg, hint string) func([]string) (string, string) {
	return func([]string) (string, string) { return msg, hint }
}

// got says what the parser found, from its Go-quoted form ('x', "tru",
// end of file).
func got(quoted string) string {
	switch quoted {
	case "end of file":
		return "the end of the file"
	case `'\n'`, `'\r'`:
		return "the end of the line"
	case `'"'`, `'\''`:
		return "a quote"
	}
	s := unquote(quoted)
	if r, n := utf8.DecodeRuneInString(s); n > 0 && n == len(s) && (unicode.IsPunct(r) || unicode.IsSymbol(r)) {
		return s // one of TOML's signs: quoted, it would read as a string
	}
	return strconv.Quote(clip(s, maxShown))
}

func unquote(quoted string) string {
	if s, err := strconv.Unquote(quoted); err == nil {
		return s
	}
	if len(quoted) >= 2 && quoted[0] == '\'' && quoted[len(quoted)-1] == '\'' {
		return quoted[1 : len(quoted)-1]
	}
	return quoted
}

// badUTF8 is the offset of the first byte at or after off that is not
// UTF-8: the parser reports the start of the token holding it.
func badUTF8(src string, off int) int {
	for i := off; i < len(src); {
		r, n := utf8.DecodeRuneInString(src[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return off
}

// escapes are the messages of a bad escape, with the character after the
// backslash (or, for a character the escape cannot stand for, its digits).
var escapes = re(`(?s)^(?:invalid escape(?: in string)?:? '\\(.)|expected \w+ hexadecimal digits after '\\(.)'|Escaped character '\\u([0-9A-Fa-f]+)')`)

// badEscape is the letter of the escape a message is about, 0 for none.
func badEscape(msg string) byte {
	m := escapes.FindStringSubmatch(msg)
	switch {
	case m == nil:
		return 0
	case m[3] != "" && len(m[3]) > 4:
		return 'U'
	case m[3] != "":
		return 'u'
	}
	return (m[1] + m[2])[0]
}

// escapeAt is the offset of the first escape \c at or after off, where
// the parser reports the start of the string holding it.
func escapeAt(src string, off int, c byte) int {
	for i := off; i+1 < len(src); i++ {
		if src[i] == '\\' {
			if src[i+1] == c {
				return i
			}
			i++
		}
	}
	return off
}

// controlByte is the offset of the control character the parser reports
// at or just before it.
func controlByte(src string, off int) int {
	for i := off; i < len(src); i++ {
		if c := src[i]; c < 0x20 && c != '\t' && c != '\n' || c == 0x7f {
			if c == '\r' && i+1 < len(src) && src[i+1] == '\n' {
				continue
			}
			return i
		}
	}
	return off
}

// keyParts counts the keys of a dotted key as the parser prints it,
// quoted parts included.
func keyParts(key string) int {
	n, quote := 1, byte(0)
	for i := 0; i < len(key); i++ {
		switch c := key[i]; {
		case quote != 0:
			if c == '\\' && quote == '"' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '.':
			n++
		}
	}
	return n
}

// firstKeys cuts path after its first n keys, array indices between them
// kept.
func firstKeys(path []step, n int) []step {
	for i, st := range path {
		if st.idx < 0 {
			if n--; n == 0 {
				return path[:i+1]
			}
		}
	}
	return path
}
