package history

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one schema step: version N is the file NNNN_name.sql, run
// on a database at version N-1. after, when set, runs in the same
// transaction once the SQL has (data that needs Go to compute).
type migration struct {
	version int
	name    string
	sql     string
	after   func(ctx context.Context, tx *sql.Tx) error
}

// migrationList is the schema history, version 1 first. It is built once
// from the embedded files; a malformed set is a programming error.
var migrationList = mustLoadMigrations()

// afterMigration holds the Go steps of migrations.
var afterMigration = map[int]func(ctx context.Context, tx *sql.Tx) error{
	// Version 2 introduces hit deltas: compute them for the runs stored
	// before it.
	2: backfillDeltas,
}

func mustLoadMigrations() []migration {
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		panic("history: " + err.Error())
	}
	return ms
}

func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	var out []migration
	for i, n := range names {
		base := path.Base(n)
		num, rest, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || len(num) != 4 {
			return nil, fmt.Errorf("migration file %s: want NNNN_name.sql", base)
		}
		if v != i+1 {
			return nil, fmt.Errorf("migration file %s: version %d, want %d (versions are 1, 2, ... without gaps)", base, v, i+1)
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: strings.TrimSuffix(rest, ".sql"), sql: string(b), after: afterMigration[v]})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no migration files")
	}
	return out, nil
}

// migrate brings the schema to version upto, one transaction per
// version, so an interrupted migration leaves the database at the last
// complete version. A database newer than this code is refused.
func (s *Store) migrate(ctx context.Context, upto int) error {
	cur, err := s.Version(ctx)
	if err != nil {
		return err
	}
	if cur > len(migrationList) {
		return fmt.Errorf("%w: schema version %d, this mine knows up to %d; use a newer mine", ErrSchemaTooNew, cur, len(migrationList))
	}
	for _, m := range migrationList {
		if m.version <= cur || m.version > upto {
			continue
		}
		if err := s.apply(ctx, m); err != nil {
			return fmt.Errorf("migrate schema to version %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

func (s *Store) apply(ctx context.Context, m migration) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if m.after != nil {
		if err := m.after(ctx, tx); err != nil {
			return err
		}
	}
	// PRAGMA takes no bound parameters; the version is an int.
	if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(m.version)); err != nil {
		return err
	}
	return tx.Commit()
}
