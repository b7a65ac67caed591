package podman

import "github.com/bootstage/bootstage/units/unitstest"

// The tests read units back as systemd does, through units/unitstest.
type (
	entry       = unitstest.Entry
	execCommand = unitstest.Command
)

func parseUnitFile(text string) ([]entry, error) {
	u, err := unitstest.Parse(text)
	if err != nil {
		return nil, err
	}
	return u.Entries, nil
}

func decodeExec(value string, spec map[byte]string) (execCommand, error) {
	return unitstest.DecodeExec(value, unitstest.Specifiers(spec))
}

func decodeText(value string) (string, error) { return unitstest.DecodeText(value, nil) }
