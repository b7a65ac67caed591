package load

// Position finds where the value at key path (components.0.ports.1)
// stands in file, reading the file again: for the checks across files that
// the generator and `bootstage validate` make once every file is parsed.
// 0, 0 when the file cannot be read any more.
func Position(file, path string) (line, col int) {
	src, err := readSmall(file)
	if err != nil {
		return 0, 0
	}
	return newLocator(src).value(path)
}

// Positions knows where each key of a TOML document stands, by the key
// paths config/load uses ("components.1.routes.0.port"): for readers of
// other TOML shapes (the importers) that report keys at their line.
type Positions struct{ l *locator }

// NewPositions scans src, which should be valid TOML.
func NewPositions(src string) Positions { return Positions{newLocator(src)} }

// Key is the 1-based line and column of the key at path, or of its
// nearest ancestor that is known.
func (p Positions) Key(path string) (line, col int) { return p.l.key(path) }
