package config

import "strings"

// NameHint says what a stage, service or component name may hold.
const NameHint = "letters, digits, and . _ - @ :, starting with a letter or digit"

// ValidName is the shape of stage, service and component names: readable
// in unit names without escaping, and safe as file names.
func ValidName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || !strings.ContainsRune("._-@:", rune(c))) {
			return false
		}
	}
	return true
}

// DisplayName is how bootstage names a component to people: "service/
// component", or "service" for a service's one unnamed component.
func DisplayName(service, component string) string {
	if component == "" {
		return service
	}
	return service + "/" + component
}
