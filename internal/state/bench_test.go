package state_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/oktasync/oktasync/internal/pgtest"
	"github.com/oktasync/oktasync/internal/state"
)

// benchStores opens each kind of store for a benchmark; Postgres is
// skipped (or fails in CI) when unreachable.
func benchStores(b *testing.B) map[string]func(b *testing.B) state.Store {
	return map[string]func(b *testing.B) state.Store{
		"sqlite": func(b *testing.B) state.Store {
			s, err := state.Open(b.Context(), "sqlite://"+filepath.Join(b.TempDir(), "state.db"), state.Options{AutoMigrate: true})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		},
		"postgres": func(b *testing.B) state.Store {
			url := pgtest.URL(b)
			schema := pgtest.SchemaName(b, "oktasync_test")
			s, err := state.Open(b.Context(), url, state.Options{Schema: schema, AutoMigrate: true})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		},
	}
}

// BenchmarkRecordOperations measures checkpointing one batch of 50
// operations, as apply writes them.
func BenchmarkRecordOperations(b *testing.B) {
	for name, open := range benchStores(b) {
		b.Run(name, func(b *testing.B) {
			s := open(b)
			id, err := s.BeginRun(b.Context(), state.Run{Org: "bench.okta.example"})
			if err != nil {
				b.Fatal(err)
			}
			const batch = 50
			seq := 0
			for b.Loop() {
				recs := make([]state.OpRecord, batch)
				for i := range recs {
					recs[i] = state.OpRecord{RunID: id, Seq: seq, Action: "create-user", Target: fmt.Sprintf("u%d@example.com", seq), Outcome: state.OpApplied}
					seq++
				}
				if err := s.RecordOperations(b.Context(), recs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(seq), "ns/op-record")
		})
	}
}

// BenchmarkOwned measures reading the owned users of an org of 5,000.
func BenchmarkOwned(b *testing.B) {
	for name, open := range benchStores(b) {
		b.Run(name, func(b *testing.B) {
			s := open(b)
			users := make([]state.OwnedUser, 5000)
			for i := range users {
				users[i] = state.OwnedUser{Login: fmt.Sprintf("user%05d@example.com", i), OktaID: fmt.Sprintf("00u%05d", i)}
			}
			if err := s.AddOwned(b.Context(), "bench.okta.example", users); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := s.Owned(b.Context(), "bench.okta.example"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
