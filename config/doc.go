// Package config is bootstage's configuration model (DESIGN §2): the types
// a configuration tree is read into, every word of its vocabulary with what
// it means, every default, and the rules derived from them, above all which
// health probe a component gets (ResolveHealth). Everything that reads a
// configuration, the generator, the runtimes, the gate's command line and
// the command line, takes its words and defaults from here and derives
// nothing again.
//
// The package imports only the standard library: bootstage-healthd links it
// through healthd/spec. Reading files (search path, hiding, masking, strict
// TOML with positions) is config/load's.
package config
