package cli

import "strings"

// style decides how states look: symbols and colour on a terminal, plain
// words when piped. NO_COLOR (https://no-color.org) turns colour off but
// keeps the symbols, which carry the meaning on their own.
type style struct{ symbols, colour bool }

func (e *Env) style() style {
	if !e.TTY || e.Getenv("TERM") == "dumb" {
		return style{}
	}
	return style{symbols: true, colour: e.Getenv("NO_COLOR") == ""}
}

// tone is what a state means to the operator.
type tone int

const (
	toneNone tone = iota
	toneGood
	toneBusy
	toneBad
	toneWarn
)

var toneSymbol = map[tone]string{toneNone: "○", toneGood: "✓", toneBusy: "◐", toneBad: "✗", toneWarn: "⚠"}
var toneColour = map[tone]string{toneGood: "\x1b[32m", toneBusy: "\x1b[33m", toneBad: "\x1b[31m", toneWarn: "\x1b[33m"}

// stateTone maps a unit's ActiveState to a tone.
func stateTone(active string) tone {
	switch active {
	case "active":
		return toneGood
	case "activating", "deactivating", "reloading", "refreshing":
		return toneBusy
	case "failed":
		return toneBad
	}
	return toneNone
}

// mark returns the symbol for t followed by a space ("" when plain).
func (s style) mark(t tone) string {
	if !s.symbols {
		return ""
	}
	return s.paint(t, toneSymbol[t]) + " "
}

// paint colours text for t.
func (s style) paint(t tone, text string) string {
	c := toneColour[t]
	if !s.colour || c == "" {
		return text
	}
	return c + text + "\x1b[0m"
}

// bold is for headings.
func (s style) bold(text string) string {
	if !s.colour {
		return text
	}
	return "\x1b[1m" + text + "\x1b[0m"
}

// pad right-pads text to width runes, ignoring colour escapes.
func pad(text string, width int) string {
	n := visibleLen(text)
	if n >= width {
		return text
	}
	return text + strings.Repeat(" ", width-n)
}

func visibleLen(s string) int {
	n, esc := 0, false
	for _, r := range s {
		switch {
		case r == '\x1b':
			esc = true
		case esc:
			if r == 'm' {
				esc = false
			}
		default:
			n++
		}
	}
	return n
}
