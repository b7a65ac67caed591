package config

import (
	"errors"
	"strings"
	"unicode"
)

// MaxValueLen is the longest string a configuration value may hold. Every
// value ends up as (part of) one argument of a program, podman, qemu or the
// gate, and Linux refuses to start a program with an argument longer than
// MAX_ARG_STRLEN (32 pages, 128 KiB, its NUL included).
const MaxValueLen = 128<<10 - 1

// CheckWord reports why s cannot be handed to podman as a word that names
// something (a user, a network, a program), or nil: a word that starts with
// "-" reads as an option, and one with blanks is not one name.
func CheckWord(s string) error {
	switch {
	case s == "":
		return errors.New("it is empty")
	case strings.HasPrefix(s, "-"):
		return errors.New(`it starts with "-"`)
	case strings.IndexFunc(s, unicode.IsSpace) >= 0:
		return errors.New("it holds blanks")
	}
	return nil
}

// CheckOption reports why s cannot stand in podman_args, or nil. Those
// words come right before the image, so each must be an option: a word that
// is not (or a lone "-") would be read as the image, and the image as the
// container's command.
func CheckOption(s string) error {
	if !strings.HasPrefix(s, "-") || s == "-" {
		return errors.New("it is not an option")
	}
	return nil
}
