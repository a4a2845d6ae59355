package state

import (
	"context"
	"errors"
)

// errPostgresPending is returned until the PostgreSQL store lands.
var errPostgresPending = errors.New("postgres state store is not available yet")

func openPostgres(ctx context.Context, url string, opts Options) (Store, error) {
	return nil, errPostgresPending
}

func migratePostgresURL(ctx context.Context, url string, opts Options) ([]string, error) {
	return nil, errPostgresPending
}
