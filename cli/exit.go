package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	godbus "github.com/godbus/dbus/v5"
)

// Exit codes of every bootstage command. They are listed in the help text
// (see exitCodesHelp) and in the README.
const (
	// ExitOK: the command did what was asked and found nothing wrong.
	ExitOK = 0
	// ExitFailure: the command ran and the answer is "no": validate found
	// problems, plan found changes, up/down saw a unit fail, status found a
	// stage not active or a component not healthy.
	ExitFailure = 1
	// ExitError: the command could not do its job: bad usage, unreadable
	// config or directory, a config directory the user named that does not
	// exist (or, for validate, no configuration at all), unknown name, a
	// tool that is missing.
	ExitError = 2
	// ExitNoSystemd: systemd is not running here or D-Bus is unreachable.
	ExitNoSystemd = 3
	// ExitPermission: systemd or the file system refused for lack of rights.
	ExitPermission = 4
)

const exitCodesHelp = `EXIT CODES:
   0  success; nothing wrong found
   1  the answer is "no": validate found problems, plan found changes,
      up/down saw a unit fail, status found a stage down or a component unhealthy
   2  error: bad usage, a config directory that is missing or unreadable,
      unknown name, missing tool
   3  systemd is not running here, or D-Bus is unreachable
   4  permission denied (most of up/down needs root)`

// exitError is an error that carries its exit code. Its message is one line.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// fail returns an error that exits with code and prints the formatted line.
func fail(code int, format string, args ...any) error {
	return &exitError{code: code, msg: fmt.Sprintf(format, args...)}
}

// errSilent exits with code after the command printed all it had to say.
func errSilent(code int) error { return &exitError{code: code} }

// exitCode maps any error returned by a command to its exit code and the
// single line to print ("" when the command already said everything).
func exitCode(err error) (int, string) {
	if err == nil {
		return ExitOK, ""
	}
	var e *exitError
	if errors.As(err, &e) {
		return e.code, e.msg
	}
	if isPermission(err) {
		return ExitPermission, oneLine(err.Error())
	}
	return ExitError, oneLine(err.Error())
}

// isPermission reports whether err means "you may not": a file mode, or
// polkit/D-Bus refusing the call.
func isPermission(err error) bool {
	if errors.Is(err, os.ErrPermission) {
		return true
	}
	switch dbusErrorName(err) {
	case "org.freedesktop.DBus.Error.AccessDenied",
		"org.freedesktop.DBus.Error.InteractiveAuthorizationRequired":
		return true
	}
	return false
}

// dbusErrorName is the D-Bus error name in err's chain, "" if none.
func dbusErrorName(err error) string {
	var de godbus.Error
	if errors.As(err, &de) {
		return de.Name
	}
	var dep *godbus.Error
	if errors.As(err, &dep) && dep != nil {
		return dep.Name
	}
	return ""
}

// oneLine keeps an error on one line: the contract of every command.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
