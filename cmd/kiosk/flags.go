package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// parseFlags parses a subcommand's flags the way every kiosk subcommand
// does. Help asked for (-h, -help, --help) is not an error: the usage goes
// to stdout and the command exits 0, as Go's flag.ExitOnError and GNU tools
// do. A wrong flag is a usage error: the message and the usage go to the
// flag set's own output (stderr) and the command exits 2. When stop is
// false, parsing succeeded and the command goes on; otherwise it returns
// code.
//
// Usage functions must write to fs.Output(), which is where this routes
// them. A diag subcommand's help starts with its one-line summary.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) (code int, stop bool) {
	out := fs.Output()
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	err := fs.Parse(args)
	fs.SetOutput(out)
	switch {
	case err == nil:
		out.Write(buf.Bytes()) // nothing in practice; never drop what was written
		return exitOK, false
	case errors.Is(err, flag.ErrHelp):
		if c, ok := diagCommands[strings.TrimPrefix(fs.Name(), "kiosk diag ")]; ok {
			fmt.Fprintf(stdout, "%s: %s\n", fs.Name(), c.summary)
		}
		stdout.Write(buf.Bytes())
		return exitOK, true
	default:
		out.Write(buf.Bytes())
		return exitUsage, true
	}
}
