package cli

import (
	"fmt"
	"os"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/bootstage/bootstage/importer"
)

func (a *app) importCommand() *ucli.Command {
	output := &ucli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the tree into `DIR` (default: print it, a dry run)"}
	return &ucli.Command{
		Name:      "import",
		Usage:     "turn MCP definitions, compose files or Quadlet files into a bootstage tree",
		UsageText: "bootstage import mcp|compose|quadlet [options] SOURCE... [--output DIR]",
		Description: "Writes a bootstage configuration tree (stdout as a dry run without --output) and\n" +
			"reports on stderr every key of the sources, FILE:LINE:COLUMN: KEY: -> where it went,\n" +
			"or left out: why. The tree is checked as `bootstage validate` checks it before it is\n" +
			"written. Exit 0 when imported, 1 when the sources cannot be imported as they are, 2 on error.",
		Subcommands: []*ucli.Command{{
			Name:      "mcp",
			Usage:     "MCP service definitions and the agent's boot sequence",
			UsageText: "bootstage import mcp [--agent-config FILE] [--registry REGISTRY] [--image-path PATH] [--output DIR] SOURCE...",
			Flags: []ucli.Flag{
				&ucli.StringFlag{Name: "agent-config", Usage: "the agent's config `FILE`: [[boot.sequence]] becomes stages.toml"},
				&ucli.StringFlag{Name: "registry", Usage: "`REGISTRY` of the images MCP derives (REGISTRY/IMAGE:VERSION)"},
				&ucli.StringFlag{Name: "image-path", Usage: "`PATH` of the ELF inside unikernel images"},
				output,
			},
			Action: func(c *ucli.Context) error {
				if c.NArg() == 0 {
					return fail(ExitError, "import mcp needs at least one SOURCE (a definition file or directory)")
				}
				t, r := importer.MCP(c.Args().Slice(), importer.MCPOptions{AgentConfig: c.String("agent-config"),
					Registry: c.String("registry"), ImagePath: c.String("image-path")})
				return a.imported(t, r, c.String("output"))
			},
		}, {
			Name:      "compose",
			Usage:     "a compose file: services, and depends_on service_healthy as stages",
			UsageText: "bootstage import compose [--output DIR] FILE",
			Flags:     []ucli.Flag{output},
			Action: func(c *ucli.Context) error {
				if c.NArg() != 1 {
					return fail(ExitError, "import compose takes one FILE (compose.yaml)")
				}
				t, r := importer.Compose(c.Args().First())
				return a.imported(t, r, c.String("output"))
			},
		}, {
			Name:      "quadlet",
			Usage:     "Quadlet .container, .network, .volume and .image files",
			UsageText: "bootstage import quadlet [--output DIR] SOURCE...",
			Flags:     []ucli.Flag{output},
			Action: func(c *ucli.Context) error {
				if c.NArg() == 0 {
					return fail(ExitError, "import quadlet needs at least one SOURCE (a file or a directory of them)")
				}
				t, r := importer.Quadlet(c.Args().Slice())
				return a.imported(t, r, c.String("output"))
			},
		}},
	}
}

// imported reports, checks the tree as validate would, and writes or
// prints it.
func (a *app) imported(t *importer.Tree, r *importer.Report, output string) error {
	r.Write(a.env.Stderr)
	if t == nil {
		return fail(ExitFailure, "%d problem(s): nothing imported", len(r.Errors))
	}
	tmp, err := os.MkdirTemp("", "bootstage-import-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := t.Write(tmp); err != nil {
		return err
	}
	out, err := a.generate([]string{tmp})
	if err != nil {
		return err
	}
	if ps := out.Problems.Errors(); len(ps) > 0 {
		for _, p := range ps {
			fmt.Fprintln(a.env.Stderr, strings.ReplaceAll(p.Error(), tmp+"/", "imported "))
		}
		return fail(ExitFailure, "the imported tree does not validate: nothing imported")
	}
	if output == "" {
		t.Dump(a.env.Stdout)
		return nil
	}
	return t.Write(output)
}
