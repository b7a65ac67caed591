package unitstest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bootstage/bootstage/units"
)

// Check renders f and reads it back as systemd would, and reports any
// difference from the model: a section or assignment that appeared,
// vanished or moved, or a value that changed. A value written over
// continuation lines is compared word by word, since how systemd glues the
// lines together is whitespace between words. It returns what systemd reads.
func Check(f *units.File) (*Unit, error) {
	text := f.Bytes()
	u, err := Parse(string(text))
	if err != nil {
		return nil, fmt.Errorf("%s: reading back: %w\n%s", f.Name, err, text)
	}
	var sections []string
	var want []Entry
	var continued []bool
	for _, s := range f.Sections() {
		sections = append(sections, s.Name)
		for _, e := range s.Entries {
			v := strings.Join(append([]string{e.Value}, e.Lines...), " ")
			want = append(want, Entry{Section: s.Name, Key: e.Key, Value: v})
			continued = append(continued, len(e.Lines) > 0)
		}
	}
	if !slices.Equal(u.Sections, sections) {
		return u, fmt.Errorf("%s: sections %q read back, the model has %q\n%s", f.Name, u.Sections, sections, text)
	}
	if len(u.Entries) != len(want) {
		return u, fmt.Errorf("%s: %d assignments read back, the model has %d\n%s", f.Name, len(u.Entries), len(want), text)
	}
	for i, got := range u.Entries {
		w := want[i]
		if got.Section != w.Section || got.Key != w.Key {
			return u, fmt.Errorf("%s: assignment %d is [%s] %s=, the model has [%s] %s=\n%s",
				f.Name, i, got.Section, got.Key, w.Section, w.Key, text)
		}
		if got.Value == w.Value {
			continue
		}
		if !continued[i] {
			return u, fmt.Errorf("%s: [%s] %s=%q read back, the model has %q", f.Name, w.Section, w.Key, got.Value, w.Value)
		}
		gw, err1 := Words(got.Value)
		ww, err2 := Words(w.Value)
		if err1 != nil || err2 != nil || !slices.Equal(gw, ww) {
			return u, fmt.Errorf("%s: [%s] %s=%q read back, the model has %q", f.Name, w.Section, w.Key, got.Value, w.Value)
		}
	}
	return u, nil
}
