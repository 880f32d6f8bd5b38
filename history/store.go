package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// ErrSchemaTooNew is returned by Open for a database written by a newer
// mine, whose schema this one does not know.
var ErrSchemaTooNew = errors.New("history database has a newer schema than this mine knows")

// Store is an open history database. It is safe for concurrent use by
// goroutines; separate processes should not write at the same time (the
// weekly job takes a lock for that), though readers may.
type Store struct {
	db   *sql.DB
	path string
	// hook, when set, is called between the steps of a write; an error
	// aborts the write. Tests use it to interrupt a run mid-way.
	hook func(step string) error
}

// Open opens the history database at path, creating it (and its
// directory, private to the user) when it does not exist, and migrates its
// schema to the current version. Errors wrap ErrSchemaTooNew when the file
// comes from a newer mine.
func Open(ctx context.Context, path string) (*Store, error) {
	return openVersion(ctx, path, len(migrationList))
}

// openVersion opens and migrates up to schema version upto (tests build
// older schemas with it).
func openVersion(ctx context.Context, path string, upto int) (*Store, error) {
	if path == "" {
		return nil, errors.New("open history: no database path")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open history %s: the path must not contain ? or #", path)
	}
	if strings.HasPrefix(path, "file:") {
		path = "." + string(filepath.Separator) + path
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open history: %w", err)
	}
	// Create the file private: it names servers, clients and URLs.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open history: %w", err)
	}
	f.Close()
	dsn := path + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	// One connection: SQLite serialises writers anyway, and a single
	// connection keeps the per-connection pragmas in force.
	db.SetMaxOpenConns(1)
	s := &Store{db: db, path: path}
	if err := s.migrate(ctx, upto); err != nil {
		db.Close()
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Version returns the schema version of the database.
func (s *Store) Version(ctx context.Context) (int, error) {
	var v int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

func (s *Store) step(name string) error {
	if s.hook == nil {
		return nil
	}
	return s.hook(name)
}
