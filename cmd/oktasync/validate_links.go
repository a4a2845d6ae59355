package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/directory"
	"github.com/oktasync/oktasync/internal/reconcile"
)

// checkManagers checks manager links as a run would, when mapping.manager
// is set: the org's linked object definition (a missing one is an error
// unless links.createDefinition is on), then the source's manager cells
// against the source and Okta; dangling managers and cycles are printed
// as warnings naming the rows.
func checkManagers(ctx context.Context, cfg *config.Config, desired *directory.Directory, log *slog.Logger, out io.Writer) error {
	ls := linksFrom(cfg)
	if ls == nil {
		return nil
	}
	c, err := newOktaClient(cfg, log)
	if err != nil {
		return err
	}
	missing, err := reconcile.CheckLinkDefinition(ctx, c, ls)
	if err != nil {
		return err
	}
	res, _, err := reconcile.ResolveManagers(ctx, c, desired, directory.New(), ls.By)
	if err != nil {
		return err
	}
	note := "definition exists"
	if missing {
		note = "definition missing; the first run creates it (links.createDefinition)"
	}
	problems := res.Problems()
	fmt.Fprintf(out, "ok  %-7s %s/%s: %s; %d of %d manager cells resolve\n", "links", ls.Primary, ls.Associated, note, len(res.Targets), len(desired.Managers))
	for _, p := range problems {
		fmt.Fprintf(out, "    warning: %s\n", p)
	}
	return nil
}
