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
