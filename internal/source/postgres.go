package source

import (
	"context"
	"errors"

	"github.com/oktasync/oktasync/internal/config"
	"github.com/oktasync/oktasync/internal/directory"
)

// Postgres reads the desired state from PostgreSQL queries.
type Postgres struct {
	cfg config.PostgresSource
}

var _ Reader = (*Postgres)(nil)

// NewPostgres returns a Reader running the queries cfg names.
func NewPostgres(cfg config.PostgresSource) *Postgres { return &Postgres{cfg: cfg} }

// Read is not implemented yet.
func (p *Postgres) Read(ctx context.Context) (*directory.Directory, error) {
	return nil, errors.New("read postgres source: not implemented yet")
}
