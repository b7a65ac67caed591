package config

// Settings are the node's own settings, from bootstage.toml beside
// stages.toml (DESIGN §8): what holds for every service of the node rather
// than for one. The zero Settings is a node without the file.
type Settings struct {
	Source    string // the bootstage.toml read; "" when there is none
	Unikernel NanosFiles
}

// NanosFiles are where Nanos's kernel, boot loader and mkfs are, as
// [unikernel] kernel, boot and mkfs name them. A file not named is looked
// for in NanosDirs.
type NanosFiles struct {
	Kernel, Boot, Mkfs Setting
}

// Setting is one value of bootstage.toml and where it was set, so that a
// message about it can point there.
type Setting struct {
	Value string
	At    string // "file:line:col"; "" when not set
}
