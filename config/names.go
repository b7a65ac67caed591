package config

// NameHint says what a stage, service or component name may hold.
const NameHint = "letters, digits and . _ -, starting with a letter or digit, up to 64 bytes"

// ValidName is the shape of stage, service and component names: the bytes
// systemd takes in a unit name as they are, so a unit name is the
// configuration's names joined by "-" and never needs escaping (DESIGN
// §2.3), and safe as file names. "@" (a template instance) and ":" are
// left out: a name must not pass for an instance of a system template.
func ValidName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '-') {
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
